/**
 * Real Shamir shard sets for the observe and invariant tests, in Vault's byte
 * layout and the procedure's secret format. Values stay in memory; tests
 * compare fingerprints and never print a shard.
 */
import { randomBytes } from 'node:crypto';
import { keyFingerprint, shardFingerprint } from '../../common/fingerprint.js';
import { formatShard, shardSecretName, type SetPrefix } from '../../common/secrets.js';
import { split } from '../../common/shamir.js';

export interface TestSet {
  key: Uint8Array;
  keyFp: string;
  shares: Uint8Array[];
  shardFps: string[];
}

export async function makeSet(): Promise<TestSet> {
  const key = new Uint8Array(randomBytes(32));
  const shares = await split(key, 5, 3);
  return { key, keyFp: keyFingerprint(key), shares, shardFps: shares.map(shardFingerprint) };
}

/** A copy of the set whose share `index` has one y byte flipped (still parses, combines to a wrong key). */
export function corrupt(set: TestSet, index: number): TestSet {
  const shares = set.shares.map((s) => new Uint8Array(s));
  shares[index]![0] = shares[index]![0]! ^ 0x5a;
  return { ...set, shares, shardFps: shares.map(shardFingerprint) };
}

/** Secret name → strdata for the given indices of a set. */
export function secretsOf(prefix: SetPrefix, set: TestSet, indices: number[] = [0, 1, 2, 3, 4]): Map<string, string> {
  const out = new Map<string, string>();
  for (const i of indices) out.set(shardSecretName(prefix, i), formatShard(set.shares[i]!));
  return out;
}
