/**
 * From a `--manager` spec to the plan of what to deploy: the entry point
 * of harness/manager-spec for backends. `reference` has no plan (each
 * backend deploys our own manager its own way).
 */
import { extractManagerPlan } from './extract.js';
import type { ManagerPlan } from './plan-types.js';
import { readChartValues, renderChart, type RenderRequest } from './render.js';
import { scriptPlan } from './script-plan.js';
import { loadManagerSpec, type LoadedManagerSpec } from './spec.js';
import { mergeAllValues, valueAt, type HarnessManagerValues } from './values.js';

export interface PlanOptions {
  /** resolve relative paths of a spec text against this (default: the process's cwd) */
  cwd?: string;
  renderer?: RenderRequest['renderer'];
  /** PATH to look for helm on (default: the process's) */
  searchPath?: string;
}

export async function planManager(spec: string | LoadedManagerSpec, harness: HarnessManagerValues, options: PlanOptions = {}): Promise<ManagerPlan | undefined> {
  const loaded = typeof spec === 'string' ? loadManagerSpec(spec, options.cwd !== undefined ? { cwd: options.cwd } : {}) : spec;
  if (loaded.kind === 'reference') return undefined;
  if (loaded.kind === 'script') return scriptPlan({ spec: loaded.text, file: loaded.file, harness });
  const merged = mergeAllValues({ chart: readChartValues(loaded.dir), userFile: loaded.userValues, sets: loaded.sets, harness });
  const request: RenderRequest = { chartDir: loaded.dir, releaseName: harness.releaseName, namespace: harness.namespace, values: merged.values, valuesForHelm: merged.valuesForHelm };
  if (options.renderer !== undefined) request.renderer = options.renderer;
  if (options.searchPath !== undefined) request.searchPath = options.searchPath;
  const rendered = await renderChart(request);
  const version = valueAt(merged.values, ['server', 'version']);
  return extractManagerPlan({
    chartDir: loaded.dir,
    spec: loaded.text,
    renderer: rendered.renderer,
    namespace: harness.namespace,
    objects: rendered.objects,
    statusRateS: harness.statusCheckRateS,
    ...(version !== undefined && version !== null ? { vaultVersion: String(version) } : {}),
    overrides: merged.overrides,
  });
}

/** One line per user value the harness replaced, for the CLI to print. */
export function describeOverrides(plan: Pick<ManagerPlan, 'overrides'>): string[] {
  return plan.overrides.map((o) => `the harness sets ${o.key}=${JSON.stringify(o.forced)} (your ${o.from} asked for ${JSON.stringify(o.user)})`);
}
