/**
 * Finalize (docs/procedure.md): delete leftover cluster-rekey-* and
 * cluster-key-bk-*, then the milestones verified, shuffle, request, and
 * cluster-rekey-audit last — so a kill anywhere in here leaves `audit` behind
 * and step 1 finishes the job.
 */
import type { ManagerContext } from '../context.js';
import { deleteSet } from '../sets.js';

export async function finalize(ctx: ManagerContext): Promise<void> {
  await deleteSet(ctx.store, 'cluster-rekey');
  await deleteSet(ctx.store, 'cluster-key-bk');
  for (const name of ['cluster-rekey-verified', 'cluster-rekey-shuffle', 'cluster-rekey-request', 'cluster-rekey-audit']) {
    await ctx.store.delete(name);
  }
  ctx.log.info('rekey complete');
}
