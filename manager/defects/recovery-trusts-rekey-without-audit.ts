/** In recovery, assumes a complete cluster-rekey took effect and records it as verified without an audit. */
import type { Behaviour } from '../context.js';
import { writeMilestone } from '../sets.js';

export const description = 'recovery trusts a complete cluster-rekey as verified without auditing which set Vault uses';

export function apply(base: Behaviour): Behaviour {
  return {
    ...base,
    async recoverUnverifiedCompleteRekey(ctx, snap) {
      ctx.log.info('recovery: assuming the new shards took effect; writing cluster-rekey-verified');
      await writeMilestone(ctx.store, 'cluster-rekey-verified', snap.requestText ?? '');
    },
  };
}
