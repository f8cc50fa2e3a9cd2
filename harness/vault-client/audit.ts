/**
 * Independent audits of a shard set through Vault's API — the harness's own
 * evidence for I2, I3 and I7, never the manager's word (docs/invariants.md).
 *
 *  - rekey-init audit (mints no token): start a rekey with verification,
 *    submit `required` shards; 200 with a verification nonce ⇒ the shards
 *    are the key in use; 500 `… cipher: message authentication failed` ⇒ not.
 *    The rekey is always cancelled afterwards, and nothing rotates.
 *  - generate-root audit: OTP attempt, submit shards, decode the root token
 *    and revoke it at once.
 *
 * `auditSubsets` proves all ten 3-of-5 subsets (I7) with as few Vault rounds
 * as the set has distinct combined keys: subsets are combined locally and
 * grouped by key, and one representative of each key is put to Vault.
 *
 * Neither a shard nor a token is ever logged, returned or put in an error.
 */
import { nowMs } from '../../common/clock.js';
import type { SetAudit, SubsetCheck } from '../../common/record.js';
import { SHARES } from '../../common/secrets.js';
import { combinedKeyFp, groupSubsetsByKey } from '../../common/subset-keys.js';
import { errorText, type RekeyStatus, type VaultClient } from './client.js';
import { AuditInconclusiveError } from './errors.js';

export type AuditMethod = SetAudit['method'];

const AUTH_FAILED = /cipher: message authentication failed/;

function hex(share: Uint8Array): string {
  return Buffer.from(share).toString('hex');
}

/** Does this threshold of shares authenticate as the current key? Rekey-init audit; always cancels its rekey. */
export async function rekeyAuditShares(client: VaultClient, shares: Uint8Array[]): Promise<boolean> {
  const status = await client.rekeyStatus();
  if (status.started) throw new AuditInconclusiveError(`Vault ${client.name}: a rekey is already running; an audit would disturb it`, { server: client.name });
  const init = await client.request<RekeyStatus>('POST', 'sys/rekey/init', { secret_shares: 5, secret_threshold: 3, require_verification: true });
  if (init.status !== 200) throw new AuditInconclusiveError(`Vault ${client.name}: rekey/init for the audit answered ${init.status}: ${errorText(init.body)}`, { server: client.name });
  try {
    const { nonce, required } = init.body;
    if (shares.length < required) throw new AuditInconclusiveError(`the audit has ${shares.length} shares but Vault requires ${required}`, { required });
    for (let i = 0; i < required; i++) {
      const res = await client.request<{ verification_required?: boolean; verification_nonce?: string; complete?: boolean }>('POST', 'sys/rekey/update', { key: hex(shares[i]!), nonce });
      const last = i === required - 1;
      if (last && res.status === 200 && res.body.verification_required === true && typeof res.body.verification_nonce === 'string') return true;
      if (last && res.status === 500 && AUTH_FAILED.test(errorText(res.body))) return false;
      if (!last && res.status === 200) continue;
      throw new AuditInconclusiveError(`Vault ${client.name}: rekey/update ${i + 1}/${required} answered ${res.status}: ${errorText(res.body)}`, { server: client.name, step: i + 1 });
    }
    throw new AuditInconclusiveError('unreachable: no verdict after the threshold', {});
  } finally {
    // Cancel whatever happened: the throw-away new shares are discarded, the old key stays.
    await client.request('DELETE', 'sys/rekey/init').catch(() => undefined);
  }
}

interface GenerateRootAttempt {
  nonce: string;
  started: boolean;
  required: number;
  otp?: string;
  complete?: boolean;
  encoded_token?: string;
  encoded_root_token?: string;
}

/** Does this threshold of shares authenticate? Generate-root audit; the minted root token is revoked at once. */
export async function generateRootAuditShares(client: VaultClient, shares: Uint8Array[]): Promise<boolean> {
  const existing = await client.call<GenerateRootAttempt>('GET', 'sys/generate-root/attempt');
  if (existing.started) throw new AuditInconclusiveError(`Vault ${client.name}: a root generation is already in progress`, { server: client.name });
  const attempt = await client.call<GenerateRootAttempt>('POST', 'sys/generate-root/attempt', {});
  try {
    if (!attempt.otp) throw new AuditInconclusiveError(`Vault ${client.name}: generate-root attempt returned no OTP`, { server: client.name });
    if (shares.length < attempt.required) throw new AuditInconclusiveError(`the audit has ${shares.length} shares but Vault requires ${attempt.required}`, {});
    for (let i = 0; i < attempt.required; i++) {
      const res = await client.request<GenerateRootAttempt>('POST', 'sys/generate-root/update', { key: hex(shares[i]!), nonce: attempt.nonce });
      const last = i === attempt.required - 1;
      if (last && res.status === 200 && res.body.complete === true) {
        const encoded = res.body.encoded_token || res.body.encoded_root_token;
        if (!encoded) throw new AuditInconclusiveError(`Vault ${client.name}: generate-root completed without an encoded token`, {});
        await revokeRootToken(client, decodeRootToken(encoded, attempt.otp));
        return true;
      }
      if (last && res.status === 400 && AUTH_FAILED.test(errorText(res.body))) return false;
      if (!last && res.status === 200) continue;
      throw new AuditInconclusiveError(`Vault ${client.name}: generate-root/update ${i + 1}/${attempt.required} answered ${res.status}: ${errorText(res.body)}`, { server: client.name });
    }
    throw new AuditInconclusiveError('unreachable: no verdict after the threshold', {});
  } finally {
    await client.request('DELETE', 'sys/generate-root/attempt').catch(() => undefined);
  }
}

