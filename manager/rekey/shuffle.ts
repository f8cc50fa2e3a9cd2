/**
 * Shuffle (docs/procedure.md): move the verified new shards into
 * cluster-key, keeping the old ones in cluster-key-bk until the audit.
 * Re-entrant: kill -9 may strike between any two secret writes, so it works
 * out from what it finds where the previous attempt stopped.
 *
 *   cluster-key == cluster-rekey        → the copy happened: drop cluster-rekey, milestone
 *   three different complete sets       → error, touch nothing
 *   cluster-key complete                → ensure a validated backup, delete cluster-key, go on
 *   cluster-key partial/absent + backup → the delete or the copy was cut short: go on
 *   then: copy cluster-rekey → cluster-key (validated), delete cluster-rekey, milestone
 */
import type { ManagerContext } from '../context.js';
import { StepError } from '../errors.js';
import { completeShares, deleteSet, sameShares, validateStoredSet, writeMilestone, writeSetValidated, type ShardSet, type Snapshot } from '../sets.js';

/** The reference backup: a complete backup equal to cluster-key is kept; anything else is redone and read back. */
export async function referenceEnsureBackup(ctx: ManagerContext, key: ShardSet, backup: ShardSet): Promise<boolean> {
  if (backup.state === 'complete' && sameShares(backup.shares, key.shares)) return true;
  if (backup.present.length > 0) {
    ctx.log.info('shuffle: cluster-key-bk is partial or stale; redoing the backup');
    await deleteSet(ctx.store, 'cluster-key-bk');
  }
  await writeSetValidated(ctx.store, 'cluster-key-bk', completeShares(key));
  return true;
}

/** The reference copy: every new shard written into cluster-key and read back before anything else happens. */
export async function referenceCopyIntoClusterKey(ctx: ManagerContext, _snap: Snapshot, newShares: Uint8Array[]): Promise<void> {
  await writeSetValidated(ctx.store, 'cluster-key', newShares);
}

export async function shuffle(ctx: ManagerContext, snap: Snapshot): Promise<void> {
  const key = snap.sets['cluster-key'];
  const rekey = snap.sets['cluster-rekey'];
  const backup = snap.sets['cluster-key-bk'];
  const requestText = snap.requestText ?? '';
  if (key.state === 'complete' && sameShares(key.shares, rekey.shares)) {
    ctx.log.info('shuffle: cluster-key already holds the new shards; removing cluster-rekey');
  } else {
    if (key.state === 'complete') {
      if (backup.state === 'complete' && !sameShares(backup.shares, key.shares)) {
        throw new StepError('shuffle: cluster-key, cluster-rekey and cluster-key-bk are three different sets; touching nothing');
      }
      ctx.log.info('shuffle: backing up cluster-key to cluster-key-bk');
      if (!(await ctx.behaviour.ensureBackup(ctx, key, backup))) return;
      await deleteSet(ctx.store, 'cluster-key');
    } else {
      if (backup.state !== 'complete') {
        throw new StepError('shuffle: cluster-key is incomplete and there is no complete backup; touching nothing', {
          key: key.present,
          backup: backup.present,
        });
      }
      ctx.log.info('shuffle: resuming after an interrupted move (backup complete)');
      await deleteSet(ctx.store, 'cluster-key');
    }
    ctx.log.info('shuffle: copying cluster-rekey to cluster-key');
    await ctx.behaviour.copyIntoClusterKey(ctx, snap, completeShares(rekey));
  }
  // The copy is proven (equal on entry, or read back just now) before the source goes.
  await validateStoredSet(ctx.store, 'cluster-key', completeShares(rekey));
  await deleteSet(ctx.store, 'cluster-rekey');
  await writeMilestone(ctx.store, 'cluster-rekey-shuffle', requestText);
  ctx.log.info('shuffle done');
}
