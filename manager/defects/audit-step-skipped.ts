/**
 * Skips the audit step: records `cluster-rekey-audit` and finalizes on the
 * strength of the shuffle's read-back ("the copy was compared, Vault
 * verified the new shards, an audit proves nothing new"). The old shards in
 * cluster-key-bk are then deleted without anyone asking Vault whether
 * cluster-key is the key in use — the one proof the procedure demands
 * before it destroys the way back.
 */
import type { Behaviour } from '../context.js';
import { finalize } from '../rekey/finalize.js';
import { writeMilestone } from '../sets.js';

export const description = 'skips the audit of cluster-key: writes cluster-rekey-audit and deletes the backup without asking Vault which key is in use';

export function apply(base: Behaviour): Behaviour {
  return {
    ...base,
    async auditThenFinalize(ctx, snap) {
      await writeMilestone(ctx.store, 'cluster-rekey-audit', snap.requestText ?? '');
      await finalize(ctx);
    },
  };
}
