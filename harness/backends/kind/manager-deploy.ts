/**
 * What the manager is on kind, as objects to apply: either the reference
 * manager (the manifests in manager/deploy/, retargeted: namespace, image,
 * defect, status rate) or a user's chart such as StarlingX's vault-manager
 * (`chart:<dir>[,values=<file>][,set=<key>=<value>]...`), rendered with the
 * values the harness must set (harness/manager-spec: three replicas of
 * awareness, the Vault version the backend deploys, the status rate) and
 * applied as rendered. Both come with the Secrets their pods mount but do
 * not create (the CA), and the label selector that finds the manager's pods.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { UsageError } from '../../../common/errors.js';
import type { ManagerChoice } from '../backend.js';
import { loadManagerSpec } from '../../manager-spec/spec.js';
import { extractManagerPlan } from '../../manager-spec/extract.js';
import { readChartValues, renderChart, type KubeObject, type RenderRequest } from '../../manager-spec/render.js';
import { mergeAllValues, valueAt, type HarnessManagerValues } from '../../manager-spec/values.js';
import { managerLogFormat, type ManagerLogFormat } from '../../manager-spec/log-format.js';
import { labelSelectorOf } from '../embedded-manager.js';

export const REFERENCE_MANIFEST_DIR = path.join(path.dirname(new URL(import.meta.url).pathname), '..', '..', '..', 'manager', 'deploy');
export const REFERENCE_MANAGER_LABELS = { component: 'manager' };

/** The manager as the backend applies it. */
export interface ManagerObjects {
  source: 'reference' | 'chart';
  /** namespaced objects, in apply order, namespace set */
  objects: KubeObject[];
  /** Secrets the pods mount that no object creates: name → keys to fill with the CA */
  caSecrets: Map<string, string[]>;
  /** selects the manager's pods (for faults and logs) */
  labelSelector: string;
  /** images the manager's pods run */
  images: string[];
  /** the status rate the manager runs at (ms) */
  statusRateMs: number;
  logFormat: ManagerLogFormat;
}

type Obj = Record<string, any>;

function readManifests(dir: string): KubeObject[] {
  if (!existsSync(dir)) throw new UsageError(`reference manager manifests not found in ${dir}`);
  const docs: KubeObject[] = [];
  for (const file of readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort()) {
    for (const doc of parseAllDocuments(readFileSync(path.join(dir, file), 'utf8'))) {
      const value = doc.toJS() as KubeObject | null;
      if (value && typeof value === 'object' && value.kind) docs.push(value);
    }
  }
  return docs;
}

function podSpecs(objects: readonly KubeObject[]): Obj[] {
  return objects.filter((o) => ['StatefulSet', 'Deployment', 'DaemonSet', 'Job'].includes(o.kind)).map((o) => (o as Obj).spec?.template?.spec ?? {});
}

/** Every image a pod of these objects runs. */
export function imagesOf(objects: readonly KubeObject[]): string[] {
  const images = podSpecs(objects).flatMap((s) => [...(s.containers ?? []), ...(s.initContainers ?? [])].map((c: Obj) => String(c.image)));
  return [...new Set(images)];
}

/** Secrets the pods mount that none of the objects creates, with the keys the mounts read. */
export function mountedExternalSecrets(objects: readonly KubeObject[], defaultKey = 'ca.crt'): Map<string, string[]> {
  const created = new Set(objects.filter((o) => o.kind === 'Secret').map((o) => o.metadata.name));
  const out = new Map<string, string[]>();
  for (const spec of podSpecs(objects)) {
    for (const v of (spec.volumes ?? []) as Obj[]) {
      const sources: Obj[] = v.secret ? [{ name: v.secret.secretName, items: v.secret.items }] : ((v.projected?.sources ?? []) as Obj[]).filter((s) => s.secret).map((s) => s.secret);
      for (const s of sources) {
        if (typeof s.name !== 'string' || created.has(s.name)) continue;
        const keys = Array.isArray(s.items) && s.items.length > 0 ? s.items.map((i: Obj) => String(i.key)) : [defaultKey];
        out.set(s.name, [...new Set([...(out.get(s.name) ?? []), ...keys])]);
      }
    }
  }
  return out;
}

