/**
 * Short, stable fingerprints. Logs, reports and run records show these and
 * never the values themselves (design principle 5). Every component that
 * names a key, shard or token MUST use these functions so that fingerprints
 * from the Vault double's key feed, the custody ledger and the manager's log
 * can be compared.
 */
import { createHash } from 'node:crypto';

function digest(domain: string, bytes: Uint8Array | string, hexChars: number): string {
  return createHash('sha256').update(domain).update('\0').update(bytes).digest('hex').slice(0, hexChars);
}

/** Fingerprint of an unseal key (the combined 32-byte key), 12 hex chars. */
export function keyFingerprint(key: Uint8Array): string {
  return digest('rekey-chaos/unseal-key', key, 12);
}

/** Fingerprint of one shard (share bytes, i.e. the decoded `keys[0]`), 8 hex chars. */
export function shardFingerprint(share: Uint8Array): string {
  return digest('rekey-chaos/shard', share, 8);
}

/** Fingerprint of a root token or any other secret string, 8 hex chars. */
export function tokenFingerprint(token: string): string {
  return digest('rekey-chaos/token', token, 8);
}
