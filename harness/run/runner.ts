/**
 * The run loop (`rekey-chaos run` calls `runItems`): bring the cluster up
 * once, deploy once per manager choice, run every iteration, report each
 * to the sinks, and always tear down what it started. A broken environment
 * is an `environment-error` outcome (exit 3); after one, the runner tries a
 * fresh deployment once before giving up on the remaining items.
 */
import { exitCodeForOutcomes } from '../../common/exit-code.js';
import { managerKindOf } from '../../common/milestones.js';
import { FOREIGN_MANAGER_RESTART_ALLOWANCE_MS } from './completion.js';
import { nowMs } from '../../common/clock.js';
import { redact } from '../../common/redact.js';
import type { Outcome, ResultSink, RunRecord } from '../../common/record.js';
import type { FaultPlan, Scenario } from '../../common/scenario.js';
import { openDeployedCluster, type ClusterRequest } from './deployed-cluster.js';
import type { OpenCluster } from './iteration-driver.js';
import { runIteration } from './iteration.js';
import { newRecord, prepareRunDir, runIdFor, writeRecord } from './record-writer.js';

export interface RunItem {
  scenario: Scenario;
  plan: FaultPlan;
  /** one-line replay command, built by matrix/ */
  replay: string;
}

export interface RunOptions extends ClusterRequest {
  /** where run dirs go (default out/runs) */
  runsDir: string;
  sinks: ResultSink[];
  bail?: boolean;
  signal?: AbortSignal;
  /** keep the logs of passing iterations too (record.json is always kept) */
  keepPassingEvidence?: boolean;
}

/** What one run loop produced (the report's RunSummary is built from the records, reports/summary/). */
export interface RunResults {
  results: { record: RunRecord; runDir: string }[];
  counts: Record<Outcome, number>;
  exitCode: 0 | 1 | 3;
}

export interface RunnerDeps {
  open(options: RunOptions, signal: AbortSignal): Promise<OpenCluster>;
}

const OUTCOMES: Outcome[] = ['passed', 'failed', 'not-hit', 'timeout', 'environment-error'];

function message(err: unknown): string {
  return redact(err instanceof Error ? err.message : String(err));
}

/** A record for an iteration that could not even start (the cluster did not come up, an interrupt). */
async function notRunRecord(item: RunItem, options: RunOptions, error: string): Promise<{ record: RunRecord; runDir: string }> {
  const t = nowMs();
  const runId = runIdFor(item.scenario.id, item.plan.iteration, t);
  const runDir = await prepareRunDir(options.runsDir, runId);
  const record = newRecord({
    runId,
    scenario: item.scenario,
    plan: item.plan,
    backend: options.backend,
    manager: options.manager.kind,
    ...(managerKindOf(options.manager.kind) ? { managerKind: managerKindOf(options.manager.kind)! } : {}),
    ...(options.manager.defect ? { defect: options.manager.defect } : {}),
    startedAt: t,
    error,
    replay: item.replay,
  });
  await writeRecord(runDir, record, []);
  return { record, runDir };
}

/**
 * Iteration settings from the backend options: `restartAllowanceMs` replaces the
 * backend's completion allowance (completion.ts; a manager not ours gets the larger foreign one); gate settings (gating.ts): `gates: false`
 * turns them off (so does env REKEY_CHAOS_GATES=off, for measuring the plain
 * timing path from the CLI and the bench), `gateMaxHoldMs` sets the hold bound;
 * `stallAfterMs` turns on stall detection (stall.ts).
 */
