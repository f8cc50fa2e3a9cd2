/**
 * One scenario iteration, start to finish: leftovers check, initial
 * fingerprints, observation, request, triggers, completion, after-completion
 * faults, settle, independent audits, logs, invariants, record. Whatever
 * happens, a record is written with what was observed, so a failed or
 * interrupted iteration keeps its evidence.
 */
import { managerKindOf } from '../../common/milestones.js';
import { nowMs } from '../../common/clock.js';
import { COMPLETE_EVENT } from '../../common/milestones.js';
import { redact } from '../../common/redact.js';
import type { Backend, InjectedFault, Outcome, RunRecord, TimelineEvent } from '../../common/record.js';
import type { FaultPlan, Scenario } from '../../common/scenario.js';
import { describeLeftovers, leftoverPolicy } from './cleanup.js';
import { completionAllowanceMs, completionBoundMs, settleBoundMs } from './completion.js';
import { gateHoldMs } from './gating.js';
import type { InitialState, IterationDriver, Observation } from './iteration-driver.js';
import { dropLogs, newRecord, prepareRunDir, runIdFor, scrubRunDir, writeRecord } from './record-writer.js';
import { armFaults, type ArmedFaults } from './triggers.js';
import { watchForStall, type StallWatch } from './stall.js';

export interface IterationContext {
  backend: Backend;
  manager: string;
  defect?: string;
  runsDir: string;
  replay: string;
  keepPassingEvidence: boolean;
  signal: AbortSignal;
  progress?: (e: TimelineEvent) => void;
  /** milestone gates (gating.ts): off with false; default on where the driver can arm them */
  gates?: boolean;
  /** how long a gate may hold before it opens by itself (default: gateHoldMs()) */
  gateMaxHoldMs?: number;
  /** replaces the backend's allowance for process restarts (completion.ts) */
  restartAllowanceMs?: number;
  /** stop waiting for completion after this long without progress (stall.ts); absent: wait the whole bound */
  stallAfterMs?: number;
}

export interface IterationResult {
  record: RunRecord;
  runDir: string;
  /** the iteration found leftovers and the scenario says stop */
  stopScenario: boolean;
}

function message(err: unknown): string {
  return redact(err instanceof Error ? err.message : String(err));
}

