/**
 * Writes the backup set with its own encoder, which keeps the newline the
 * base64 tool put after the text (`keys_base64: ["…\n"]`). The manager's
 * own reader skips whitespace in base64, so its read-back passes and the
 * backup "works" — until anything else reads it: a bash consumer comparing
 * documents, an operator restoring by hand. The one copy of the old key is
 * in a form only this manager accepts.
 */
import { SHARES, shardSecretName } from '../../common/secrets.js';
import type { Behaviour } from '../context.js';
import { SecretExistsError } from '../errors.js';
import { completeShares, deleteSet, sameShares, validateStoredSet } from '../sets.js';

export const description = 'writes cluster-key-bk with a newline inside the base64 value; its own lenient read-back accepts it';

function backupDocument(share: Uint8Array): string {
  const bytes = Buffer.from(share);
  return JSON.stringify({ keys: [bytes.toString('hex')], keys_base64: [`${bytes.toString('base64')}\n`] });
}

export function apply(base: Behaviour): Behaviour {
  return {
    ...base,
    async ensureBackup(ctx, key, backup) {
      if (backup.state === 'complete' && sameShares(backup.shares, key.shares)) return true;
      if (backup.present.length > 0) await deleteSet(ctx.store, 'cluster-key-bk');
      const shares = completeShares(key);
      for (let i = 0; i < SHARES; i++) {
        try {
          await ctx.store.create(shardSecretName('cluster-key-bk', i), backupDocument(shares[i]!));
        } catch (err) {
          if (!(err instanceof SecretExistsError)) throw err;
        }
      }
      await validateStoredSet(ctx.store, 'cluster-key-bk', shares);
      return true;
    },
  };
}
