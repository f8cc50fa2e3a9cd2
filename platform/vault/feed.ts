/**
 * The harness-only feed (JSONL, `VAULT_DOUBLE_FEED`): which key is in effect
 * and the rekey milestones, exactly as this server saw them. Real Vault has no
 * such thing; nothing in the double reads it back. Fingerprints only.
 */
import { appendFileSync } from 'node:fs';
import { nowMs } from '../../common/clock.js';

export type FeedEvent =
  | { event: 'key-in-effect'; keyFp: string; epoch: number }
  | { event: 'node-key'; keyFp: string }
  | { event: 'rekey-started'; audit: boolean }
  | { event: 'rekey-progress'; progress: number }
  | { event: 'rekey-auth-complete' }
  | { event: 'verify-progress'; progress: number }
  | { event: 'rotated'; keyFp: string }
  | { event: 'rekey-cancelled'; reason: 'delete' | 'active-lost' | 'sealed' | 'step-down' }
  | { event: 'active' }
  | { event: 'sealed' }
  /** the process serves its API; every process starts sealed */
  | { event: 'started' }
  /** sys/unseal accepted a new key share below the threshold: `progress` shares held now */
  | { event: 'unseal-progress'; progress: number; threshold: number }
  /** a threshold of shares was submitted and did not open the barrier (the set is wrong for this server) */
  | { event: 'unseal-rejected' }
  | { event: 'unsealed' };

export type FeedListener = (e: FeedEvent) => void;

export class Feed {
  private readonly path: string | undefined;
  private readonly server: string;
  private readonly listeners: FeedListener[] = [];
  constructor(path: string | undefined, server: string) {
    this.path = path && path.length > 0 ? path : undefined;
    this.server = server;
  }

  /**
   * In-process listeners of every event, called synchronously at the emit
   * (whether or not a feed file is written). Only harness-only extensions
   * listen (the gates of gates.ts); nothing that plays Vault may.
   */
  subscribe(listener: FeedListener): void {
    this.listeners.push(listener);
  }

  emit(e: FeedEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(e);
      } catch {
        // A listener's failure must not change what the server does.
      }
    }
    if (!this.path) return;
    // One write per line with O_APPEND keeps lines of concurrent servers whole.
    try {
      appendFileSync(this.path, JSON.stringify({ t: nowMs(), server: this.server, ...e }) + '\n');
    } catch {
      // The feed is an observer's aid; the server must not fail because of it.
    }
  }
}
