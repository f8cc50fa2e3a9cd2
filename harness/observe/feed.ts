/**
 * Turns the Vault double's feed into exact Vault milestone events (the
 * rekey's, and each server's unseal: common/milestones.ts UNSEAL_EVENTS) and the
 * history of the key in effect (`KeyInEffect`, for exact I1). Embedded only:
 * real Vault has no feed, and nothing but the harness reads it.
 *
 * The double cannot know whether a rekey is the manager's audit; the
 * procedure can: a rekey begun while `cluster-rekey-shuffle` exists is an
 * audit (`isAudit(t)`, asked for the instant the rekey began: from the API
 * server's commit feed where there is one, so a late watch cannot misname it).
 */
import type { KeyInEffect, TimelineEvent } from '../../common/record.js';
import { isMilestoneEvent } from '../../common/milestones.js';
import { FeedTailer, type FeedLine } from './feed-tailer.js';

export interface FeedObserverOptions {
  path: string;
  /** true when a rekey started at instant t is an audit (cluster-rekey-shuffle existed then) */
  isAudit: (t: number) => boolean;
  pollMs?: number;
}

/** Pure interpretation of feed lines, one at a time, in file order. */
export class FeedInterpreter {
  private readonly keys: KeyInEffect[] = [];
  private clusterKey: string | undefined;
  private readonly nodeKeys: Record<string, string> = {};
  private rekeyIsAudit = false;
  private rekeyRunning = false;
  private active: string | undefined;

  constructor(private readonly isAudit: (t: number) => boolean) {}

  keyHistory(): KeyInEffect[] {
    return this.keys.map((k) => ({ ...k, ...(k.servers ? { servers: { ...k.servers } } : {}) }));
  }

  /** The milestone events this line means (usually zero or one). */
  interpret(line: FeedLine): TimelineEvent[] {
    const at = (name: string, detail: Record<string, unknown> = {}): TimelineEvent[] => [{ t: line.t, name, source: 'vault-feed', detail: { server: line.server, ...detail } }];
    switch (line.event) {
      case 'key-in-effect':
        this.setClusterKey(line.t, line.keyFp);
        return [];
      case 'node-key':
        if (typeof line.keyFp === 'string' && this.nodeKeys[line.server] !== line.keyFp) {
          this.nodeKeys[line.server] = line.keyFp;
          this.pushKey(line.t);
        }
        return [];
      case 'rekey-started':
        this.rekeyRunning = true;
        this.rekeyIsAudit = this.isAudit(line.t);
        return at(this.rekeyIsAudit ? 'vault-audit-started' : 'vault-rekey-started');
      case 'rekey-progress': {
        const progress = Number(line.progress);
        return !this.rekeyIsAudit && (progress === 1 || progress === 2) ? at(`vault-auth-progress-${progress}`) : [];
      }
      case 'rekey-auth-complete':
        return at(this.rekeyIsAudit ? 'vault-audit-complete' : 'vault-auth-complete');
      case 'verify-progress': {
        const progress = Number(line.progress);
        return progress === 1 || progress === 2 ? at(`vault-verify-progress-${progress}`) : [];
      }
      case 'rotated':
        this.rekeyRunning = false;
        this.setClusterKey(line.t, line.keyFp);
        return at('vault-rotated', { keyFp: line.keyFp });
      case 'rekey-cancelled': {
        const wasAudit = this.rekeyIsAudit;
        this.rekeyRunning = false;
        this.rekeyIsAudit = false;
        // an audit's cancel is its normal end, not an abandoned rekey
        return wasAudit ? [] : at('vault-rekey-cancelled', { reason: line.reason });
      }
      case 'active': {
        const previous = this.active;
        this.active = line.server;
        // a new active holds no rekey state: Vault keeps a rekey in the old active's memory only
        this.rekeyRunning = false;
        return previous !== undefined && previous !== line.server ? at('vault-active-changed', { previous }) : [];
      }
      case 'started':
        return at('vault-sealed', { cause: 'start' });
      case 'sealed':
        return at('vault-sealed', { cause: 'seal' });
      case 'unseal-progress': {
        const name = `vault-unseal-progress-${Number(line.progress)}`;
        return isMilestoneEvent(name) ? at(name) : [];
      }
      case 'unseal-rejected':
        return at('vault-unseal-rejected');
      case 'unsealed':
        return at('vault-unsealed');
      default:
        return [];
    }
  }

  private setClusterKey(t: number, keyFp: unknown): void {
    if (typeof keyFp !== 'string' || keyFp === this.clusterKey) return;
    this.clusterKey = keyFp;
    this.pushKey(t);
  }

  private pushKey(t: number): void {
    if (this.clusterKey === undefined) return;
    const entry: KeyInEffect = { t, keyFp: this.clusterKey };
    if (Object.keys(this.nodeKeys).length > 0) entry.servers = { ...this.nodeKeys };
    this.keys.push(entry);
  }
}

/** Tailer + interpreter: feed file in, Vault milestone events and the key history out. */
export class FeedObserver {
  private readonly tailer: FeedTailer;
  private readonly interpreter: FeedInterpreter;
  private readonly listeners = new Set<(event: TimelineEvent) => void>();

  constructor(options: FeedObserverOptions) {
    this.tailer = new FeedTailer({ path: options.path, pollMs: options.pollMs });
    this.interpreter = new FeedInterpreter(options.isAudit);
    this.tailer.onLine((line) => {
      for (const event of this.interpreter.interpret(line)) for (const l of this.listeners) l(event);
    });
  }

  onEvent(listener: (event: TimelineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): Promise<void> {
    return this.tailer.start();
  }

  async stop(): Promise<void> {
    await this.tailer.flush();
    await this.tailer.stop();
  }

  flush(): Promise<void> {
    return this.tailer.flush();
  }

  keyHistory(): KeyInEffect[] {
    return this.interpreter.keyHistory();
  }

  badLines(): number {
    return this.tailer.badLines;
  }
}
