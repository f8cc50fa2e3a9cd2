/**
 * The milestone part of the quick matrix, chosen by coverage rather than by a
 * seed: the procedure is cut into windows (the state between two of its
 * milestones), and each window gets a fault on every party whose loss in that
 * window changes what recovery must do.
 *
 *  - manager: in every window. It holds the procedure's progress only in the
 *    milestone secrets, so each window is a different recovery path.
 *  - active server: where Vault holds state of the rekey in the active's
 *    memory (from the rekey's start until verification), where a failover
 *    lands between a Vault step and the milestone that records it, and right
 *    before the audit's throw-away rekey (after the shuffle).
 *  - standby: from the rotation until the new shards are in cluster-key, the
 *    windows where a restarted server needs a key that cluster-key may not hold.
 *
 * Each party's faults alternate between a process kill (the pod keeps its
 * name and address) and a pod delete (a new pod, a new address), so both
 * restart paths are crossed along the procedure. Every window but the first
 * is named by a milestone the embedded cluster can hold with a gate, so the
 * fault lands inside it every time (the request is the harness's own write:
 * the manager needs a pass to react). The list is in procedure order;
 * docs/scenarios.md explains the choice.
 */
import type { Scenario } from '../common/scenario.js';

export type Party = 'manager' | 'active' | 'standby';

export interface CoverageWindow {
  /** the milestone the fault follows: a representative of the window (the middle shard of a five-shard burst) */
  after: string;
  parties: Party[];
}

export const QUICK_WINDOWS: readonly CoverageWindow[] = [
  { after: 'cluster-rekey-request', parties: ['manager'] },
  { after: 'vault-rekey-started', parties: ['manager', 'active'] },
  { after: 'vault-auth-progress-1', parties: ['manager', 'active'] },
  { after: 'vault-auth-complete', parties: ['manager', 'active'] },
  { after: 'cluster-rekey-2', parties: ['manager'] },
  { after: 'cluster-rekey-4', parties: ['manager', 'active'] },
  { after: 'vault-verify-progress-1', parties: ['manager', 'active'] },
  { after: 'vault-rotated', parties: ['manager', 'standby'] },
  { after: 'cluster-rekey-verified', parties: ['manager', 'active'] },
  { after: 'cluster-key-bk-2', parties: ['manager', 'standby'] },
  { after: 'cluster-key-2-deleted', parties: ['manager', 'standby'] },
  { after: 'cluster-key-2', parties: ['manager', 'standby'] },
  { after: 'cluster-rekey-2-deleted', parties: ['manager'] },
  { after: 'cluster-rekey-shuffle', parties: ['manager', 'active', 'standby'] },
  { after: 'cluster-rekey-audit', parties: ['manager'] },
  { after: 'cluster-key-bk-2-deleted', parties: ['manager'] },
  { after: 'cluster-rekey-audit-deleted', parties: ['manager'] },
];

/** The milestone-matrix scenario ids of the coverage list, in procedure order. */
export function quickCoverageIds(windows: readonly CoverageWindow[] = QUICK_WINDOWS): string[] {
  const seen: Record<Party, number> = { manager: 0, active: 0, standby: 0 };
  const ids: string[] = [];
  for (const window of windows) {
    for (const party of window.parties) {
      const action = seen[party]++ % 2 === 0 ? 'kill' : 'delete';
      ids.push(`M-${window.after}-${action}-${party}`);
    }
  }
  return ids;
}

/** The scenarios of the coverage list from the generated milestone matrix; an id it lacks is a bug of this list, not bad input. */
export function quickCoverageScenarios(milestones: readonly Scenario[]): Scenario[] {
  const byId = new Map(milestones.map((s) => [s.id, s]));
  return quickCoverageIds().map((id) => {
    const scenario = byId.get(id);
    if (!scenario) throw new Error(`the quick matrix names ${id}, which the milestone matrix does not generate`);
    return scenario;
  });
}
