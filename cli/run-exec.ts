/**
 * The part of `run`, `replay` and `explore` that turns chosen iterations
 * into runner items and runs them: plans and replay commands, sinks
 * (progress lines, Allure results), `--parallel` clusters, Ctrl-C (and SIGTERM, SIGHUP).
 * Everything that can be wrong with the input is checked before the runner
 * is even loaded, so bad usage exits 2 with nothing run.
 */
import { describeUnreached, unreachedMilestones } from '../harness/invariants/unreached.js';
import { exitCodeForOutcomes } from '../common/exit-code.js';
import path from 'node:path';
import type { Backend, Outcome, ResultSink } from '../common/record.js';
import type { Scenario } from '../common/scenario.js';
import { UsageError } from '../common/errors.js';
import { borrowedCluster, type OpenCluster } from '../harness/run/iteration-driver.js';
import type { RunItem, RunOptions, RunResults } from '../harness/run/runner.js';
import { onStopSignals } from '../common/stop-signals.js';
import type { ManagerChoice } from '../harness/backends/backend.js';
import { displayPath, REPO_ROOT, SCENARIOS_DIR } from '../matrix/catalog.js';
import { makePlan, REFERENCE_STATUS_RATE_MS, stableJson } from '../matrix/plan.js';
import { replayCommand, type ReplaySpec } from '../matrix/replay.js';
import { takeShard, type PlannedIteration } from '../matrix/selection.js';
import { ProgressPrinter, wantsLiveDisplay, writeFlushed, type Output } from './progress.js';
import { laneIpBases, laneStateDir } from './lanes.js';

export interface ExecOptions {
  backend: Backend;
  manager: string;
  defect?: string;
  /** the plans' time scale; `explicit` when the user chose it (the manager then runs at the matching rate) */
  timescale: number;
  timescaleExplicit: boolean;
  seed?: number;
  /** the folder everything the run writes goes under */
  outDir: string;
  stateDir?: string;
  /** embedded: the loopback /24 of the cluster (default 127.42.0; tests use their own) */
  ipBase?: string;
  /** embedded: the version the Vault double reports */
  vaultVersion?: string;
  /** the backend's own options from its flags (kubeconfig: cluster, namespace, Vault CA) */
  backendOptions?: Record<string, unknown>;
  bail: boolean;
  parallel: number;
  /** stop waiting for completion after this long without progress (harness/run/stall.ts); absent: the whole bound */
  stallAfterMs?: number;
  out?: Output;
}

/** A scenario outside the catalogue is replayed from its file. */
function replayFile(scenario: Scenario): string | undefined {
  if (scenario.source.startsWith('generated:')) return undefined;
  const abs = path.resolve(REPO_ROOT, scenario.source);
  if (abs.startsWith(SCENARIOS_DIR + path.sep)) return undefined;
  return displayPath(path.resolve(scenario.source));
}

export function buildItems(refs: PlannedIteration[], opts: Pick<ExecOptions, 'backend' | 'manager' | 'defect' | 'timescale' | 'seed'>): RunItem[] {
  return refs.map(({ scenario, iteration }) => {
    const plan = makePlan(scenario, iteration, { timescale: opts.timescale, ...(opts.seed !== undefined ? { seed: opts.seed } : {}) });
    // A timed fault after the iteration's deadline can never land: such an iteration number is bad input, not a run.
    const late = plan.faults.find((f) => 'atMs' in f.trigger && f.trigger.atMs > plan.timeoutMs);
    if (late && 'atMs' in late.trigger) {
      throw new UsageError(`${scenario.id} iteration ${iteration} would inject its fault at ${(late.trigger.atMs / 1000).toFixed(1)} s, after the iteration's ${(plan.timeoutMs / 1000).toFixed(1)} s timeout: no such iteration can run`, { scenario: scenario.id, iteration });
    }
    const spec: ReplaySpec = { scenario: scenario.id, iteration, seed: plan.seed, timescale: plan.timescale, backend: opts.backend, manager: opts.manager };
    if (opts.defect !== undefined) spec.defect = opts.defect;
    const file = replayFile(scenario);
    if (file !== undefined) spec.file = file;
    return { scenario, plan, replay: replayCommand(spec) };
  });
}

