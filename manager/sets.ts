/**
 * The procedure's secrets as the manager sees them in one pass: which shard
 * sets are complete, partial or absent, and which milestones exist; plus the
 * set operations every step is built from (write with read-back, copy,
 * delete). The rule that whoever writes a shard set reads it back and
 * compares it before relying on it (docs/procedure.md) lives here, once.
 */
import { formatShard, MILESTONE_SECRETS, parseShard, SET_PREFIXES, SHARES, shardSecretName, type MilestoneSecret, type SetPrefix } from '../common/secrets.js';
import { shardFingerprint } from '../common/fingerprint.js';
import { StepError, SecretExistsError } from './errors.js';
import type { SecretStore } from './ports.js';

export interface ShardSet {
  prefix: SetPrefix;
  /** decoded shares by index; undefined where the secret is missing or does not parse */
  shares: (Uint8Array | undefined)[];
  /** indices whose secret exists (parsed or not) */
  present: number[];
  state: 'absent' | 'partial' | 'complete';
}

export interface Snapshot {
  secrets: Map<string, string>;
  sets: Record<SetPrefix, ShardSet>;
  milestones: Record<MilestoneSecret, boolean>;
  /** the request text (content of cluster-rekey-request), written into every later milestone */
  requestText: string | undefined;
}

export function shardSetFrom(prefix: SetPrefix, secrets: Map<string, string>): ShardSet {
  const shares: (Uint8Array | undefined)[] = [];
  const present: number[] = [];
  for (let i = 0; i < SHARES; i++) {
    const raw = secrets.get(shardSecretName(prefix, i));
    if (raw !== undefined) present.push(i);
    shares.push(raw === undefined ? undefined : parseShard(raw));
  }
  const parsed = shares.filter((s) => s !== undefined).length;
  const state = parsed === SHARES ? 'complete' : present.length === 0 ? 'absent' : 'partial';
  return { prefix, shares, present, state };
}

export function snapshotFrom(secrets: Map<string, string>): Snapshot {
  const sets = {} as Record<SetPrefix, ShardSet>;
  for (const prefix of SET_PREFIXES) sets[prefix] = shardSetFrom(prefix, secrets);
  const milestones = {} as Record<MilestoneSecret, boolean>;
  for (const name of MILESTONE_SECRETS) milestones[name] = secrets.has(name);
  return { secrets, sets, milestones, requestText: secrets.get('cluster-rekey-request') };
}

export async function readSnapshot(store: SecretStore): Promise<Snapshot> {
  return snapshotFrom(await store.list());
}

/** True while a rekey is in progress: any of the four milestones exists. */
export function rekeyInProgress(snap: Snapshot): boolean {
  return MILESTONE_SECRETS.some((m) => snap.milestones[m]);
}

export function completeShares(set: ShardSet): Uint8Array[] {
  if (set.state !== 'complete') throw new StepError(`set ${set.prefix} is not complete`, { prefix: set.prefix, present: set.present });
  return set.shares as Uint8Array[];
}

export function sameShares(a: readonly (Uint8Array | undefined)[], b: readonly (Uint8Array | undefined)[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((s, i) => s !== undefined && b[i] !== undefined && Buffer.from(s).equals(Buffer.from(b[i]!)));
}

export function setFingerprints(shares: readonly (Uint8Array | undefined)[]): string {
  return shares.map((s) => (s ? shardFingerprint(s) : '-')).join(',');
}

/**
 * Writes a complete set and reads it back. A secret that already exists with
 * the same shard is accepted (a re-run after a kill); with another shard it
 * is an error and nothing is overwritten.
 */
export async function writeSetValidated(store: SecretStore, prefix: SetPrefix, shares: readonly Uint8Array[]): Promise<void> {
  if (shares.length !== SHARES) throw new StepError(`refusing to store ${shares.length} shards as ${prefix}`, { prefix });
  for (let i = 0; i < SHARES; i++) {
    try {
      await store.create(shardSecretName(prefix, i), formatShard(shares[i]!));
    } catch (err) {
      if (!(err instanceof SecretExistsError)) throw err;
    }
  }
  await validateStoredSet(store, prefix, shares);
}

/** Reads a set back and compares it shard by shard with what it should hold. */
export async function validateStoredSet(store: SecretStore, prefix: SetPrefix, expected: readonly Uint8Array[]): Promise<void> {
  for (let i = 0; i < SHARES; i++) {
    const raw = await store.get(shardSecretName(prefix, i));
    const stored = raw === undefined ? undefined : parseShard(raw);
    if (!stored || !Buffer.from(stored).equals(Buffer.from(expected[i]!))) {
      throw new StepError(`read-back of ${prefix} does not match what was written`, {
        prefix,
        index: i,
        stored: stored ? shardFingerprint(stored) : raw === undefined ? 'missing' : 'unparsable',
        expected: shardFingerprint(expected[i]!),
      });
    }
  }
}

/** Deletes every shard secret of a set that exists (in index order). */
export async function deleteSet(store: SecretStore, prefix: SetPrefix): Promise<void> {
  for (let i = 0; i < SHARES; i++) await store.delete(shardSecretName(prefix, i));
}

/** Creates a milestone secret with the request text; an existing one is kept. */
export async function writeMilestone(store: SecretStore, name: MilestoneSecret, requestText: string): Promise<void> {
  try {
    await store.create(name, requestText);
  } catch (err) {
    if (!(err instanceof SecretExistsError)) throw err;
  }
}
