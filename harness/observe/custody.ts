/**
 * The custody ledger: at every change of the procedure's secrets, which shard
 * sets exist and which key each combines to — fingerprints only. I1 replays
 * it against the key in effect.
 *
 * Snapshots need Shamir combines, which are async; entries are computed in a
 * strict queue so they come out in the order of the changes that caused
 * them, each stamped with the instant the harness learned of its change (not
 * of its computation) and, when known, the instant the change was committed.
 */
import type { CustodyEntry, SetSnapshot } from '../../common/record.js';
import { SET_PREFIXES, shardSecretName, SHARES, type SetPrefix } from '../../common/secrets.js';
import { snapshotSet } from '../../common/set-snapshot.js';
import type { SecretChange, SecretWatch } from './secret-watch.js';

export class CustodyLedger {
  private readonly entries: CustodyEntry[] = [];
  private queue: Promise<void> = Promise.resolve();
  private failure: unknown;
  /** snapshot cache per prefix, keyed by the set's exact secret contents, so unchanged sets are not recombined */
  private readonly cache = new Map<SetPrefix, { contentKey: string; snapshot: SetSnapshot }>();
  private unsubscribe: (() => void) | undefined;

  /** Records an entry for the given state of the secrets. The map is copied now; the caller may keep mutating its own. */
  record(t: number, cause: string, secrets: ReadonlyMap<string, string>, committedAt?: number): void {
    const copy = new Map<string, string>();
    for (const prefix of SET_PREFIXES) {
      for (let i = 0; i < SHARES; i++) {
        const name = shardSecretName(prefix, i);
        const value = secrets.get(name);
        if (value !== undefined) copy.set(name, value);
      }
    }
    this.queue = this.queue.then(async () => {
      try {
        const sets = await this.snapshotAll(copy);
        this.entries.push(committedAt === undefined ? { t, cause, sets } : { t, committedAt, cause, sets });
      } catch (err) {
        this.failure ??= err;
      }
    });
  }

  /** Follows a secret watch: an entry for the initial list and one per change (including synthetic ones after a gap). */
  follow(watch: SecretWatch): void {
    this.unsubscribe?.();
    this.unsubscribe = watch.onChange((change: SecretChange) => {
      this.record(change.t, change.cause, change.secrets, change.committedAt);
    });
  }

  stopFollowing(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /** Waits for every pending entry; rethrows the first snapshot failure, if any. */
  async flush(): Promise<CustodyEntry[]> {
    await this.queue;
    if (this.failure !== undefined) throw this.failure;
    return this.snapshot();
  }

  /** The entries computed so far (a copy). */
  snapshot(): CustodyEntry[] {
    return this.entries.map((e) => ({ ...e, sets: { ...e.sets } }));
  }

  private async snapshotAll(secrets: ReadonlyMap<string, string>): Promise<Record<SetPrefix, SetSnapshot>> {
    const out = {} as Record<SetPrefix, SetSnapshot>;
    for (const prefix of SET_PREFIXES) {
      const contentKey = JSON.stringify(Array.from({ length: SHARES }, (_, i) => secrets.get(shardSecretName(prefix, i)) ?? null));
      const cached = this.cache.get(prefix);
      if (cached && cached.contentKey === contentKey) {
        out[prefix] = cached.snapshot;
        continue;
      }
      const snapshot = await snapshotSet(prefix, secrets);
      this.cache.set(prefix, { contentKey, snapshot });
      out[prefix] = snapshot;
    }
    return out;
  }
}
