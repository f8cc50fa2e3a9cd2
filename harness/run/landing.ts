/**
 * Did a fault land where it aimed? The aim of a milestone trigger is the
 * window between its event (plus offset) and the next milestone: applied only
 * after the next milestone, it did not test what the scenario meant to test.
 * A timed trigger (`at:`, the original matrix's sweep) aims at an instant of
 * the procedure, not at a milestone, so it lands when it was applied to every
 * target; the next milestone is still recorded, to show where it fell.
 * A fault that never fired or found no target is "not hit", never "passed".
 * A gated fault (harness/run/gating.ts) aims at the pause its gate made: it
 * landed when applied while the gate held the cluster, and not when the gate
 * had already opened (expired or released); the timeline rule applies only
 * when the gate never reported closing.
 *
 * Pure function over the recorded timeline, so `recheck` can redo it.
 */
import { isMilestoneEvent } from '../../common/milestones.js';
import type { TimelineEvent } from '../../common/record.js';

export interface LandingInput {
  /** the instant the fault aimed at: trigger event time + offset, or request time + atMs */
  aimAt?: number;
  appliedAt?: number;
  /** target specs that resolved to nothing / calls that failed */
  missing: string[];
  /** set when the trigger was never observed or the injection threw */
  notFiredReason?: string;
  /** a timed trigger (`at:`), whose aim is an instant rather than a milestone window */
  timed?: boolean;
  /** gated faults: was the gate holding the cluster at appliedAt (undefined: no gate, or it never reported closing) */
  gateHeld?: boolean;
}

export interface Landing {
  landed: boolean;
  missReason?: string;
  nextMilestone?: { name: string; t: number };
}

/**
 * The first milestone after `aimAt` that is new: a name already seen at or
 * before `aimAt` is the same milestone reported again by a second observer
 * (the poller after the feed), not the next step of the procedure.
 */
export function nextMilestoneAfter(aimAt: number, events: readonly TimelineEvent[]): { name: string; t: number } | undefined {
  const seen = new Set<string>();
  for (const e of events) if (e.t <= aimAt) seen.add(e.name);
  let next: TimelineEvent | undefined;
  for (const e of events) {
    if (e.t <= aimAt || e.source === 'fault' || e.source === 'runner') continue;
    if (!isMilestoneEvent(e.name) || seen.has(e.name)) continue;
    if (!next || e.t < next.t) next = e;
  }
  return next ? { name: next.name, t: next.t } : undefined;
}

export function decideLanding(input: LandingInput, events: readonly TimelineEvent[]): Landing {
  if (input.notFiredReason !== undefined) return { landed: false, missReason: input.notFiredReason };
  if (input.aimAt === undefined) return { landed: false, missReason: 'trigger never fired' };
  const nextMilestone = nextMilestoneAfter(input.aimAt, events);
  const withNext = nextMilestone ? { nextMilestone } : {};
  if (input.appliedAt === undefined) {
    return { landed: false, missReason: `no target hit: ${input.missing.join('; ') || 'nothing resolved'}`, ...withNext };
  }
  if (input.missing.length > 0) {
    return { landed: false, missReason: `only part of the fault was applied: ${input.missing.join('; ')}`, ...withNext };
  }
  if (input.gateHeld === true) return { landed: true, ...withNext };
  if (input.gateHeld === false) return { landed: false, missReason: 'applied after its milestone gate had opened (expired or released)', ...withNext };
  if (nextMilestone && input.appliedAt >= nextMilestone.t && !input.timed) {
    const late = (input.appliedAt - nextMilestone.t).toFixed(1);
    return { landed: false, missReason: `applied ${late} ms after the next milestone ${nextMilestone.name}`, ...withNext };
  }
  return { landed: true, ...withNext };
}
