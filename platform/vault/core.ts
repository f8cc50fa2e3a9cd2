/**
 * The state of one server process: durable facts come from the shared store;
 * seal state, the unsealed root key, the cached seal config and which
 * operation is in progress live only here, so a crash loses them as in Vault.
 * Transitions (unsealed, sealed, active, standby) update the member record,
 * the feed, the log and the pod labels in one place.
 */
import type { Feed } from './feed.js';
import { info } from './log.js';
import type { DoubleOptions } from './options.js';
import type { Registration } from './registration.js';
import type { Barrier, KeyGeneration, SharedStore } from './store.js';

export interface SealConfig {
  shares: number;
  threshold: number;
}

export type StandbyReason = 'active-lost' | 'sealed' | 'step-down';

/** Something holding active-only memory (rekey), dropped when leadership goes. */
export interface ActiveScoped {
  onLeadershipLost(reason: StandbyReason): void;
}

export class VaultCore {
  readonly pod: string;
  readonly address: string;
  readonly store: SharedStore;
  readonly options: DoubleOptions;
  readonly feed: Feed;
  readonly registration: Registration;
  /** The version every status answer and the `vault-version` label report (version.ts). */
  readonly version: string;

  sealed = true;
  private rootKey: Buffer | undefined;
  /** Seal config as of this server's unseal (standbys keep it stale across a rotation). */
  cachedConfig: SealConfig | undefined;
  unsealParts: Buffer[] = [];
  unsealNonce = '';
  /** A joined follower accepted its last share and unseals after `followerUnsealDelayMs`. */
  followerUnsealPending = false;

  active = false;
  activeSince = 0;
  /** Our lease's expiry as of our last renewal; acting as active past it is forbidden. */
  leaseExpiresAt = 0;
  stepDownUntil = 0;
  private readonly activeScoped: ActiveScoped[] = [];
  private lastNodeKeyFp: string | undefined;
  private labelTimers = new Set<NodeJS.Timeout>();

  constructor(args: { pod: string; address: string; store: SharedStore; options: DoubleOptions; feed: Feed; registration: Registration; version: string }) {
    this.pod = args.pod;
    this.address = args.address;
    this.store = args.store;
    this.options = args.options;
    this.feed = args.feed;
    this.registration = args.registration;
    this.version = args.version;
  }

  addActiveScoped(s: ActiveScoped): void {
    this.activeScoped.push(s);
  }

  /** Initialized from this server's point of view: storage exists and it is a member (bootstrapped or joined). */
  initialized(): boolean {
    return this.store.barrier() !== undefined && this.store.member(this.pod) !== undefined;
  }

  isActive(): boolean {
    return this.active && !this.sealed && Date.now() < this.leaseExpiresAt;
  }

  currentGeneration(): { barrier: Barrier; number: number; gen: KeyGeneration } | undefined {
    const barrier = this.store.barrier();
    if (!barrier) return undefined;
    return { barrier, number: barrier.generation, gen: barrier.generations[String(barrier.generation)]! };
  }

  /**
   * The generation this (sealed) server must be unsealed with. Under
   * `staleSealedNode: 'old-key'` a server holds the storage it last synced
   * while unsealed; a follower that never unsealed receives the current one.
   */
  unsealGeneration(): { number: number; gen: KeyGeneration } | undefined {
    const barrier = this.store.barrier();
    const member = this.store.member(this.pod);
    if (!barrier || !member) return undefined;
    let n = barrier.generation;
    if (this.options.staleSealedNode === 'old-key' && member.syncedGeneration !== null) n = Math.min(member.syncedGeneration, barrier.generation);
    return { number: n, gen: barrier.generations[String(n)]! };
  }

  /** `t`/`n` as seal-status shows them. */
  statusConfig(): SealConfig {
    if (!this.sealed && this.cachedConfig) return this.cachedConfig;
    const g = this.unsealGeneration();
    return g ? { shares: g.gen.shares, threshold: g.gen.threshold } : { shares: 0, threshold: 0 };
  }

  /** The root key, only while unsealed. */
  unsealedRootKey(): Buffer | undefined {
    return this.sealed ? undefined : this.rootKey;
  }

  clearUnsealParts(): void {
    this.unsealParts = [];
    this.unsealNonce = '';
  }

