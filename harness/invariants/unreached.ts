/**
 * The milestones a run's faults aimed at that the run never reached, for the
 * summary of a `not-hit` iteration: "aimed at cluster-rekey-shuffle, which
 * never occurred" says the procedure took another path (or stopped), which
 * a fault that merely came late does not.
 */
import type { RunRecord } from '../../common/record.js';

export interface UnreachedMilestone {
  /** the planned fault's index */
  fault: number;
  milestone: string;
  /** the occurrence the trigger waited for, and how many the timeline shows */
  occurrence: number;
  seen: number;
}

export function unreachedMilestones(record: RunRecord): UnreachedMilestone[] {
  const out: UnreachedMilestone[] = [];
  for (const planned of record.plan.faults) {
    if (!('after' in planned.trigger)) continue;
    const { after, occurrence } = planned.trigger;
    const seen = record.timeline.filter((e) => e.name === after && e.source !== 'fault').length;
    if (seen < occurrence) out.push({ fault: planned.index, milestone: after, occurrence, seen });
  }
  return out;
}

/** One line per unreached milestone, for the terminal summary. */
export function describeUnreached(unreached: readonly UnreachedMilestone[]): string[] {
  return unreached.map((u) =>
    u.occurrence > 1
      ? `fault ${u.fault} aimed at occurrence ${u.occurrence} of ${u.milestone}, which occurred ${u.seen} time(s)`
      : `fault ${u.fault} aimed at ${u.milestone}, which never occurred`,
  );
}
