/**
 * When each secret change was committed, from the embedded API server's
 * harness-only commit feed (platform/apiserver/commit-feed.ts: JSON lines
 * `{t, rv, type, resource, namespace, name}`), joined to watch events by
 * their resourceVersion.
 *
 * Why: a watch event reaches the harness some time after its commit (a
 * loaded machine delays it by more than a manager step), while the Vault
 * double stamps its key feed at its own commit. Exact I1 compares the two,
 * so both sides must be commit instants; both are `nowMs()` of
 * common/clock.ts, epoch milliseconds of the same machine.
 *
 * Read synchronously, on demand: the API server writes a line before it
 * queues the event, so the line of an event that has arrived is already in
 * the file, and the secret watch's path to its listeners stays synchronous.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** The commit instants a secret watch joins to its events. */
export interface CommitInstantSource {
  /** the commit instant of the change with this resourceVersion, if known */
  instantOf(resourceVersion: string): number | undefined;
  /** the instant of the newest secret change in `namespace` at or before `resourceVersion`, if any (when a listed state began) */
  latestAtOrBefore(namespace: string, resourceVersion: string): number | undefined;
}

interface Commit {
  t: number;
  rv: number;
  namespace: string | undefined;
  name: string | undefined;
  type: string | undefined;
}

export class CommitFeedReader implements CommitInstantSource {
  private offset = 0;
  private remainder = '';
  private readonly byRv = new Map<string, Commit>();
  private readonly commits: Commit[] = [];
  /** complete lines that were not a commit object (counted, never fatal) */
  badLines = 0;

  constructor(readonly path: string) {}

  instantOf(resourceVersion: string): number | undefined {
    if (!this.byRv.has(resourceVersion)) this.catchUp();
    return this.byRv.get(resourceVersion)?.t;
  }

  latestAtOrBefore(namespace: string, resourceVersion: string): number | undefined {
    this.catchUp();
    const rv = Number(resourceVersion);
    for (let i = this.commits.length - 1; i >= 0; i--) {
      const c = this.commits[i]!;
      if (c.rv <= rv && c.namespace === namespace) return c.t;
    }
    return undefined;
  }

  /**
   * Whether the secret existed at instant `t` by the commits (its last create/update/delete at or
   * before `t`). Answers for a moment the watch may not have delivered yet: the API server writes
   * each line at commit, so every commit before `t` is in the file once something stamped `t` is seen.
   */
  existedAt(namespace: string, name: string, t: number): boolean {
    this.catchUp();
    for (let i = this.commits.length - 1; i >= 0; i--) {
      const c = this.commits[i]!;
      if (c.t <= t && c.namespace === namespace && c.name === name) return c.type !== 'DELETED';
    }
    return false;
  }

  /** Reads what the file has gained since the last read; a shorter file is a new API server's feed, read afresh. */
  private catchUp(): void {
    let fd: number;
    try {
      fd = openSync(this.path, 'r');
    } catch {
      return; // not written yet: nothing is known
    }
    try {
      const size = fstatSync(fd).size;
      if (size < this.offset) this.reset();
      if (size === this.offset) return;
      const buf = Buffer.alloc(size - this.offset);
      const n = readSync(fd, buf, 0, buf.length, this.offset);
      this.offset += n;
      const text = this.remainder + buf.subarray(0, n).toString('utf8');
      const lines = text.split('\n');
      // A line without its newline yet is mid-write: kept for the next read.
      this.remainder = lines.pop() ?? '';
      for (const line of lines) if (line !== '') this.add(line);
    } finally {
      closeSync(fd);
    }
  }

  private add(line: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      this.badLines++;
      return;
    }
    const { t, rv, namespace, name, type } = (parsed ?? {}) as { t?: unknown; rv?: unknown; namespace?: unknown; name?: unknown; type?: unknown };
    if (typeof t !== 'number' || typeof rv !== 'string' || !/^\d+$/.test(rv)) {
      this.badLines++;
      return;
    }
    const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
    const commit: Commit = { t, rv: Number(rv), namespace: text(namespace), name: text(name), type: text(type) };
    this.byRv.set(rv, commit);
    this.commits.push(commit);
  }

  private reset(): void {
    this.offset = 0;
    this.remainder = '';
    this.byRv.clear();
    this.commits.length = 0;
  }
}