export async function runIteration(scenario: Scenario, plan: FaultPlan, driver: IterationDriver, ctx: IterationContext): Promise<IterationResult> {
  const startedAt = nowMs();
  const runId = runIdFor(scenario.id, plan.iteration, startedAt);
  const runDir = await prepareRunDir(ctx.runsDir, runId);
  const runnerEvents: TimelineEvent[] = [];
  const note = (name: string, detail?: Record<string, unknown>) => {
    const e: TimelineEvent = { t: nowMs(), name: `runner:${name}`, source: 'runner', ...(detail ? { detail } : {}) };
    if (observation) observation.timeline.add(e);
    else runnerEvents.push(e);
    ctx.progress?.(e);
  };
  const record: RunRecord = newRecord({
    runId,
    scenario,
    plan,
    backend: ctx.backend,
    manager: ctx.manager,
    ...(managerKindOf(ctx.manager) ? { managerKind: managerKindOf(ctx.manager)! } : {}),
    ...(ctx.defect ? { defect: ctx.defect } : {}),
    startedAt,
    completionAllowanceMs: completionAllowanceMs(ctx.backend, plan, ctx.restartAllowanceMs),
    replay: ctx.replay,
  });
  let observation: Observation | undefined;
  let armed: ArmedFaults | undefined;
  let initial: InitialState | undefined;
  const secretValues: string[] = [];
  const afterFaults: InjectedFault[] = [];
  let stopScenario = false;
  let completed = false;
  let fatal: string | undefined;

  try {
    const leftovers = await driver.leftovers();
    if (leftovers.length > 0) {
      note('leftovers', { secrets: leftovers, policy: leftoverPolicy(scenario) });
      await driver.removeLeftovers(leftovers);
      if (leftoverPolicy(scenario) === 'stop') {
        stopScenario = true;
        throw new Error(`${describeLeftovers(leftovers)} (removed; the scenario stops, as the matrix's loop does)`);
      }
    }
    initial = await driver.initial();
    secretValues.push(...initial.secretValues);
    record.initial = { ...(initial.keyFp ? { keyFp: initial.keyFp } : {}), ...(initial.rootTokenFp ? { rootTokenFp: initial.rootTokenFp } : {}) };

    observation = await driver.observe(ctx.signal);
    for (const e of runnerEvents) observation.timeline.add(e);
    const unsubscribeProgress = ctx.progress ? observation.timeline.on(ctx.progress) : undefined;
    armed = armFaults(observation.timeline, plan.faults, (p) => driver.applyFault(p.fault, p.targetSeed, plan.timescale));
    if (driver.gates && ctx.gates !== false) await armed.armGates(driver.gates, gateHoldMs(ctx.gateMaxHoldMs));
    record.requestedAt = await driver.requestRekey(plan.requestId);
    armed.requestCreated(record.requestedAt);
    note('requested', { requestId: plan.requestId });

    const boundMs = completionBoundMs(plan, record.completionAllowanceMs);
    const stall = startStallWatch(driver, observation, armed, ctx.stallAfterMs, record.requestedAt);
    const waitSignal = stall ? AbortSignal.any([ctx.signal, stall.signal]) : ctx.signal;
    try {
      completed = await driver.awaitCompletion(observation, boundMs, waitSignal);
      // I5's bound runs from the last fault (or the request): a fault applied after the request extends the wait,
      // so a "did not complete" is only ever claimed for time the harness actually watched.
      // (Re-checked after each wait: a later fault moves the bound, and a timer may fire a little early.)
      while (!completed && !waitSignal.aborted) {
        const last = armed.lastAppliedAt();
        const remaining = last === undefined ? 0 : last + boundMs - nowMs();
        if (remaining <= 0) break;
        completed = await driver.awaitCompletion(observation, Math.ceil(remaining), waitSignal);
      }
    } finally {
      // its interval must not outlive the wait, whatever ends it
      stall?.watch.stop();
    }
    if (ctx.signal.aborted) throw new Error('stopped while awaiting completion');
    const stalled = completed ? undefined : stall?.watch.verdict();
    if (stalled) {
      record.stalled = stalled;
      note('stalled', { quietMs: stalled.quietMs, lastProgressAt: stalled.lastProgressAt });
    }
    const done = observation.timeline.events().find((e) => e.name === COMPLETE_EVENT);
    if (completed && done) record.completedAt = done.t;
    if (!completed) note('timeout', { timeoutMs: plan.timeoutMs, allowanceMs: record.completionAllowanceMs ?? 0 });
    await armed.awaitTimed(record.requestedAt + boundMs);
    await armed.settleFired();
    armed.cancel();
    // Before anything else talks to Vault: a Vault gate cannot tell the harness's audits from the manager's calls,
    // and a trouble rule with requests left would fail them; before the after-completion faults restart servers and take the rules' counts with them.
    await armed.releaseGates();
    await armed.finishFaults();

    for (const [i, spec] of plan.afterCompletion.entries()) {
      const app = await driver.applyFault(spec, (plan.seed ^ 0x5eed) + i, plan.timescale);
      afterFaults.push({
        index: -1,
        kind: spec.kind,
        target: app.target,
        targetSpec: spec.targets.join('+'),
        trigger: 'after-completion',
        landed: app.missing.length === 0 && app.appliedAt !== undefined,
        ...(app.appliedAt !== undefined ? { appliedAt: app.appliedAt } : {}),
        ...(app.missing.length > 0 ? { missReason: app.missing.join('; ') } : {}),
      });
    }
    // A stalled iteration has had every container running and nothing moving for the quiet time already: settling
    // gets that long again (no start-up floor), instead of a bound sized for restarts it is not waiting on
    // (unless clean-up faults have just restarted pods).
    const settleMs = settleBoundMs(ctx.backend, plan, ctx.restartAllowanceMs);
    const settled = record.stalled && plan.afterCompletion.length === 0
      ? await driver.settle(Math.min(settleMs, record.stalled.quietMs), ctx.signal, { exact: true })
      : await driver.settle(settleMs, ctx.signal);
    note(settled.settled ? 'settled' : 'not-settled');
    record.final.servers = settled.servers;
    unsubscribeProgress?.();
    await observation.stop();

    const audit = await driver.audit(initial);
    secretValues.push(...audit.secretValues);
    record.audits = audit.audits;
    if (audit.policy) record.policy = audit.policy;
    record.final.secrets = audit.secrets;
    if (audit.rootTokenWorks !== undefined) record.final.rootTokenWorks = audit.rootTokenWorks;
  } catch (err) {
    fatal = message(err);
    if (ctx.signal.aborted) fatal = `interrupted: ${fatal}`;
  } finally {
    armed?.cancel();
    await armed?.releaseGates();
    await armed?.finishFaults();
    if (observation) {
      await observation.stop().catch(() => undefined);
      secretValues.push(...observation.secretValues());
    }
  }

  // Collect whatever exists, even after a failure: the evidence is the point.
  if (observation) {
    record.timeline = [...observation.timeline.events()].sort((a, b) => a.t - b.t);
    record.ledger = observation.ledger();
    record.keyFeed = observation.keyFeed();
    record.service = observation.service();
  } else {
    record.timeline = runnerEvents;
  }
  record.faults = [...(armed ? armed.results(record.timeline) : []), ...afterFaults];
  try {
    const logs = await driver.collectLogs(runDir, startedAt);
    record.logs = logs.logs;
    record.managerProblems = logs.managerProblems;
    if (logs.unavailable !== undefined) record.logsUnavailable = logs.unavailable;
  } catch (err) {
    fatal ??= `collecting logs: ${message(err)}`;
  }
  record.endedAt = nowMs();

  if (fatal !== undefined) {
    record.error = fatal;
    record.outcome = 'environment-error';
  } else {
    record.outcome = 'passed'; // provisional: the checkers decide below
    const evaluated = driver.evaluate(record);
    record.invariants = evaluated.invariants;
    record.outcome = finalOutcome(evaluated.outcome, completed, record.faults);
  }
  if (record.outcome === 'passed' && !ctx.keepPassingEvidence) {
    await dropLogs(runDir);
    record.logs = {};
  }
  const scrubbed = await scrubRunDir(runDir, secretValues);
  if (scrubbed.length > 0) record.error = `${record.error ? `${record.error}; ` : ''}secret values were scrubbed from ${scrubbed.join(', ')}`;
  await writeRecord(runDir, record, secretValues);
  return { record, runDir, stopScenario };
}

/**
 * The checkers' verdict, made strict where the runner knows more: an
 * iteration that did not complete is at best a timeout, and a "pass" whose
 * planned fault missed is "not hit".
 */
export function finalOutcome(checked: Outcome, completed: boolean, faults: InjectedFault[]): Outcome {
  if (checked === 'failed' || checked === 'environment-error') return checked;
  if (!completed) return 'timeout';
  if (checked === 'passed' && faults.some((f) => f.index >= 0 && !f.landed)) return 'not-hit';
  return checked;
}

/** The stall watch of one completion wait, when asked for and the driver can tell pod changes; its signal aborts the wait. */
function startStallWatch(driver: IterationDriver, observation: Observation, armed: ArmedFaults, quietMs: number | undefined, since: number): { watch: StallWatch; signal: AbortSignal } | undefined {
  if (quietMs === undefined || !driver.podsQuietSince) return undefined;
  const controller = new AbortController();
  const watch = watchForStall(
    { onEvent: (l) => observation.timeline.on(l), podsQuietSince: () => driver.podsQuietSince!(), faultsPending: () => armed.pending() },
    quietMs,
    since,
  );
  void watch.stalled.then(() => controller.abort(new Error('stalled')));
  return { watch, signal: controller.signal };
}
