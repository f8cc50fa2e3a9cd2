/**
 * Deploys the manager into a real cluster: either the reference manager
 * (the manifests in manager/deploy/, with the image, namespace and defect
 * filled in) or a user-given Helm chart such as the StarlingX vault-manager
 * chart (`chart:<chart>[,values=<file>]`).
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { UsageError } from '../../../common/errors.js';
import type { ManagerChoice } from '../backend.js';

export const REFERENCE_MANIFEST_DIR = path.join(path.dirname(new URL(import.meta.url).pathname), '..', '..', '..', 'manager', 'deploy');

export interface ChartManager {
  chart: string;
  valuesFile?: string;
}

/** `reference` → undefined; `chart:<chart>[,values=<file>]` → the chart to install. */
export function parseManagerSpec(kind: string): ChartManager | undefined {
  if (kind === 'reference') return undefined;
  const m = /^chart:([^,]+)(?:,values=(.+))?$/.exec(kind);
  if (!m) throw new UsageError(`--manager must be "reference" or "chart:<chart>[,values=<file>]", got "${kind}"`);
  return { chart: m[1]!, valuesFile: m[2] };
}

type Manifest = { kind?: string; metadata?: { name?: string; namespace?: string }; spec?: any };

/** The reference manager's manifests, retargeted: namespace, image, defect and settings as env. */
export function referenceManagerManifests(options: {
  namespace: string;
  image: string;
  manager: ManagerChoice;
  manifestDir?: string;
}): string {
  const dir = options.manifestDir ?? REFERENCE_MANIFEST_DIR;
  if (!existsSync(dir)) throw new UsageError(`reference manager manifests not found in ${dir}`);
  const docs: Manifest[] = [];
  for (const file of readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort()) {
    for (const doc of parseAllDocuments(readFileSync(path.join(dir, file), 'utf8'))) {
      const value = doc.toJS() as Manifest | null;
      if (value && typeof value === 'object' && value.kind) docs.push(value);
    }
  }
  const env: Record<string, string> = { ...(options.manager.settings ?? {}) };
  if (options.manager.defect) env.MANAGER_DEFECT = options.manager.defect;
  for (const doc of docs) {
    if (doc.metadata && doc.kind !== 'Namespace') doc.metadata.namespace = options.namespace;
    if (doc.kind === 'RoleBinding') {
      for (const subject of (doc as any).subjects ?? []) subject.namespace = options.namespace;
    }
    if (doc.kind === 'StatefulSet') {
      const container = doc.spec?.template?.spec?.containers?.[0];
      if (container) {
        container.image = options.image;
        const existing: { name: string; value?: string }[] = container.env ?? [];
        for (const [name, value] of Object.entries(env)) {
          const found = existing.find((e) => e.name === name);
          if (found) found.value = value;
          else existing.push({ name, value });
        }
        container.env = existing;
      }
    }
  }
  return docs.map((d) => stringify(d)).join('---\n');
}
