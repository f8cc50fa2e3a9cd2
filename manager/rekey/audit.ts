/**
 * Audit of a shard set (docs/procedure.md): is this the set Vault uses?
 * Start a rekey with verification, submit the set's shards to rekey/update;
 * authentication completing (a verification nonce appears) proves it; Vault's
 * "cipher: message authentication failed" disproves it. The throw-away rekey
 * is always cancelled, success or not — with require_verification nothing has
 * rotated, so cancelling loses nothing.
 */
import { SHARES, THRESHOLD, type SetPrefix } from '../../common/secrets.js';
import type { ManagerContext } from '../context.js';
import { StepError } from '../errors.js';
import { describeError } from '../log.js';
import { completeShares, type Snapshot } from '../sets.js';
import { isKill } from '../unseal.js';
import { errorText, isAuthFailure, toHex } from '../vault/answers.js';

export type AuditVerdict = 'current' | 'not-current';

export async function auditShares(ctx: ManagerContext, label: string, shares: readonly Uint8Array[]): Promise<AuditVerdict> {
  const init = await ctx.vault.rekeyInit('active', { secret_shares: SHARES, secret_threshold: THRESHOLD, require_verification: true });
  if (init.status !== 200) throw new StepError(`audit of ${label}: rekey init answered ${init.status} ${errorText(init)}`, { status: init.status });
  try {
    if (init.body?.verification_required !== true) throw new StepError(`audit of ${label}: Vault did not accept require_verification`);
    const nonce = typeof init.body?.nonce === 'string' ? init.body.nonce : '';
    for (let i = 0; i < shares.length; i++) {
      const res = await ctx.vault.rekeyUpdate('active', toHex(shares[i]!), nonce);
      if (res.status === 200 && res.body?.complete === true) {
        if (typeof res.body.verification_nonce !== 'string' || res.body.verification_nonce === '') {
          throw new StepError(`audit of ${label}: authentication completed without verification`);
        }
        return 'current';
      }
      if (isAuthFailure(res)) return 'not-current';
      if (res.status !== 200) throw new StepError(`audit of ${label}: rekey update answered ${res.status} ${errorText(res)}`, { status: res.status });
    }
    throw new StepError(`audit of ${label}: authentication did not complete`);
  } finally {
    try {
      await ctx.vault.rekeyCancel('active');
    } catch (err) {
      if (isKill(err)) throw err;
      ctx.log.warning(`audit of ${label}: cancel failed: ${describeError(err)}`);
    }
  }
}

export async function auditSet(ctx: ManagerContext, snap: Snapshot, prefix: SetPrefix): Promise<AuditVerdict> {
  const verdict = await ctx.behaviour.auditShares(ctx, prefix, completeShares(snap.sets[prefix]));
  ctx.log.info(`audit of ${prefix}: ${verdict === 'current' ? 'it is the key in use' : 'it is NOT the key in use'}`);
  return verdict;
}
