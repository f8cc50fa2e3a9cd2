/**
 * Which key a set of shards combines to, by fingerprint only: the grouping
 * of a five-shard set's ten 3-of-5 subsets by combined key. The custody
 * ledger uses it to call a live set consistent; the Vault audits use it to
 * put one representative subset per distinct key to Vault.
 */
import { keyFingerprint } from './fingerprint.js';
import { combine, subsets } from './shamir.js';
import { SHARES, THRESHOLD } from './secrets.js';

/** Combines shares and returns the key's fingerprint, or undefined when they cannot be combined (duplicate x, unequal lengths). */
export async function combinedKeyFp(shares: Uint8Array[]): Promise<string | undefined> {
  try {
    return keyFingerprint(await combine(shares));
  } catch {
    return undefined;
  }
}

/** One group of 3-of-5 subsets that combine to the same key (or to nothing, keyFp undefined). */
export interface SubsetGroup {
  keyFp: string | undefined;
  subsets: number[][];
}

/**
 * Combines every 3-of-5 subset of a complete set and groups the subsets by the
 * key they produce. A consistent set yields exactly one group; a corrupted
 * share puts the six subsets that contain it into other groups.
 */
export async function groupSubsetsByKey(shares: ReadonlyMap<number, Uint8Array>): Promise<SubsetGroup[]> {
  const groups = new Map<string, SubsetGroup>();
  for (const subset of subsets(SHARES, THRESHOLD)) {
    const parts = subset.map((i) => shares.get(i));
    const keyFp = parts.every((p): p is Uint8Array => p !== undefined) ? await combinedKeyFp(parts) : undefined;
    const groupKey = keyFp ?? '(uncombinable)';
    const group = groups.get(groupKey) ?? { keyFp, subsets: [] };
    group.subsets.push(subset);
    groups.set(groupKey, group);
  }
  return [...groups.values()];
}
