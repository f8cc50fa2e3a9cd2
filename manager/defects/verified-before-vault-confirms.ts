/** Writes cluster-rekey-verified before submitting the final verification shard. */
import { SHARES } from '../../common/secrets.js';
import type { Behaviour } from '../context.js';
import { StepError } from '../errors.js';
import { completeShares, writeMilestone } from '../sets.js';
import { errorText, parseVerifyStatus, toHex } from '../vault/answers.js';

export const description = 'writes cluster-rekey-verified before Vault confirms the verification';

export function apply(base: Behaviour): Behaviour {
  return {
    ...base,
    async verify(ctx, snap) {
      const shares = completeShares(snap.sets['cluster-rekey']);
      const verify = parseVerifyStatus(await ctx.vault.rekeyVerifyStatus('active'));
      if (!verify) throw new StepError('verify: no verification status');
      await writeMilestone(ctx.store, 'cluster-rekey-verified', snap.requestText ?? '');
      for (let i = verify.progress; i < SHARES; i++) {
        const res = await ctx.vault.rekeyVerify('active', toHex(shares[i]!), verify.nonce);
        if (res.status !== 200) throw new StepError(`verify answered ${res.status} ${errorText(res)}`);
        if (res.body?.complete === true) return;
      }
    },
  };
}
