/**
 * Records the shuffle as done when the copy into cluster-key starts ("the
 * move is under way, nothing can stop it now"). Uninterrupted, the result is
 * the same; killed while copying, the manager comes back to
 * `cluster-rekey-shuffle` beside a partial cluster-key, a state no step may
 * repair (audit needs a complete cluster-key, the shuffle is recorded as
 * done), and the rekey never completes.
 */
import type { Behaviour } from '../context.js';
import { writeMilestone } from '../sets.js';

export const description = 'records cluster-rekey-shuffle when the copy into cluster-key starts, before the new shards are written and read back';

export function apply(base: Behaviour): Behaviour {
  return {
    ...base,
    async copyIntoClusterKey(ctx, snap, newShares) {
      await writeMilestone(ctx.store, 'cluster-rekey-shuffle', snap.requestText ?? '');
      await base.copyIntoClusterKey(ctx, snap, newShares);
    },
  };
}
