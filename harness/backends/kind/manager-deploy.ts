/**
 * Deploys the manager into a real cluster: either the reference manager
 * (the manifests in manager/deploy/, with the image, namespace and defect
 * filled in) or a user-given Helm chart such as the StarlingX vault-manager
 * chart (`chart:<chart>[,values=<file>][,set=<key>=<value>]...`).
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { UsageError } from '../../../common/errors.js';
import type { ManagerChoice } from '../backend.js';
import { parseManagerSpec } from '../../manager-spec/spec.js';

export const REFERENCE_MANIFEST_DIR = path.join(path.dirname(new URL(import.meta.url).pathname), '..', '..', '..', 'manager', 'deploy');

export interface ChartManager {
  /** a chart directory or a repository reference helm resolves (e.g. starlingx/vault-manager) */
  chart: string;
  valuesFile?: string;
  /** `key=value` pairs for helm's --set */
  sets: string[];
}

/**
 * `reference` → undefined; `chart:<chart>[,values=<file>][,set=<key>=<value>]...` → the chart to
 * install. The grammar is harness/manager-spec's; only its syntax is checked here, since helm
 * resolves a repository reference that is no local directory.
 */
export function chartManagerOf(kind: string): ChartManager | undefined {
  const spec = parseManagerSpec(kind);
  if (spec.kind === 'reference') return undefined;
  if (spec.kind === 'script') throw new UsageError(`the kind backend installs the reference manager or a chart, not a rendered script (${kind})`);
  const chart: ChartManager = { chart: spec.dir, sets: spec.sets.map((s) => s.raw) };
  if (spec.valuesFile !== undefined) chart.valuesFile = spec.valuesFile;
  return chart;
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