  async markUnsealed(rootKey: Buffer): Promise<void> {
    this.followerUnsealPending = false;
    this.sealed = false;
    this.rootKey = rootKey;
    this.clearUnsealParts();
    await this.heartbeat();
    const cur = this.currentGeneration();
    if (cur) this.cachedConfig = { shares: cur.gen.shares, threshold: cur.gen.threshold };
    info(`unsealed (key ${cur?.gen.keyFp ?? '?'})`);
    this.feed.emit({ event: 'unsealed' });
    this.emitNodeKeyIfChanged();
    this.registration.set({ 'vault-sealed': false, 'vault-initialized': true });
  }

  /** Records this server as an unsealed member that holds the current storage (raft has caught it up). */
  async heartbeat(): Promise<void> {
    if (this.sealed) return;
    await this.store.withLock(() => {
      const barrier = this.store.barrier();
      const member = this.store.member(this.pod);
      if (!barrier || !member) return;
      this.store.writeMember(this.pod, { ...member, syncedGeneration: barrier.generation, unsealed: true, heartbeatAt: Date.now(), pid: process.pid, address: this.address });
    });
    this.emitNodeKeyIfChanged();
  }

  /** Feed `node-key` when the key this server needs to unseal changes. */
  emitNodeKeyIfChanged(): void {
    const fp = this.sealed ? this.unsealGeneration()?.gen.keyFp : this.currentGeneration()?.gen.keyFp;
    if (fp && fp !== this.lastNodeKeyFp) {
      this.lastNodeKeyFp = fp;
      this.feed.emit({ event: 'node-key', keyFp: fp });
    }
  }

  /** Seals this server: leadership first (labels: active=false before sealed=true), then the barrier. */
  async seal(): Promise<void> {
    if (this.sealed) return;
    if (this.active) await this.loseActive('sealed', true);
    this.sealed = true;
    this.rootKey = undefined;
    this.cachedConfig = undefined;
    this.clearUnsealParts();
    await this.store.withLock(() => {
      const member = this.store.member(this.pod);
      if (member) this.store.writeMember(this.pod, { ...member, unsealed: false });
    });
    info('sealed');
    this.feed.emit({ event: 'sealed' });
    this.emitNodeKeyIfChanged();
    this.registration.set({ 'vault-sealed': true });
  }

  becomeActive(expiresAt: number): void {
    this.active = true;
    this.activeSince = Date.now();
    this.leaseExpiresAt = expiresAt;
    const cur = this.currentGeneration();
    // The active reads the seal config from storage, so it is never stale.
    if (cur) this.cachedConfig = { shares: cur.gen.shares, threshold: cur.gen.threshold };
    info('became active');
    this.feed.emit({ event: 'active' });
    this.registration.set({ 'vault-active': true });
  }

  /** Leadership ends: active-only memory (rekey) is dropped; releases our lease so a standby can take over at once. */
  async loseActive(reason: StandbyReason, releaseLease: boolean): Promise<void> {
    if (!this.active) return;
    this.active = false;
    this.leaseExpiresAt = 0;
    for (const s of this.activeScoped) s.onLeadershipLost(reason);
    if (releaseLease) {
      await this.store.withLock(() => {
        const lease = this.store.lease();
        if (lease?.holder === this.pod) this.store.writeLease({ ...lease, expiresAt: 0 });
      });
    }
    info(`no longer active (${reason})`);
    const window = this.options.dualActiveLabelWindowMs;
    if (window > 0 && reason !== 'sealed') {
      const timer = setTimeout(() => {
        this.labelTimers.delete(timer);
        if (!this.active) this.registration.set({ 'vault-active': false });
      }, window);
      this.labelTimers.add(timer);
    } else {
      this.registration.set({ 'vault-active': false });
    }
  }

  /** The feed lines of a rotation this (active) server is committing; called inside the commit's lock, right after the write. */
  announceRotation(generation: number, gen: KeyGeneration): void {
    this.feed.emit({ event: 'rotated', keyFp: gen.keyFp });
    this.feed.emit({ event: 'key-in-effect', keyFp: gen.keyFp, epoch: generation });
  }

  /** After the commit: this server's own view of the rotation it committed. */
  noteRotation(generation: number, gen: KeyGeneration): void {
    this.cachedConfig = { shares: gen.shares, threshold: gen.threshold };
    info(`rotated unseal key to generation ${generation} (key ${gen.keyFp})`);
    this.emitNodeKeyIfChanged();
  }

  stop(): void {
    for (const t of this.labelTimers) clearTimeout(t);
    this.registration.stop();
  }
}
