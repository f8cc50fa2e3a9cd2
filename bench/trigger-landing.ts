/**
 * How often a milestone trigger lands its fault before the next milestone:
 * `after: cluster-rekey-verified` + kill -9 of the manager, N iterations on
 * one embedded cluster (ipBase 127.49.0). Prints the landing rate and the
 * trigger→applied latency (p50/p95). Not a test: speed belongs here.
 *
 *   node --import tsx bench/trigger-landing.ts [N] [--ip-base A.B.C]
 *
 * The default ipBase is the bench's; pass another when the rest of the bench
 * runs at the same time (two clusters cannot share a /24).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FaultPlan, Scenario } from '../common/scenario.js';
import { iterationRequestId } from '../common/secrets.js';
import { runItems, type RunItem } from '../harness/run/runner.js';

const args = process.argv.slice(2);
const ipFlag = args.indexOf('--ip-base');
const ipBase = ipFlag >= 0 ? args.splice(ipFlag, 2)[1]! : '127.49.0';
const n = Number(args[0] ?? 100);
const dir = await mkdtemp(path.join(tmpdir(), 'rekey-chaos-bench-'));
const items: RunItem[] = Array.from({ length: n }, (_, i) => {
  const scenario: Scenario = { id: 'bench-landing', family: 'F9', description: 'trigger landing', source: 'generated:bench', iterations: n, iterationBase: 2480, seed: 1, faults: [], afterCompletion: [], timeoutS: 60, settleS: 30, invariants: [] };
  const plan: FaultPlan = {
    scenarioId: scenario.id,
    iteration: i,
    requestId: iterationRequestId(2480 + i),
    seed: 1,
    timescale: 0.02,
    faults: [{ index: 0, trigger: { after: 'cluster-rekey-verified', offsetMs: 0, occurrence: 1 }, fault: { kind: 'kill-process', targets: ['manager'] }, targetSeed: i }],
    afterCompletion: [],
    timeoutMs: 15_000,
    settleMs: 5_000,
  };
  return { scenario, plan, replay: '' };
});
const controller = new AbortController();
process.once('SIGINT', () => controller.abort());
try {
  const summary = await runItems(items, { backend: 'embedded', backendOptions: { stateDir: path.join(dir, 'state'), ipBase }, manager: { kind: 'reference' }, runsDir: path.join(dir, 'runs'), sinks: [], signal: controller.signal });
  const faults = summary.results.map((r) => r.record.faults[0]).filter((f) => f !== undefined);
  const landed = faults.filter((f) => f.landed).length;
  const lat = faults.filter((f) => f.appliedAt !== undefined && f.triggeredAt !== undefined).map((f) => f.appliedAt! - f.triggeredAt!).sort((a, b) => a - b);
  const pct = (p: number) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))]!.toFixed(1) : 'n/a');
  const misses = faults.filter((f) => !f.landed).map((f) => f.missReason);
  const errors = [...new Set(summary.results.map((r) => r.record.error).filter((e) => e !== undefined))];
  console.log(JSON.stringify({ runs: summary.results.length, landed, rate: faults.length ? landed / faults.length : 0, latencyMs: { p50: pct(50), p95: pct(95) }, outcomes: summary.counts, misses: misses.slice(0, 10), errors: errors.slice(0, 5) }, null, 2));
} finally {
  await rm(dir, { recursive: true, force: true });
}