/** `--dry-run`: what would run, one JSON object per line (plan JSON with sorted keys). */
export function dryRunLines(items: RunItem[]): string {
  return items.map((i) => stableJson({ scenario: i.scenario.id, iteration: i.plan.iteration, plan: i.plan, replay: i.replay }) + '\n').join('');
}

export function managerChoice(opts: Pick<ExecOptions, 'manager' | 'defect' | 'timescale' | 'timescaleExplicit'>): ManagerChoice {
  const choice: ManagerChoice = { kind: opts.manager };
  if (opts.defect !== undefined) choice.defect = opts.defect;
  // An explicit time scale only means something if the manager runs at the matching status rate.
  if (opts.timescaleExplicit) choice.settings = { MANAGER_STATUS_RATE_MS: String(statusRateForTimescale(opts.timescale)) };
  return choice;
}

export function checkParallel(parallel: number, backend: Backend, ipBase?: string): void {
  if (!Number.isInteger(parallel) || parallel < 1 || parallel > 20) throw new UsageError(`--parallel must be an integer 1..20, got ${parallel}`);
  if (parallel > 1 && backend !== 'embedded') throw new UsageError('--parallel needs the embedded backend (one local cluster per lane)');
  if (parallel > 1) laneIpBases(ipBase, parallel); // every lane's range must exist before any starts
}

const stdout: Output = { write: (t) => void process.stdout.write(t) };

/** Everything a run writes lives under its --out folder: Allure results, run records, summary files. */
function outputDirs(out: string): { resultsDir: string; runsDir: string; summaryDir: string } {
  const root = path.resolve(out);
  return { resultsDir: path.join(root, 'allure-results'), runsDir: path.join(root, 'runs'), summaryDir: root };
}

export function laneBackendOptions(opts: ExecOptions, lane: number, lanes: number): Record<string, unknown> {
  const out: Record<string, unknown> = { ...opts.backendOptions };
  if (lanes > 1) {
    out['ipBase'] = laneIpBases(opts.ipBase, lanes)[lane];
    out['stateDir'] = laneStateDir(opts.stateDir, lane);
  } else {
    if (opts.stateDir !== undefined) out['stateDir'] = opts.stateDir;
    if (opts.ipBase !== undefined) out['ipBase'] = opts.ipBase;
  }
  // The plans assume the manager's status rate matches the time scale.
  if (opts.timescaleExplicit) out['statusRateMs'] = statusRateForTimescale(opts.timescale);
  if (opts.vaultVersion !== undefined) out['vaultVersion'] = opts.vaultVersion;
  if (opts.stallAfterMs !== undefined) out['stallAfterMs'] = opts.stallAfterMs;
  return out;
}

/** The manager's status rate (ms) that makes procedure seconds pass at `timescale`. */
export function statusRateForTimescale(timescale: number): number {
  return Math.max(1, Math.round(timescale * REFERENCE_STATUS_RATE_MS));
}

/**
 * A sink shared by several lanes that must finish once, after all lanes
 * (the summary): it forwards records and holds back runFinished.
 */
function holdFinish(sink: ResultSink): ResultSink {
  return { iterationFinished: (r, dir) => sink.iterationFinished(r, dir) };
}

async function commonSinks(opts: ExecOptions): Promise<{ allure: ResultSink; summary: ResultSink }> {
  const { createAllureSink } = await import('../reports/allure/sink.js');
  const { createSummarySink } = await import('../reports/summary/sink.js');
  const dirs = outputDirs(opts.outDir);
  const out = opts.out ?? stdout;
  return { allure: createAllureSink({ resultsDir: dirs.resultsDir }), summary: createSummarySink({ outDir: dirs.summaryDir, print: (t) => out.write(t) }) };
}

