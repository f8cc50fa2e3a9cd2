/**
 * Audits cluster-key correctly, then finalizes in the wrong order: the
 * milestones first ("so no other pass re-enters the rekey"), the leftover
 * sets after. Killed in between, the manager comes back to no milestone at
 * all — nothing in progress — beside cluster-key-bk: the old shards stay in
 * the cluster for good, and the next rekey request refuses to start.
 */
import type { Behaviour } from '../context.js';
import { auditSet } from '../rekey/audit.js';
import { StepError } from '../errors.js';
import { deleteSet, writeMilestone } from '../sets.js';

export const description = 'finalize deletes the milestones before cluster-rekey and cluster-key-bk, so a kill in between leaves the old shards behind for good';

export function apply(base: Behaviour): Behaviour {
  return {
    ...base,
    async auditThenFinalize(ctx, snap) {
      if ((await auditSet(ctx, snap, 'cluster-key')) !== 'current') {
        throw new StepError('audit: cluster-key is not the key Vault uses; keeping cluster-key-bk, not finalizing');
      }
      await writeMilestone(ctx.store, 'cluster-rekey-audit', snap.requestText ?? '');
      for (const name of ['cluster-rekey-verified', 'cluster-rekey-shuffle', 'cluster-rekey-request', 'cluster-rekey-audit']) {
        await ctx.store.delete(name);
      }
      await deleteSet(ctx.store, 'cluster-rekey');
      await deleteSet(ctx.store, 'cluster-key-bk');
      ctx.log.info('rekey complete');
    },
  };
}
