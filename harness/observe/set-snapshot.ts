/**
 * What one shard set looks like at an instant, by fingerprint only: which
 * indices exist, each shard's fingerprint, the key three of them combine to,
 * and whether all ten 3-of-5 subsets agree on that key (common/subset-keys.ts).
 */
import { shardFingerprint } from '../../common/fingerprint.js';
import type { SetSnapshot } from '../../common/record.js';
import { combinedKeyFp, groupSubsetsByKey } from '../../common/subset-keys.js';
import { parseShard, shardSecretName, SHARES, THRESHOLD, type SetPrefix } from '../../common/secrets.js';

/** The shards of one set found among the current secrets (values stay in memory, never leave this module's callers). */
export interface SetShards {
  present: number[];
  /** parsed shares by index; an index that exists but does not parse is in `present` but not here */
  shares: Map<number, Uint8Array>;
}

export function collectSet(prefix: SetPrefix, secrets: ReadonlyMap<string, string>): SetShards {
  const present: number[] = [];
  const shares = new Map<number, Uint8Array>();
  for (let i = 0; i < SHARES; i++) {
    const strdata = secrets.get(shardSecretName(prefix, i));
    if (strdata === undefined) continue;
    present.push(i);
    const share = parseShard(strdata);
    if (share) shares.set(i, share);
  }
  return { present, shares };
}

/** The fingerprint-only snapshot of one set (rekey-procedure.md §2: complete = all five exist and parse). */
export async function snapshotSet(prefix: SetPrefix, secrets: ReadonlyMap<string, string>): Promise<SetSnapshot> {
  const { present, shares } = collectSet(prefix, secrets);
  const shardFps: Record<number, string> = {};
  for (const [i, share] of shares) shardFps[i] = shardFingerprint(share);
  const unparsable = present.filter((i) => !shares.has(i));
  const complete = present.length === SHARES && unparsable.length === 0;
  const snapshot: SetSnapshot = {
    state: present.length === 0 ? 'absent' : complete ? 'complete' : 'partial',
    present,
    shardFps,
  };
  if (unparsable.length > 0) snapshot.unparsable = unparsable;
  const parsedIndices = [...shares.keys()].sort((a, b) => a - b);
  if (parsedIndices.length >= THRESHOLD) {
    const keyFp = await combinedKeyFp(parsedIndices.slice(0, THRESHOLD).map((i) => shares.get(i)!));
    if (keyFp !== undefined) snapshot.keyFp = keyFp;
  }
  if (complete) {
    const groups = await groupSubsetsByKey(shares);
    snapshot.consistent = groups.length === 1 && groups[0]!.keyFp !== undefined;
  }
  return snapshot;
}
