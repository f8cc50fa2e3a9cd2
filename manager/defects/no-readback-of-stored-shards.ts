/**
 * Stores the new shards without reading them back. The write path is modelled
 * with a real-world class of bug — the fifth secret built from a reused,
 * already-modified buffer — that only a read-back compared with Vault's
 * answer would notice: the last stored shard differs from the one Vault issued.
 */
import { formatShard, SHARES, shardSecretName } from '../../common/secrets.js';
import type { Behaviour } from '../context.js';
import { SecretExistsError } from '../errors.js';

export const description = 'stores the new shards without reading them back, and its write path garbles the fifth one';

export function apply(base: Behaviour): Behaviour {
  return {
    ...base,
    async storeNewShards(ctx, shares) {
      for (let i = 0; i < SHARES; i++) {
        const share = new Uint8Array(shares[i]!);
        if (i === SHARES - 1) share[0] = share[0]! ^ 0x5a; // the corrupted y-byte; x byte intact
        try {
          await ctx.store.create(shardSecretName('cluster-rekey', i), formatShard(share));
        } catch (err) {
          if (!(err instanceof SecretExistsError)) throw err;
        }
      }
    },
  };
}
