/**
 * Deletes `cluster-rekey-request` as soon as Vault hands out the new shards
 * ("the request has been acted on"), before storing them. With the request
 * gone no milestone exists, so the manager considers the rekey finished:
 * the new shards sit in cluster-rekey, the verification Vault waits for
 * never comes, and the operator sees a completed request for a rekey that
 * never happened.
 */
import type { Behaviour } from '../context.js';

export const description = 'deletes cluster-rekey-request before the new shards are stored and verified, so the rekey is abandoned as if complete';

export function apply(base: Behaviour): Behaviour {
  return {
    ...base,
    async storeNewShards(ctx, shares) {
      await ctx.store.delete('cluster-rekey-request');
      await base.storeNewShards(ctx, shares);
    },
  };
}
