/**
 * What one shard set looks like at an instant, by fingerprint only: which
 * indices exist, each shard's fingerprint, the key three of them combine to,
 * and whether all ten 3-of-5 subsets agree on that key. Shared by the custody
 * ledger (live) and by audits (which need the same grouping of subsets by
 * combined key).
 */
import { shardFingerprint } from './fingerprint.js';
import type { SetSnapshot } from './record.js';
import { combinedKeyFp, groupSubsetsByKey } from './subset-keys.js';
import { shardSecretName, SHARES, THRESHOLD, type SetPrefix } from './secrets.js';
import { parseShardStrict } from './strict-shard.js';

/** The shards of one set found among the current secrets (values stay in memory, never leave this module's callers). */
export interface SetShards {
  present: number[];
  /** parsed shares by index; an index that exists but does not parse is in `present` but not here */
  shares: Map<number, Uint8Array>;
  /** why each index that exists did not parse */
  reasons: Map<number, string>;
}

/**
 * Reads with the harness's strict reader, not the manager's: a shard in an
 * encoding only a lenient reader accepts is not a usable shard here.
 */

export function collectSet(prefix: SetPrefix, secrets: ReadonlyMap<string, string>): SetShards {
  const present: number[] = [];
  const shares = new Map<number, Uint8Array>();
  const reasons = new Map<number, string>();
  for (let i = 0; i < SHARES; i++) {
    const strdata = secrets.get(shardSecretName(prefix, i));
    if (strdata === undefined) continue;
    present.push(i);
    const parsed = parseShardStrict(strdata);
    if (parsed.ok) shares.set(i, parsed.share);
    else reasons.set(i, parsed.reason);
  }
  return { present, shares, reasons };
}


/** The fingerprint-only snapshot of one set (complete = all five exist and parse; docs/procedure.md). */
export async function snapshotSet(prefix: SetPrefix, secrets: ReadonlyMap<string, string>): Promise<SetSnapshot> {
  const { present, shares, reasons } = collectSet(prefix, secrets);
  const shardFps: Record<number, string> = {};
  for (const [i, share] of shares) shardFps[i] = shardFingerprint(share);
  const unparsable = present.filter((i) => !shares.has(i));
  const complete = present.length === SHARES && unparsable.length === 0;
  const snapshot: SetSnapshot = {
    state: present.length === 0 ? 'absent' : complete ? 'complete' : 'partial',
    present,
    shardFps,
  };
  if (unparsable.length > 0) {
    snapshot.unparsable = unparsable;
    snapshot.unparsableReasons = Object.fromEntries(unparsable.map((i) => [i, reasons.get(i) ?? 'unreadable']));
  }
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
