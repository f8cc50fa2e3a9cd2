/**
 * A chart's (or script's) manager against the reference manager, in one run
 * on one machine: the same iterations (one per family F1–F10, the quick
 * matrix's picks), the same time scale (0.2: the 1 s status rate a chart's
 * manager needs, so the reference manager runs at 1 s too), one embedded
 * cluster each, one after the other. Writes the per-manager medians and
 * outcomes to out/bench/manager-compare.json.
 *
 *   REKEY_CHAOS_MANAGER_CHART=<dir> npm run bench:manager -- [--manager SPEC] [--ip-base A.B.C] [--out FILE]
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { UsageError } from '../common/errors.js';
import type { RunRecord } from '../common/record.js';
import { runItems } from '../harness/run/runner.js';
import { loadManagerSpec } from '../harness/manager-spec/spec.js';
import { buildItems, managerChoice, statusRateForTimescale } from '../cli/run-exec.js';
import { loadCatalog } from '../matrix/catalog.js';
import { expand, select } from '../matrix/selection.js';
import { machineInfo } from './machine.js';
import { summarize } from './stats.js';

const TIMESCALE = 0.2;

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

const args = process.argv.slice(2);
const chart = process.env['REKEY_CHAOS_MANAGER_CHART'];
const spec = flag(args, '--manager') ?? (chart ? `chart:${chart}` : undefined);
if (!spec) throw new UsageError('bench:manager needs --manager SPEC or REKEY_CHAOS_MANAGER_CHART=<chart dir>');
loadManagerSpec(spec);
const ipBase = flag(args, '--ip-base') ?? '127.49.0';
const outFile = flag(args, '--out') ?? 'out/bench/manager-compare.json';

const catalog = loadCatalog();
// The quick matrix's pick of one iteration per family (its milestone scenarios are left out: they are the harness's, not the manual matrix's).
const refs = expand(select(catalog, { matrix: 'quick' }).filter((e) => /^F\d+$/.test(e.scenario.family)));
const controller = new AbortController();
process.once('SIGINT', () => controller.abort());

async function runWith(manager: string): Promise<{ manager: string; median_s: number; p95_s: number; outcomes: Record<string, number>; failures: string[] }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'rekey-chaos-bench-manager-'));
  try {
    const opts = { backend: 'embedded' as const, manager, timescale: TIMESCALE, timescaleExplicit: true };
    const summary = await runItems(buildItems(refs, opts), {
      backend: 'embedded',
      backendOptions: { stateDir: path.join(dir, 'state'), ipBase, statusRateMs: statusRateForTimescale(TIMESCALE) },
      manager: managerChoice(opts),
      runsDir: path.join(dir, 'runs'),
      sinks: [],
      signal: controller.signal,
    });
    const records: RunRecord[] = summary.results.map((r) => r.record);
    const seconds = records.filter((r) => r.outcome !== 'environment-error').map((r) => (r.endedAt - r.startedAt) / 1000);
    const s = summarize(seconds, `iteration wall time (${manager})`);
    const failures = records.filter((r) => r.outcome !== 'passed').map((r) => `${r.scenario.id}#${r.plan.iteration} ${r.outcome}: ${r.invariants.filter((i) => i.status === 'failed').map((i) => i.id).join(',') || r.error || ''}`);
    return { manager, median_s: s.median, p95_s: s.p95, outcomes: summary.counts, failures };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const reference = await runWith('reference');
const foreign = await runWith(spec);
const report = { generated_at: new Date().toISOString(), machine: machineInfo(), timescale: TIMESCALE, iterations_per_manager: refs.length, reference, foreign };
await mkdir(path.dirname(path.resolve(outFile)), { recursive: true });
await writeFile(outFile, JSON.stringify(report, null, 2) + '\n');
process.stdout.write(
  `${refs.length} iterations each at time scale ${TIMESCALE}:\n` +
    `  reference  median ${reference.median_s.toFixed(1)} s, p95 ${reference.p95_s.toFixed(1)} s, ${JSON.stringify(reference.outcomes)}\n` +
    `  ${spec}\n             median ${foreign.median_s.toFixed(1)} s, p95 ${foreign.p95_s.toFixed(1)} s, ${JSON.stringify(foreign.outcomes)}\n` +
    `written to ${outFile}\n`,
);
