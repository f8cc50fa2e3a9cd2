/**
 * The rekey steps (docs/procedure.md, "Choosing the step") and the choice of the one step a
 * pass runs. `selectStep` is a pure function of the secrets and the rekey
 * status, so the decision table can be read (and tested) on its own.
 */
import { keyFingerprint } from '../../common/fingerprint.js';
import { combine } from '../../common/shamir.js';
import { SHARES, THRESHOLD } from '../../common/secrets.js';
import type { ManagerContext } from '../context.js';
import { StepError } from '../errors.js';
import { completeShares, writeMilestone, writeSetValidated, type Snapshot } from '../sets.js';
import { errorText, hasVerificationNonce, isAuthFailure, parseRekeyStatus, parseVerifyStatus, REKEY_IN_PROGRESS_TEXT, toHex, type RekeyStatus } from '../vault/answers.js';
import { VaultUnreachableError } from '../errors.js';
import { auditSet } from './audit.js';
import { finalize } from './finalize.js';

export type StepName = 'idle' | 'finalize' | 'audit' | 'shuffle' | 'verify' | 'authenticate' | 'initialize' | 'backup-blocks-initialize' | 'recovery';

export function selectStep(snap: Snapshot, status: RekeyStatus): StepName {
  const m = snap.milestones;
  const { 'cluster-key': key, 'cluster-rekey': rekey, 'cluster-key-bk': backup } = snap.sets;
  const running = status.started;
  const laterMilestone = m['cluster-rekey-verified'] || m['cluster-rekey-shuffle'] || m['cluster-rekey-audit'];
  if (!m['cluster-rekey-request'] && !laterMilestone) return 'idle';
  if (m['cluster-rekey-audit']) return 'finalize';
  if (!running && m['cluster-rekey-request'] && m['cluster-rekey-verified'] && m['cluster-rekey-shuffle'] && key.state === 'complete') return 'audit';
  if (!running && m['cluster-rekey-verified'] && !m['cluster-rekey-shuffle'] && rekey.state === 'complete') return 'shuffle';
  if (hasVerificationNonce(status) && rekey.state === 'complete' && !laterMilestone) return 'verify';
  if (running && !hasVerificationNonce(status) && rekey.present.length === 0 && !laterMilestone) return 'authenticate';
  if (!running && !laterMilestone) {
    if (rekey.present.length > 0) return 'recovery';
    return backup.present.length > 0 ? 'backup-blocks-initialize' : 'initialize';
  }
  return 'recovery';
}

/** The reference read: the active server's status, fresh every pass. */
export async function referenceReadRekeyStatus(ctx: ManagerContext): Promise<RekeyStatus> {
  const res = await ctx.vault.rekeyStatus('active');
  const status = parseRekeyStatus(res);
  if (!status) throw new VaultUnreachableError(`rekey status from the active server answered ${res.status} ${errorText(res)}`, { status: res.status });
  return status;
}

/** Step 6. */
export async function referenceInitialize(ctx: ManagerContext): Promise<void> {
  const res = await ctx.vault.rekeyInit('active', { secret_shares: SHARES, secret_threshold: THRESHOLD, require_verification: true });
  if (res.status === 400 && errorText(res).includes(REKEY_IN_PROGRESS_TEXT)) {
    ctx.log.info('initialize: a rekey is already in progress; re-reading next pass');
    return;
  }
  if (res.status !== 200) throw new StepError(`initialize: rekey init answered ${res.status} ${errorText(res)}`, { status: res.status });
  if (res.body?.verification_required !== true) {
    await ctx.vault.rekeyCancel('active');
    throw new StepError('initialize: Vault started a rekey without verification; cancelled it');
  }
  ctx.log.info('rekey started (5 shares, threshold 3, verification required)');
}

