/**
 * Ignores Vault's authentication progress and always submits cluster-key
 * from the first shard ("start clean"). Uninterrupted it works; killed
 * after Vault accepted a shard, the restarted manager submits that shard
 * again, Vault refuses a key it already has, and the same refusal repeats
 * every pass: the rekey never completes.
 */
import type { Behaviour } from '../context.js';

export const description = 'resumes an interrupted authentication from shard 0 instead of Vault\'s progress; Vault refuses the repeated shard every pass';

export function apply(base: Behaviour): Behaviour {
  return {
    ...base,
    authenticate: (ctx, snap, status) => base.authenticate(ctx, snap, { ...status, progress: 0 }),
  };
}
