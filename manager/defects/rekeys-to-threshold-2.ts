/**
 * Starts the rekey with threshold 2 ("two operators are easier to gather
 * than three"). Everything still works — every unseal and audit submits
 * three shares, which remain enough — but any two of the five new shards
 * now unseal Vault: the cluster's policy was weakened without anyone asking.
 */
import { SHARES } from '../../common/secrets.js';
import type { Behaviour } from '../context.js';
import { StepError } from '../errors.js';
import { errorText } from '../vault/answers.js';

export const description = 'rekeys to 5 shares with threshold 2 instead of keeping 5/3: any two stored shards then unseal';

export function apply(base: Behaviour): Behaviour {
  return {
    ...base,
    async initialize(ctx) {
      const res = await ctx.vault.rekeyInit('active', { secret_shares: SHARES, secret_threshold: 2, require_verification: true });
      if (res.status !== 200) throw new StepError(`initialize: rekey init answered ${res.status} ${errorText(res)}`);
      ctx.log.info('rekey started (5 shares, threshold 2, verification required)');
    },
  };
}