function decodeNewKeys(body: Record<string, unknown> | undefined): Uint8Array[] {
  const keys = body?.keys;
  if (!Array.isArray(keys) || keys.length !== SHARES || !keys.every((k) => typeof k === 'string' && /^[0-9a-f]+$/i.test(k))) {
    throw new StepError('authenticate: the completing answer does not carry 5 hex shards');
  }
  return keys.map((k) => new Uint8Array(Buffer.from(k as string, 'hex')));
}

export async function referenceStoreNewShards(ctx: ManagerContext, shares: Uint8Array[]): Promise<void> {
  await writeSetValidated(ctx.store, 'cluster-rekey', shares);
}

/** Step 5: submit cluster-key shards from `progress` onward; store the new shards Vault hands back. */
export async function authenticate(ctx: ManagerContext, snap: Snapshot, status: RekeyStatus): Promise<void> {
  const shares = completeShares(snap.sets['cluster-key']);
  for (let i = status.progress; i < SHARES; i++) {
    const res = await ctx.vault.rekeyUpdate('active', toHex(shares[i]!), status.nonce);
    if (res.status === 200 && res.body?.complete === true) {
      const fresh = decodeNewKeys(res.body);
      if (typeof res.body.verification_nonce !== 'string' || res.body.verification_nonce === '') {
        // Vault rotated already: these shards are the only way back in. Store them first, complain after.
        await ctx.behaviour.storeNewShards(ctx, fresh);
        throw new StepError('authenticate: Vault rotated without verification; stored the new shards as cluster-rekey');
      }
      await ctx.behaviour.storeNewShards(ctx, fresh);
      ctx.log.info(`authenticated; stored and read back cluster-rekey (new key ${keyFingerprint(await combine(fresh.slice(0, THRESHOLD)))})`);
      return;
    }
    if (isAuthFailure(res)) throw new StepError('authenticate: Vault rejected cluster-key (not the key in use)');
    if (res.status !== 200) throw new StepError(`authenticate: rekey update answered ${res.status} ${errorText(res)}`, { status: res.status });
  }
  throw new StepError('authenticate: all shards submitted but authentication did not complete');
}

/** Step 4: verify with cluster-rekey from the verify progress onward; record Vault's confirmation. */
export async function referenceVerify(ctx: ManagerContext, snap: Snapshot): Promise<void> {
  const shares = completeShares(snap.sets['cluster-rekey']);
  const verify = parseVerifyStatus(await ctx.vault.rekeyVerifyStatus('active'));
  if (!verify) throw new StepError('verify: no verification status from the active server');
  for (let i = verify.progress; i < SHARES; i++) {
    const res = await ctx.vault.rekeyVerify('active', toHex(shares[i]!), verify.nonce);
    if (res.status === 200 && res.body?.complete === true) {
      await writeMilestone(ctx.store, 'cluster-rekey-verified', snap.requestText ?? '');
      ctx.log.info('Vault confirmed the new shards; wrote cluster-rekey-verified');
      return;
    }
    if (res.status === 200) continue;
    if (errorText(res).includes('incorrect key shares')) {
      // The pending rekey is not the one cluster-rekey belongs to (e.g. an audit's leftover).
      // Cancelling discards only un-rotated new shares; recovery then sorts the sets out.
      ctx.log.warning('verify: Vault says cluster-rekey does not match the pending rekey; cancelling it');
      await ctx.vault.rekeyCancel('active');
      return;
    }
    throw new StepError(`verify: rekey verify answered ${res.status} ${errorText(res)}`, { status: res.status });
  }
  throw new StepError('verify: all shards submitted but verification did not complete');
}

/** Step 2: audit cluster-key; only a passing audit may record the milestone and finalize. */
export async function referenceAuditThenFinalize(ctx: ManagerContext, snap: Snapshot): Promise<void> {
  if ((await auditSet(ctx, snap, 'cluster-key')) !== 'current') {
    throw new StepError('audit: cluster-key is not the key Vault uses; keeping cluster-key-bk, not finalizing');
  }
  await writeMilestone(ctx.store, 'cluster-rekey-audit', snap.requestText ?? '');
  await finalize(ctx);
}
