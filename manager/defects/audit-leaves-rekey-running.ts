/**
 * Cancels the audit's throw-away rekey only when the audit fails ("on
 * success the rekey is harmless: verification is required, so it never
 * rotates"). After a passing audit the rekey stays pending in Vault with
 * the audit's new shards; the procedure reports complete, but Vault still
 * has a rekey in progress, and nobody else (an operator, the next audit)
 * can start one until it is found and cancelled.
 */
import { SHARES, THRESHOLD } from '../../common/secrets.js';
import type { Behaviour } from '../context.js';
import { StepError } from '../errors.js';
import { errorText, isAuthFailure, toHex } from '../vault/answers.js';

export const description = "cancels the audit's throw-away rekey only when the audit fails, leaving it pending in Vault after a passing audit";

export function apply(base: Behaviour): Behaviour {
  return {
    ...base,
    async auditShares(ctx, label, shares) {
      const init = await ctx.vault.rekeyInit('active', { secret_shares: SHARES, secret_threshold: THRESHOLD, require_verification: true });
      if (init.status !== 200) throw new StepError(`audit of ${label}: rekey init answered ${init.status} ${errorText(init)}`);
      const nonce = typeof init.body?.nonce === 'string' ? init.body.nonce : '';
      for (const share of shares) {
        const res = await ctx.vault.rekeyUpdate('active', toHex(share), nonce);
        if (res.status === 200 && res.body?.complete === true) return 'current';
        if (isAuthFailure(res) || res.status !== 200) {
          await ctx.vault.rekeyCancel('active');
          if (isAuthFailure(res)) return 'not-current';
          throw new StepError(`audit of ${label}: rekey update answered ${res.status} ${errorText(res)}`);
        }
      }
      await ctx.vault.rekeyCancel('active');
      throw new StepError(`audit of ${label}: authentication did not complete`);
    },
  };
}
