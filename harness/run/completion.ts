/**
 * How long the runner waits for the rekey to complete, and the bound I5
 * checks: the same number, recorded in the run record so `recheck` uses it too.
 *
 * A scenario's timeout is in procedure seconds and is scaled by the time scale
 * (0.02 on the embedded backend: F8's 12 s become 240 ms... of procedure time).
 * Starting a process is not scaled: a pod killed or deleted by a fault takes
 * its real start-up time (a second or more per Node process on a loaded
 * 2-core machine, with restart back-off on top), and F8/F10-style faults
 * restart every pod at once. So a plan with faults before completion gets a
 * per-backend allowance for process restarts on top of the scaled timeout:
 *
 *  - embedded: 20 s — the settle floor's 15 s (deployed-cluster.ts
 *    MIN_SETTLE_MS, the same un-scaled start-up) plus the agent's longest
 *    restart back-off (5 s). It cannot hide a stuck procedure: a stuck one
 *    never completes, however long the wait; it only stops a slow start-up
 *    under load from being reported as a liveness failure.
 *  - kind / kubeconfig: 0 — these run at time scale 1, where the scenario's
 *    timeouts are real seconds and already include pod restarts (they are the
 *    original matrix's figures).
 *
 * A fault-free plan restarts nothing, so it gets no allowance: I5 stays as
 * tight as the scenario says there.
 */
import type { Backend } from '../../common/record.js';
import type { FaultPlan } from '../../common/scenario.js';

export const RESTART_ALLOWANCE_MS: Readonly<Record<Backend, number>> = { embedded: 20_000, kind: 0, kubeconfig: 0 };

/**
 * The embedded allowance when the manager is not ours: StarlingX's script unseals restarted servers one
 * at a time, each after fixed waits of its own (unseal wait intervals, curl timeouts, whole-second
 * sleeps) that the time scale does not shrink — about 10 s a server at its 1 s status rate here, so
 * ~35 s for all three after an F8-style kill, on top of the restarts.
 */
export const FOREIGN_MANAGER_RESTART_ALLOWANCE_MS = 60_000;

/**
 * The allowance this plan gets on this backend (0 without faults before
 * completion); `configured` (backend option `restartAllowanceMs`) replaces the
 * backend's figure, e.g. for a slower machine.
 */
export function completionAllowanceMs(backend: Backend, plan: FaultPlan, configured?: number): number {
  return plan.faults.length > 0 ? (configured ?? RESTART_ALLOWANCE_MS[backend]) : 0;
}

/**
 * How long the runner waits for the cluster to settle (all unsealed, one active): the scenario's settle
 * time, plus the restart allowance when a fault before or after completion restarted anything — the
 * manager's unseal of a restarted server waits on process restarts and its own fixed waits, which the
 * time scale does not shrink. Settling returns as soon as the cluster is settled, so this never slows a pass.
 */
export function settleBoundMs(backend: Backend, plan: Pick<FaultPlan, 'faults' | 'afterCompletion' | 'settleMs'>, configured?: number): number {
  const restarted = plan.faults.length > 0 || plan.afterCompletion.length > 0;
  return plan.settleMs + (restarted ? (configured ?? RESTART_ALLOWANCE_MS[backend]) : 0);
}

/** The completion bound, from the request or the last fault: what the runner waits and what I5 checks. */
export function completionBoundMs(plan: Pick<FaultPlan, 'timeoutMs'>, allowanceMs: number | undefined): number {
  return plan.timeoutMs + (allowanceMs ?? 0);
}
