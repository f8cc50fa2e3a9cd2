/**
 * The API server's harness-only commit feed: one JSON line per committed
 * change of the watched resources (secrets), stamped with the commit's
 * instant (`nowMs()` of common/clock.ts, the clock the Vault double stamps
 * its own feed with: epoch milliseconds of the same machine).
 *
 *   {"t":1763901234567.123,"rv":"812","type":"ADDED","resource":"secrets","namespace":"vault","name":"cluster-rekey-0"}
 *
 * Why a file and not a field on the watch: clients must see Kubernetes'
 * objects and events exactly, and the harness must learn when a change
 * happened, not when its event reached it (a busy machine delays the watch
 * by more than a manager step). The watch event's resourceVersion is the
 * join key. The line is written synchronously from the store's commit
 * (`StoreOptions.onCommit`), before the watch event is queued and before the
 * writer's answer, so a process killed right after a commit has it on disk
 * (in the kernel's page cache) and a watcher never sees an event before its
 * line. Real API servers have no such feed; nothing in the cluster reads it.
 */
import { mkdirSync, openSync, closeSync, writeSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { CommitRecord } from './store.js';

/** Where an embedded cluster's API server writes its commit feed. */
export function commitFeedPath(stateDir: string): string {
  return join(resolve(stateDir), 'apiserver', 'commits.jsonl');
}

export interface CommitFeedOptions {
  /** resources whose commits are written (default: secrets, the procedure's state) */
  resources?: string[];
  /** told of the first failed write (later ones are only counted) */
  onError?: (err: unknown) => void;
}

export class CommitFeed {
  private fd: number | undefined;
  private readonly resources: Set<string>;
  /** writes that failed (the commit itself stands) */
  failures = 0;

  /**
   * Starts an empty feed: resourceVersions restart with each API server, so a
   * line of an earlier one would join the wrong event.
   */
  constructor(
    readonly path: string,
    private readonly options: CommitFeedOptions = {},
  ) {
    this.resources = new Set(options.resources ?? ['secrets']);
    mkdirSync(dirname(this.path), { recursive: true });
    writeFileSync(this.path, '');
    this.fd = openSync(this.path, 'a');
  }

  /** The store's `onCommit` hook. */
  readonly write = (commit: CommitRecord): void => {
    if (this.fd === undefined || !this.resources.has(commit.resource)) return;
    try {
      writeSync(this.fd, JSON.stringify({ t: commit.t, rv: commit.rv, type: commit.type, resource: commit.resource, namespace: commit.namespace, name: commit.name }) + '\n');
    } catch (err) {
      if (this.failures++ === 0) this.options.onError?.(err);
    }
  };

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