function iterationOptions(options: RunOptions): { gates?: boolean; gateMaxHoldMs?: number; restartAllowanceMs?: number; stallAfterMs?: number } {
  const o = options.backendOptions ?? {};
  const off = o['gates'] === false || process.env['REKEY_CHAOS_GATES'] === 'off';
  return {
    ...(off ? { gates: false } : {}),
    ...(typeof o['stallAfterMs'] === 'number' ? { stallAfterMs: o['stallAfterMs'] } : {}),
    ...(typeof o['gateMaxHoldMs'] === 'number' ? { gateMaxHoldMs: o['gateMaxHoldMs'] } : {}),
    ...(typeof o['restartAllowanceMs'] === 'number'
      ? { restartAllowanceMs: o['restartAllowanceMs'] }
      : options.backend === 'embedded' && managerKindOf(options.manager.kind) !== 'reference'
        ? { restartAllowanceMs: FOREIGN_MANAGER_RESTART_ALLOWANCE_MS }
        : {}),
  };
}

export async function runItemsWith(items: RunItem[], options: RunOptions, deps: RunnerDeps): Promise<RunResults> {
  const controller = new AbortController();
  const onAbort = () => controller.abort(options.signal?.reason ?? new Error('interrupted'));
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const signal = controller.signal;
  const results: { record: RunRecord; runDir: string }[] = [];
  const counts = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  const finish = async (r: { record: RunRecord; runDir: string }) => {
    results.push(r);
    counts[r.record.outcome]++;
    for (const sink of options.sinks) await sink.iterationFinished(r.record, r.runDir);
  };

  for (const sink of options.sinks) {
    await sink.runStarted?.({ total: items.length, backend: options.backend, manager: options.manager.kind, ...(options.manager.defect ? { defect: options.manager.defect } : {}) });
  }
  let blocked: string | undefined;
  try {
    let opened: OpenCluster | undefined;
    try {
      opened = await deps.open(options, signal);
    } catch (err) {
      blocked = `cluster could not be brought up: ${message(err)}`;
    }
    // Torn down when this block ends, however it ends. A failed teardown must not turn the results
    // already recorded into a crash; the next start of the same cluster cleans what it left.
    await using cluster = opened && { driver: opened.driver, [Symbol.asyncDispose]: () => opened[Symbol.asyncDispose]().catch(() => undefined) };
    const stoppedScenarios = new Set<string>();
    for (const [index, item] of items.entries()) {
      if (signal.aborted) blocked ??= 'interrupted before this iteration';
      if (blocked !== undefined || !cluster) {
        await finish(await notRunRecord(item, options, blocked ?? 'no cluster'));
        continue;
      }
      if (stoppedScenarios.has(item.scenario.id)) continue;
      for (const sink of options.sinks) await sink.iterationStarted?.({ scenario: item.scenario, plan: item.plan, index, total: items.length });
      const progressSinks = options.sinks.filter((s) => s.progress);
      const result = await runIteration(item.scenario, item.plan, cluster.driver, {
        backend: options.backend,
        manager: options.manager.kind,
        ...(options.manager.defect ? { defect: options.manager.defect } : {}),
        runsDir: options.runsDir,
        replay: item.replay,
        keepPassingEvidence: options.keepPassingEvidence ?? false,
        signal,
        ...iterationOptions(options),
        ...(progressSinks.length > 0 ? { progress: (e) => progressSinks.forEach((s) => s.progress!(e)) } : {}),
      });
      await finish(result);
      if (result.stopScenario) stoppedScenarios.add(item.scenario.id);
      const outcome = result.record.outcome;
      if (options.bail && (outcome === 'failed' || outcome === 'timeout')) break; // --bail: the rest is simply not run
      if (signal.aborted) blocked = 'interrupted';
      else if (outcome === 'environment-error' || outcome === 'failed' || outcome === 'timeout') {
        // The iteration may have left the cluster unusable (lost shards, sealed servers): start clean.
        const recovered = await cluster.driver.recover().catch(() => false);
        if (!recovered) blocked = `not run: the environment could not be recovered after ${result.record.runId}`;
      }
    }
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    for (const sink of options.sinks) await sink.runFinished?.();
  }
  return { results, counts, exitCode: exitCodeForOutcomes(counts) };
}

export function runItems(items: RunItem[], options: RunOptions): Promise<RunResults> {
  return runItemsWith(items, options, { open: openDeployedCluster });
}
