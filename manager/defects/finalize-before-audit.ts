/** Records the audit and finalizes (deleting the backup) without auditing cluster-key. */
import type { Behaviour } from '../context.js';
import { finalize } from '../rekey/finalize.js';
import { writeMilestone } from '../sets.js';

export const description = 'finalizes after the shuffle without auditing cluster-key, deleting the backup of the old shards unproven';

export function apply(base: Behaviour): Behaviour {
  return {
    ...base,
    async auditThenFinalize(ctx, snap) {
      await writeMilestone(ctx.store, 'cluster-rekey-audit', snap.requestText ?? '');
      await finalize(ctx);
    },
  };
}