/** Vault's encoding: unpadded standard base64 of (token XOR OTP). */
export function decodeRootToken(encoded: string, otp: string): string {
  const xored = Buffer.from(encoded, 'base64');
  const pad = Buffer.from(otp, 'utf8');
  if (xored.length !== pad.length) throw new AuditInconclusiveError(`encoded root token length ${xored.length} does not match the OTP length ${pad.length}`, {});
  const out = Buffer.alloc(xored.length);
  for (let i = 0; i < xored.length; i++) out[i] = xored[i]! ^ pad[i]!;
  return out.toString('utf8');
}

async function revokeRootToken(client: VaultClient, token: string): Promise<void> {
  const res = await client.request('POST', 'auth/token/revoke-self', undefined, token);
  if (res.status !== 204 && res.status !== 200) {
    throw new AuditInconclusiveError(`Vault ${client.name}: could not revoke the audit's root token: ${res.status} ${errorText(res.body)}`, { server: client.name });
  }
}

function auditShares(method: AuditMethod): (client: VaultClient, shares: Uint8Array[]) => Promise<boolean> {
  return method === 'generate-root' ? generateRootAuditShares : rekeyAuditShares;
}

/** Audits one threshold of a set (its first shares, in index order). Inconclusive audits are recorded with `error`, not thrown. */
export async function auditSet(client: VaultClient, prefix: SetAudit['prefix'], shares: Uint8Array[], method: AuditMethod = 'rekey-audit'): Promise<SetAudit> {
  const t = nowMs();
  const keyFp = shares.length >= 3 ? await combinedKeyFp(shares.slice(0, 3)) : undefined;
  try {
    return withKey({ t, prefix, method, current: await auditShares(method)(client, shares) }, keyFp);
  } catch (err) {
    return withKey({ t, prefix, method, current: false, error: err instanceof Error ? err.message : String(err) }, keyFp);
  }
}

/**
 * I7: all ten 3-of-5 subsets of a five-shard set. `current` and `keyFp` are
 * those of the subset {0,1,2} (what a manager uses first).
 */
export async function auditSubsets(client: VaultClient, prefix: SetAudit['prefix'], shares: Uint8Array[], method: AuditMethod = 'rekey-audit'): Promise<SetAudit> {
  const t = nowMs();
  if (shares.length !== SHARES) return { t, prefix, method, current: false, error: `auditSubsets needs ${SHARES} shares, got ${shares.length}` };
  const groups = await groupSubsetsByKey(new Map(shares.map((s, i) => [i, s] as [number, Uint8Array])));
  const checks: SubsetCheck[] = [];
  const errors: string[] = [];
  let firstGroupOk = false;
  let firstKeyFp: string | undefined;
  for (const group of groups) {
    let ok = false;
    if (group.keyFp !== undefined) {
      const representative = group.subsets[0]!.map((i) => shares[i]!);
      try {
        ok = await auditShares(method)(client, representative);
      } catch (err) {
        errors.push(`{${group.subsets[0]!.join(',')}}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    for (const indices of group.subsets) checks.push({ indices, ok });
    if (group.subsets.some((s) => s.join() === '0,1,2')) {
      firstGroupOk = ok;
      firstKeyFp = group.keyFp;
    }
  }
  checks.sort((a, b) => a.indices.join().localeCompare(b.indices.join()));
  const audit: SetAudit = withKey({ t, prefix, method, current: firstGroupOk, subsets: checks }, firstKeyFp);
  if (errors.length > 0) audit.error = errors.join('; ');
  return audit;
}

/** Does the root token still work (lookup-self)? */
export function rootTokenWorks(client: VaultClient, token: string): Promise<boolean> {
  return client.tokenWorks(token);
}

function withKey(audit: SetAudit, keyFp: string | undefined): SetAudit {
  return keyFp === undefined ? audit : { ...audit, keyFp };
}
