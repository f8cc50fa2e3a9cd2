/**
 * The shared store of the three servers (stands in for raft storage): small
 * JSON documents in one directory, each written crash-safely (temp file +
 * rename), read-modify-write under a lock file so compare-and-set (the HA
 * lease, a rotation) is atomic across processes. Only durable state lives
 * here; seal state and operation progress stay in each process's memory.
 */
import { pidAlive } from '../../common/process.js';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { delay } from '../../common/clock.js';
import { EnvironmentError } from '../../common/errors.js';

/** One key generation: the seal config and the root key encrypted under that generation's unseal key. */
export interface KeyGeneration {
  shares: number;
  threshold: number;
  /** AES-256-GCM envelope of the root key (keys.ts `seal`). */
  envelope: string;
  /** keyFingerprint of the unseal key: not secret, lets the feed name the key. */
  keyFp: string;
}

export interface Barrier {
  clusterName: string;
  clusterId: string;
  /** The generation in effect; older ones are kept for servers that missed a rotation. */
  generation: number;
  generations: Record<string, KeyGeneration>;
}

export interface Member {
  /** The generation whose storage this server holds (last synced while unsealed); null = joined, never unsealed. */
  syncedGeneration: number | null;
  unsealed: boolean;
  /** Refreshed by an unsealed server on every lease tick; a stale heartbeat means it is gone. */
  heartbeatAt: number;
  pid: number;
  /** `https://ip:port` this server listens on (for ha-status). */
  address: string;
}

export interface Lease {
  holder: string;
  /** `https://ip:port` of the holder. */
  address: string;
  expiresAt: number;
  /** When the holder became active (RFC3339 in sys/leader). */
  since: number;
}

const LOCK_STALE_MS = 3000;

export class SharedStore {
  readonly dir: string;
  constructor(dir: string) {
    this.dir = dir;
    mkdirSync(join(dir, 'members'), { recursive: true });
  }

  private path(name: string): string {
    return join(this.dir, name);
  }

  private read<T>(name: string): T | undefined {
    const p = this.path(name);
    if (!existsSync(p)) return undefined;
    try {
      return JSON.parse(readFileSync(p, 'utf8')) as T;
    } catch (cause) {
      throw new EnvironmentError(`the double's store file ${p} is unreadable`, { path: p }, { cause });
    }
  }

  private write(name: string, value: unknown): void {
    const p = this.path(name);
    const tmp = `${p}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(value));
    renameSync(tmp, p);
  }

  /** Runs `fn` holding the store lock (an O_EXCL file naming the holder pid; broken when the holder is dead or it is stale). */
  async withLock<T>(fn: () => T): Promise<T> {
    const lockPath = this.path('store.lock');
    for (;;) {
      try {
        const fd = openSync(lockPath, 'wx');
        writeSync(fd, String(process.pid));
        closeSync(fd);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        this.breakStaleLock(lockPath);
        await delay(2);
      }
    }
    try {
      return fn();
    } finally {
      rmSync(lockPath, { force: true });
    }
  }

  private breakStaleLock(lockPath: string): void {
    try {
      const holder = Number(readFileSync(lockPath, 'utf8'));
      const age = Date.now() - statSync(lockPath).mtimeMs;
      if (age > LOCK_STALE_MS || (holder > 0 && !pidAlive(holder))) rmSync(lockPath, { force: true });
    } catch {
      // Vanished or half-written between our attempts: just retry.
    }
  }

  barrier(): Barrier | undefined {
    return this.read<Barrier>('barrier.json');
  }
  writeBarrier(b: Barrier): void {
    this.write('barrier.json', b);
  }

  member(pod: string): Member | undefined {
    return this.read<Member>(join('members', `${pod}.json`));
  }
  writeMember(pod: string, m: Member): void {
    this.write(join('members', `${pod}.json`), m);
  }
  members(): Record<string, Member> {
    const out: Record<string, Member> = {};
    const dir = this.path('members');
    for (const file of readdirJson(dir)) {
      const m = this.read<Member>(join('members', file));
      if (m) out[file.slice(0, -'.json'.length)] = m;
    }
    return out;
  }

  lease(): Lease | undefined {
    return this.read<Lease>('lease.json');
  }
  writeLease(l: Lease): void {
    this.write('lease.json', l);
  }

  /** SHA-256 hashes of the valid root tokens (never the tokens). */
  tokenHashes(): string[] {
    return this.read<{ hashes: string[] }>('tokens.json')?.hashes ?? [];
  }
  writeTokenHashes(hashes: string[]): void {
    this.write('tokens.json', { hashes });
  }
}

function readdirJson(dir: string): string[] {
  try {
    return readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
}

