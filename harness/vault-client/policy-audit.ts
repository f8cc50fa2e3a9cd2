/**
 * The policy audit (evidence for I9, docs/invariants.md): the seal
 * configuration Vault reports (`sys/seal-status` n and t) before the
 * request and after the rekey, and whether any subset of the final
 * cluster-key one share smaller than the threshold authenticates.
 *
 * A subset is tried like a rekey-init audit: start a rekey with
 * verification, submit the subset's shares; authentication completing (a
 * verification nonce) means those shares alone reach Vault's threshold. The
 * rekey is always cancelled afterwards, so nothing rotates. Shares never
 * leave memory; errors name the server and the subset, never a value.
 */
import { nowMs } from '../../common/clock.js';
import type { BelowThresholdTrial, PolicyAudit, PolicyReading } from '../../common/record.js';
import { SHARES, THRESHOLD } from '../../common/secrets.js';
import { subsets } from '../../common/shamir.js';
import { errorText, type VaultClient } from './client.js';
import { AuditInconclusiveError } from './errors.js';

/** The part of the client the policy audit uses (a test can stand in for Vault with it). */
export type PolicyClient = Pick<VaultClient, 'name' | 'request' | 'sealStatus' | 'rekeyStatus'>;

const AUTH_FAILED = /cipher: message authentication failed/;

/** `sys/seal-status` n and t, now. */
export async function readSealPolicy(client: PolicyClient): Promise<PolicyReading> {
  const t = nowMs();
  const status = await client.sealStatus();
  if (!Number.isInteger(status.n) || !Number.isInteger(status.t)) throw new AuditInconclusiveError(`Vault ${client.name}: seal-status without integer n and t`, { server: client.name });
  return { t, shares: status.n, threshold: status.t };
}

/** Do these shares alone complete a rekey authentication? Always cancels the rekey it started. */
export async function sharesAuthenticate(client: PolicyClient, shares: readonly Uint8Array[], label: string): Promise<boolean> {
  const status = await client.rekeyStatus();
  if (status.started) throw new AuditInconclusiveError(`Vault ${client.name}: a rekey is already running; trying ${label} would disturb it`, { server: client.name });
  const init = await client.request<{ nonce?: string }>('POST', 'sys/rekey/init', { secret_shares: SHARES, secret_threshold: THRESHOLD, require_verification: true });
  if (init.status !== 200) throw new AuditInconclusiveError(`Vault ${client.name}: rekey/init to try ${label} answered ${init.status}: ${errorText(init.body)}`, { server: client.name });
  try {
    for (const share of shares) {
      const res = await client.request<{ verification_nonce?: string; complete?: boolean }>('POST', 'sys/rekey/update', { key: Buffer.from(share).toString('hex'), nonce: init.body.nonce });
      if (res.status === 200 && typeof res.body.verification_nonce === 'string' && res.body.verification_nonce !== '') return true;
      if (res.status === 500 && AUTH_FAILED.test(errorText(res.body))) return false; // Vault combined them, and they are not its key
      if (res.status !== 200) throw new AuditInconclusiveError(`Vault ${client.name}: rekey/update trying ${label} answered ${res.status}: ${errorText(res.body)}`, { server: client.name });
    }
    return false;
  } finally {
    await client.request('DELETE', 'sys/rekey/init').catch(() => undefined);
  }
}

/** Tries every subset of `size` shares of the set, one after the other (Vault runs one rekey at a time). */
export async function tryBelowThreshold(client: PolicyClient, shares: readonly Uint8Array[], threshold: number): Promise<NonNullable<PolicyAudit['belowThreshold']>> {
  const t = nowMs();
  const size = threshold - 1;
  const trials: BelowThresholdTrial[] = [];
  if (size < 1) return { t, size, trials };
  for (const indices of subsets(shares.length, size)) {
    trials.push({ indices, authenticated: await sharesAuthenticate(client, indices.map((i) => shares[i]!), `shares {${indices.join(',')}}`) });
  }
  return { t, size, trials };
}

/**
 * The "after" half of the evidence: Vault's configuration now, and every
 * subset of the final cluster-key one share smaller than `expectedThreshold`
 * (the threshold before the request, or the scenario's). A part that cannot
 * be gathered is recorded as `error`; I9 then fails with it.
 */
export async function auditPolicyAfter(client: PolicyClient | undefined, finalShares: readonly Uint8Array[] | undefined, expectedThreshold: number | undefined): Promise<Omit<PolicyAudit, 'before'>> {
  if (!client) return { error: 'no active Vault server to read the seal configuration from' };
  const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
  let after: PolicyReading;
  try {
    after = await readSealPolicy(client);
  } catch (err) {
    return { error: message(err) };
  }
  if (expectedThreshold === undefined) return { after, error: 'the threshold before the request is unknown: no subset size to try' };
  if (!finalShares) return { after, error: 'cluster-key is not complete and well-formed at the end: no subsets to try' };
  try {
    return { after, belowThreshold: await tryBelowThreshold(client, finalShares, expectedThreshold) };
  } catch (err) {
    return { after, error: message(err) };
  }
}

/** The "before" half, read before the request; never throws (a failure is recorded as `error`). */
export async function auditPolicyBefore(client: PolicyClient | undefined): Promise<Pick<PolicyAudit, 'before' | 'error'>> {
  if (!client) return { error: 'no active Vault server to read the seal configuration from before the request' };
  try {
    return { before: await readSealPolicy(client) };
  } catch (err) {
    return { error: `before the request: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** Both halves as the record keeps them; errors of either half are kept, joined. */
export function combinePolicyEvidence(before: Pick<PolicyAudit, 'before' | 'error'> | undefined, after: Omit<PolicyAudit, 'before'>): PolicyAudit {
  const errors = [before?.error, after.error].filter((e): e is string => e !== undefined);
  return {
    ...(before?.before ? { before: before.before } : {}),
    ...(after.after ? { after: after.after } : {}),
    ...(after.belowThreshold ? { belowThreshold: after.belowThreshold } : {}),
    ...(errors.length > 0 ? { error: errors.join('; ') } : {}),
  };
}
