/**
 * Recovery (docs/procedure.md, the last row of "Choosing the step"): nothing else applies, so the
 * state must be repaired. Every branch proves which set Vault uses (an audit)
 * before deleting anything.
 */
import type { ManagerContext } from '../context.js';
import { StepError } from '../errors.js';
import { deleteSet, writeMilestone, type Snapshot } from '../sets.js';
import type { RekeyStatus } from '../vault/answers.js';
import { auditSet } from './audit.js';
import { recheckAll } from './prechecks.js';

/** No `verified`, `cluster-rekey` complete: did the verification take effect? */
export async function referenceRecoverUnverifiedCompleteRekey(ctx: ManagerContext, snap: Snapshot): Promise<void> {
  if ((await auditSet(ctx, snap, 'cluster-key')) === 'current') {
    ctx.log.info('recovery: the new shards never took effect; deleting cluster-rekey and starting over');
    await deleteSet(ctx.store, 'cluster-rekey');
    return;
  }
  if ((await auditSet(ctx, snap, 'cluster-rekey')) === 'current') {
    ctx.log.info('recovery: the new shards took effect before it was recorded; writing cluster-rekey-verified');
    await writeMilestone(ctx.store, 'cluster-rekey-verified', snap.requestText ?? '');
    return;
  }
  throw new StepError('recovery: neither cluster-key nor cluster-rekey is the key in use');
}

export async function recovery(ctx: ManagerContext, snap: Snapshot, status: RekeyStatus): Promise<void> {
  const again = await recheckAll(ctx);
  if (!again.ok) {
    ctx.log.info(`recovery: waiting (${again.reason})`);
    return;
  }
  if (status.started) {
    ctx.log.info('recovery: cancelling the rekey running in Vault');
    await ctx.vault.rekeyCancel('active');
    return;
  }
  const m = snap.milestones;
  const rekey = snap.sets['cluster-rekey'];
  if (m['cluster-rekey-audit'] || m['cluster-rekey-shuffle']) {
    throw new StepError('recovery: shuffle/audit recorded but the state does not allow audit or finalize', {
      request: m['cluster-rekey-request'],
      verified: m['cluster-rekey-verified'],
      clusterKey: snap.sets['cluster-key'].state,
    });
  }
  if (m['cluster-rekey-verified']) {
    if (rekey.state === 'complete') throw new StepError('recovery: verified with a complete cluster-rekey should shuffle');
    // The shuffle was deleting cluster-rekey (or had finished) when it was cut short.
    if ((await auditSet(ctx, snap, 'cluster-key')) !== 'current') {
      throw new StepError('recovery: verified, cluster-rekey incomplete, and cluster-key is not the key in use');
    }
    await deleteSet(ctx.store, 'cluster-rekey');
    await writeMilestone(ctx.store, 'cluster-rekey-shuffle', snap.requestText ?? '');
    ctx.log.info('recovery: the move was done; wrote cluster-rekey-shuffle');
    return;
  }
  if (rekey.state === 'complete') return ctx.behaviour.recoverUnverifiedCompleteRekey(ctx, snap);
  if (rekey.state === 'partial') {
    // Killed while storing the new shards: they never took effect (verification needs all of them stored first).
    if ((await auditSet(ctx, snap, 'cluster-key')) !== 'current') {
      throw new StepError('recovery: partial cluster-rekey and cluster-key is not the key in use');
    }
    await deleteSet(ctx.store, 'cluster-rekey');
    ctx.log.info('recovery: deleted the partial cluster-rekey; starting over');
    return;
  }
  throw new StepError('recovery: no repair applies to this state', {
    clusterKey: snap.sets['cluster-key'].state,
    backup: snap.sets['cluster-key-bk'].state,
  });
}
