/**
 * Swaps two shuffle steps: deletes cluster-key first ("make room"), then
 * writes the backup from the shards it read at the start of the pass. The
 * end state is the same, but between the two steps the old shards exist
 * only in the manager's memory: killed there, it comes back to no
 * cluster-key and no backup, a state the shuffle refuses to touch.
 */
import type { Behaviour } from '../context.js';
import { completeShares, deleteSet, writeSetValidated } from '../sets.js';

export const description = 'shuffle deletes cluster-key before it writes the backup, so a kill in between leaves the old shards nowhere';

export function apply(base: Behaviour): Behaviour {
  return {
    ...base,
    async ensureBackup(ctx, key, backup) {
      const shares = completeShares(key);
      await deleteSet(ctx.store, 'cluster-key');
      if (backup.present.length > 0) await deleteSet(ctx.store, 'cluster-key-bk');
      await writeSetValidated(ctx.store, 'cluster-key-bk', shares);
      return true;
    },
  };
}
