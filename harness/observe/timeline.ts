/**
 * One ordered timeline of a run, merged from the secret watch, the Vault
 * observers, the faults and the runner.
 *
 * Vault facts come from exactly one source: the double's feed when it
 * exists (exact), the status poller otherwise. Events of the other Vault
 * source are dropped here, so the same fact is never on the timeline twice.
 *
 * Stored events are ordered by their own timestamps (each source stamps with
 * nowMs() when it learns the fact; the feed with the double's instant), so
 * `events()` is monotonic even when a feed line is read a little after a
 * later secret event. Listeners get events as they arrive, synchronously.
 */
import { TimeoutError } from '../../common/errors.js';
import type { TimelineEvent } from '../../common/record.js';

export type VaultSource = 'vault-feed' | 'vault-poll';

export interface WaitOptions {
  /** the n-th matching event (1-based); default 1 */
  occurrence?: number;
  /** only events with t ≥ after count */
  after?: number;
  signal?: AbortSignal;
  timeoutMs?: number;
}

interface Subscribable {
  onEvent(listener: (event: TimelineEvent) => void): () => void;
}

export class Timeline {
  private readonly list: TimelineEvent[] = [];
  private readonly listeners = new Set<(event: TimelineEvent) => void>();
  private readonly detach: (() => void)[] = [];

  constructor(private readonly vaultSource: VaultSource) {}

  /** Subscribes to an observer (secret watch, feed observer, poller); events of the non-chosen Vault source are dropped. */
  attach(source: Subscribable): void {
    this.detach.push(source.onEvent((event) => this.add(event)));
  }

  close(): void {
    for (const off of this.detach.splice(0)) off();
  }

  /** Adds an event (faults and runner events come in here directly). Returns false when it was dropped. */
  add(event: TimelineEvent): boolean {
    if ((event.source === 'vault-feed' || event.source === 'vault-poll') && event.source !== this.vaultSource) return false;
    let i = this.list.length;
    while (i > 0 && this.list[i - 1]!.t > event.t) i--;
    this.list.splice(i, 0, event);
    for (const listener of this.listeners) listener(event);
    return true;
  }

  /** The events so far, ordered by t (a copy). */
  events(): TimelineEvent[] {
    return [...this.list];
  }

  on(listener: (event: TimelineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Matching events already on the timeline, in order. */
  find(name: string, after = -Infinity): TimelineEvent[] {
    return this.list.filter((e) => e.name === name && e.t >= after);
  }

  /** Resolves with the `occurrence`-th event named `name` (counting those already seen), or rejects on timeout / abort. */
  waitFor(name: string, options: WaitOptions = {}): Promise<TimelineEvent> {
    const occurrence = options.occurrence ?? 1;
    const after = options.after ?? -Infinity;
    const already = this.find(name, after);
    if (already.length >= occurrence) return Promise.resolve(already[occurrence - 1]!);
    return new Promise((resolve, reject) => {
      let seen = already.length;
      let timer: NodeJS.Timeout | undefined;
      const cleanup = () => {
        off();
        if (timer) clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        cleanup();
        reject(options.signal!.reason);
      };
      const off = this.on((event) => {
        if (event.name !== name || event.t < after) return;
        if (++seen < occurrence) return;
        cleanup();
        resolve(event);
      });
      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      if (options.timeoutMs !== undefined) {
        timer = setTimeout(() => {
          cleanup();
          reject(new TimeoutError(`${name}${occurrence > 1 ? ` (occurrence ${occurrence})` : ''}`, options.timeoutMs!, { seen }));
        }, options.timeoutMs);
      }
    });
  }
}
