/**
 * Early recognition of a stuck procedure, for runs that trade the full
 * completion bound for time (explore's search and shrinking, `run
 * --stall-after`): waiting the whole bound on an iteration that has stopped
 * moving is what made each shrink step of a stuck failure cost the bound.
 *
 * Stalled means, all at once, for `quietMs`:
 *  - no new event on the timeline other than the runner's own (no milestone
 *    secret, Vault event or fault that had not already happened in this wait:
 *    the same rejected unseal repeated on the same server is not progress),
 *  - no change to any pod (readiness, restart, labels — Vault's labels move
 *    when a server unseals or takes over),
 *  - every pod's containers running (none being created, restarting or in
 *    back-off; ready or not: a sealed server runs unready), and no planned
 *    fault still waiting for its time or being applied.
 * A procedure waiting on a restart, a back-off or a timed fault is therefore
 * never called stalled; one whose manager keeps retrying something that can
 * no longer succeed, with nothing else changing, is. The verdict is recorded
 * with its evidence and I5 says the wait was cut short (i5-liveness.ts), so a
 * reader can tell a stall from a timeout.
 */
import { nowMs } from '../../common/clock.js';
import type { TimelineEvent } from '../../common/record.js';

/**
 * The quiet time explore uses unless told otherwise: 100 passes of the reference
 * manager at the embedded time scale (status rate 100 ms), and for a manager
 * not ours the foreign restart allowance's order (StarlingX's script waits
 * whole seconds between unseal tries, which the time scale does not shrink).
 */
export const DEFAULT_STALL_MS = { reference: 10_000, foreign: 60_000 } as const;

export function defaultStallMs(managerKind: 'reference' | 'foreign'): number {
  return DEFAULT_STALL_MS[managerKind];
}

export interface StallInputs {
  /** subscribe to timeline events; returns the unsubscribe */
  onEvent(listener: (e: TimelineEvent) => void): () => void;
  /** when a pod last changed, or undefined while some pod's container is not running */
  podsQuietSince(): number | undefined;
  /** a planned fault is still due (a timed trigger ahead, or an injection in flight) */
  faultsPending(): boolean;
}

export interface StallVerdict {
  /** when the stall was recognised */
  at: number;
  /** the last sign of progress (a timeline event or a pod change) */
  lastProgressAt: number;
  quietMs: number;
}

export interface StallWatch {
  /** resolves with the verdict once stalled; never resolves otherwise */
  readonly stalled: Promise<StallVerdict>;
  /** the verdict, once there is one */
  verdict(): StallVerdict | undefined;
  stop(): void;
}

/** How often the conditions are looked at: a small share of the quiet time, so a stall is called within ~10% of it. */
function checkEveryMs(quietMs: number): number {
  return Math.max(50, Math.min(1000, Math.floor(quietMs / 10)));
}

/**
 * The decision at one instant (pure): stalled when every pod is ready, no fault
 * is due, and the last progress (event or pod change) is at least `quietMs` old.
 */
export function stallAt(now: number, state: { lastEventAt: number; podsQuietSince: number | undefined; faultsPending: boolean }, quietMs: number): StallVerdict | undefined {
  if (state.podsQuietSince === undefined || state.faultsPending) return undefined;
  const lastProgressAt = Math.max(state.lastEventAt, state.podsQuietSince);
  return now - lastProgressAt >= quietMs ? { at: now, lastProgressAt, quietMs } : undefined;
}

/** An event's identity for progress: its name, and the server it concerns where it names one. */
export function progressKey(e: TimelineEvent): string {
  const server = (e.detail as { server?: unknown } | undefined)?.server;
  return typeof server === 'string' ? `${e.name}@${server}` : e.name;
}

export function watchForStall(inputs: StallInputs, quietMs: number, startedAt: number = nowMs()): StallWatch {
  let lastEventAt = startedAt;
  let verdict: StallVerdict | undefined;
  let resolveStalled!: (v: StallVerdict) => void;
  const stalled = new Promise<StallVerdict>((resolve) => (resolveStalled = resolve));
  const seen = new Set<string>();
  const unsubscribe = inputs.onEvent((e) => {
    if (e.source === 'runner') return;
    // Only what has not happened before in this wait is progress: a manager that keeps submitting a set
    // Vault rejects repeats the same events on the same server for ever.
    const key = progressKey(e);
    if (seen.has(key)) return;
    seen.add(key);
    lastEventAt = Math.max(lastEventAt, nowMs());
  });
  const timer = setInterval(() => {
    verdict = stallAt(nowMs(), { lastEventAt, podsQuietSince: inputs.podsQuietSince(), faultsPending: inputs.faultsPending() }, quietMs);
    if (!verdict) return;
    stop();
    resolveStalled(verdict);
  }, checkEveryMs(quietMs));
  const stop = () => {
    clearInterval(timer);
    unsubscribe();
  };
  return { stalled, verdict: () => verdict, stop };
}