/** Runs the items (split across `parallel` embedded clusters) and returns the exit code. */
export async function executeItems(items: RunItem[], opts: ExecOptions): Promise<{ exitCode: number; summaries: RunResults[] }> {
  checkParallel(opts.parallel, opts.backend, opts.ipBase);
  const out = opts.out ?? stdout;
  const { runItems } = await import('../harness/run/runner.js');
  const { allure, summary } = await commonSinks(opts);
  const controller = new AbortController();
  const stopListening = onStopSignals((sig) => controller.abort(new Error(`interrupted (${sig})`)));
  const lanes = Math.min(opts.parallel, items.length);
  const live = lanes === 1 && wantsLiveDisplay();
  try {
    const summaries = await Promise.all(
      Array.from({ length: lanes }, (_, k) => {
        const laneItems = lanes === 1 ? items : takeShard(items, { index: k + 1, count: lanes });
        return runItems(laneItems, {
          backend: opts.backend,
          backendOptions: laneBackendOptions(opts, k, lanes),
          manager: managerChoice(opts),
          runsDir: outputDirs(opts.outDir).runsDir,
          sinks: [new ProgressPrinter(out, live, lanes > 1 ? `(${k + 1}) ` : ''), allure, holdFinish(summary)],
          bail: opts.bail,
          signal: controller.signal,
        });
      }),
    );
    await summary.runFinished?.();
    const exitCode = exitCodeForOutcomes(mergeCounts(summaries));
    const last = `${notHitLines(summaries)}${summaryLine(mergeCounts(summaries))}  (exit ${exitCode}; results in ${displayPath(outputDirs(opts.outDir).resultsDir)})\n`;
    if (opts.out) opts.out.write(last);
    else await writeFlushed(last);
    return { exitCode, summaries };
  } finally {
    stopListening();
  }
}

/**
 * Why each not-hit iteration was not hit, where the cause is a milestone the run never reached:
 * evidence the manager took another path, which a fault that merely came late is not.
 */
export function notHitLines(summaries: readonly RunResults[]): string {
  const lines: string[] = [];
  for (const { record } of summaries.flatMap((s) => s.results)) {
    if (record.outcome !== 'not-hit') continue;
    const unreached = describeUnreached(unreachedMilestones(record));
    lines.push(`not hit: ${record.scenario.id}#${record.plan.iteration}: ${unreached.length > 0 ? unreached.join('; ') : 'the fault came after the milestone it aimed at (see the record)'}`);
  }
  return lines.map((l) => `${l}\n`).join('');
}

/**
 * One cluster kept up across many single-iteration runs (explore runs one
 * iteration per schedule and must not pay a cluster start each time).
 */
export interface RunnerSession {
  run(item: RunItem): Promise<RunResults>;
  close(): Promise<void>;
}

export async function openSession(opts: ExecOptions): Promise<RunnerSession> {
  const { runItemsWith } = await import('../harness/run/runner.js');
  const { openDeployedCluster } = await import('../harness/run/deployed-cluster.js');
  const { allure, summary } = await commonSinks(opts);
  const out = opts.out ?? stdout;
  const printer = new ProgressPrinter(out, wantsLiveDisplay());
  let cluster: OpenCluster | undefined;
  const options: Omit<RunOptions, 'signal'> = {
    backend: opts.backend,
    backendOptions: laneBackendOptions(opts, 0, 1),
    manager: managerChoice(opts),
    runsDir: outputDirs(opts.outDir).runsDir,
    sinks: [printer, allure, holdFinish(summary)],
  };
  const controller = new AbortController();
  const stopListening = onStopSignals((sig) => controller.abort(new Error(`interrupted (${sig})`)));
  return {
    run: (item) =>
      runItemsWith([item], { ...options, signal: controller.signal }, {
        open: async (o, signal) => {
          const open = cluster ?? (await openDeployedCluster(o, signal));
          cluster = open;
          return borrowedCluster(open.driver); // torn down by session.close()
        },
      }),
    close: async () => {
      stopListening();
      await cluster?.[Symbol.asyncDispose]();
      await summary.runFinished?.();
    },
  };
}

function emptySummary(): RunResults {
  return { results: [], counts: { passed: 0, failed: 0, 'not-hit': 0, timeout: 0, 'environment-error': 0 }, exitCode: 0 };
}

function mergeCounts(summaries: RunResults[]): Record<Outcome, number> {
  const total = emptySummary().counts;
  for (const s of summaries) for (const [k, v] of Object.entries(s.counts)) total[k as Outcome] += v;
  return total;
}

export function summaryLine(counts: Record<Outcome, number>): string {
  const n = Object.values(counts).reduce((a, b) => a + b, 0);
  const parts = (Object.entries(counts) as [Outcome, number][]).filter(([, v]) => v > 0).map(([k, v]) => `${v} ${k}`);
  return `${n} iteration${n === 1 ? '' : 's'}: ${parts.join(', ') || 'none run'}`;
}