/** The reference manager's manifests, retargeted: namespace, image, defect and settings as env. */
export function referenceManager(options: { namespace: string; image: string; manager: ManagerChoice; statusRateMs: number; manifestDir?: string }): ManagerObjects {
  const docs = readManifests(options.manifestDir ?? REFERENCE_MANIFEST_DIR);
  const env: Record<string, string> = { MANAGER_STATUS_RATE_MS: String(options.statusRateMs), ...(options.manager.settings ?? {}) };
  if (options.manager.defect) env.MANAGER_DEFECT = options.manager.defect;
  for (const doc of docs as Obj[]) {
    if (doc.metadata && doc.kind !== 'Namespace') doc.metadata.namespace = options.namespace;
    if (doc.kind === 'RoleBinding') for (const subject of doc.subjects ?? []) subject.namespace = options.namespace;
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
  const rate = Number(env.MANAGER_STATUS_RATE_MS);
  return {
    source: 'reference',
    objects: docs,
    caSecrets: mountedExternalSecrets(docs),
    labelSelector: labelSelectorOf(REFERENCE_MANAGER_LABELS),
    images: imagesOf(docs),
    statusRateMs: Number.isFinite(rate) && rate > 0 ? rate : options.statusRateMs,
    logFormat: managerLogFormat('reference'),
  };
}

/** A build placeholder (StarlingX's `@OS_CODENAME@`) is no image any registry or node has. */
const PLACEHOLDER = /@[A-Z_]+@/;

/**
 * A chart's manager, rendered with the harness's values. `--defect` is refused:
 * defects are variants of the reference manager, a chart cannot take one.
 */
export async function chartManager(manager: ManagerChoice, harness: HarnessManagerValues, options: { renderer?: RenderRequest['renderer']; searchPath?: string; cwd?: string } = {}): Promise<ManagerObjects> {
  if (manager.defect !== undefined) throw new UsageError(`--defect applies to the reference manager only (asked with --manager ${manager.kind})`, { manager: manager.kind });
  const spec = loadManagerSpec(manager.kind, options.cwd !== undefined ? { cwd: options.cwd } : {});
  if (spec.kind !== 'chart') throw new UsageError(`the kind backend deploys the reference manager or a chart directory, not ${manager.kind}`, { manager: manager.kind });
  const merged = mergeAllValues({ chart: readChartValues(spec.dir), userFile: spec.userValues, sets: spec.sets, harness });
  const request: RenderRequest = { chartDir: spec.dir, releaseName: harness.releaseName, namespace: harness.namespace, values: merged.values, valuesForHelm: merged.valuesForHelm };
  if (options.renderer !== undefined) request.renderer = options.renderer;
  if (options.searchPath !== undefined) request.searchPath = options.searchPath;
  const rendered = await renderChart(request);
  const plan = extractManagerPlan({ chartDir: spec.dir, spec: spec.text, renderer: rendered.renderer, namespace: harness.namespace, objects: rendered.objects, statusRateS: harness.statusCheckRateS, overrides: merged.overrides });
  const objects = [...plan.objects, ...rendered.objects.map((r) => r.object).filter((o) => o.kind === plan.workload.kind && o.metadata.name === plan.workload.name)].map((o) => ({ ...o, metadata: { ...o.metadata, namespace: harness.namespace } }));
  const images = imagesOf(objects);
  const placeholder = images.find((i) => PLACEHOLDER.test(i));
  if (placeholder) throw new UsageError(`chart ${spec.dir}: the manager image ${placeholder} is a build placeholder; name a real image (manager.image.repository / manager.image.tag in your values file, see docs/kind.md)`, { image: placeholder });
  const caSecrets = mountedExternalSecrets(objects, plan.caCert?.key ?? 'ca.crt');
  if (plan.caCert) caSecrets.set(plan.caCert.secretName, [...new Set([...(caSecrets.get(plan.caCert.secretName) ?? []), plan.caCert.key])]);
  const version = valueAt(merged.values, ['server', 'version']);
  if (harness.vaultVersion !== undefined && String(version) !== harness.vaultVersion) throw new UsageError(`chart ${spec.dir}: server.version renders as ${String(version)}, not the Vault version deployed (${harness.vaultVersion})`);
  return {
    source: 'chart',
    objects,
    caSecrets,
    labelSelector: labelSelectorOf(plan.podLabels),
    images,
    statusRateMs: harness.statusCheckRateS * 1000,
    logFormat: plan.logFormat,
  };
}

/** The objects as one YAML stream (kubectl apply / delete -f -). */
export function manifestStream(objects: readonly KubeObject[]): string {
  return objects.map((d) => stringify(d)).join('---\n');
}
