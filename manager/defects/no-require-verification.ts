/** Starts the rekey without require_verification, so Vault rotates the moment authentication completes. */
import { SHARES, THRESHOLD } from '../../common/secrets.js';
import type { Behaviour } from '../context.js';
import { StepError } from '../errors.js';
import { errorText } from '../vault/answers.js';

export const description = 'rekey init without require_verification: the new key is in force before its shards are stored';

export function apply(base: Behaviour): Behaviour {
  return {
    ...base,
    async initialize(ctx) {
      const res = await ctx.vault.rekeyInit('active', { secret_shares: SHARES, secret_threshold: THRESHOLD, require_verification: false });
      if (res.status !== 200) throw new StepError(`initialize: rekey init answered ${res.status} ${errorText(res)}`);
      ctx.log.info('rekey started (5 shares, threshold 3)');
    },
  };
}
