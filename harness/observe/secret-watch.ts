/**
 * A complete, ordered watch of the procedure's secrets in one namespace.
 *
 * List, then watch from the list's resourceVersion, remembering the newest
 * version seen. A stream that ends is resumed from that version, so nothing
 * is missed and nothing is delivered twice. When the server has compacted
 * past it (410 Gone), the watch re-lists, derives what changed while it was
 * blind (synthetic ADDED / MODIFIED / DELETED) and says so with a
 * `runner:watch-gap` event naming the versions involved: a blind spot is
 * reported, never papered over.
 *
 * Each change carries when the harness learned of it (`t`) and, given a
 * commit-instant source (the embedded API server's commit feed), when it was
 * committed (`committedAt`, joined by resourceVersion): the instant the
 * custody check compares with the Vault double's, however late the event came.
 *
 * Secret values stay in memory (`secrets()`); events carry names only. The
 * path from a watch line to the listeners is synchronous, because the runner's
 * milestone triggers hang off it.
 */
import * as k8s from '@kubernetes/client-node';
import { delay, nowMs } from '../../common/clock.js';
import { EnvironmentError } from '../../common/errors.js';
import type { TimelineEvent } from '../../common/record.js';
import { DATA_KEY, isProcedureSecret } from '../../common/secrets.js';
import type { CommitInstantSource } from './commit-instants.js';
import { diffSecretStates, isNotNewer, type KnownSecret } from './secret-diff.js';

export type SecretChangeType = 'LIST' | 'ADDED' | 'MODIFIED' | 'DELETED';

/** One change of the procedure's secrets, with the whole state after it (for the custody ledger). */
export interface SecretChange {
  /** when the harness learned of it */
  t: number;
  /**
   * when the API server committed it, from the commit-instant source; for the
   * initial list, an instant from which the listed state held. Absent without
   * a source, when the source does not know the version, and for synthetic changes
   * (a gap hides when, and in which order, the missed changes happened).
   */
  committedAt?: number;
  type: SecretChangeType;
  /** the secret concerned (absent for the initial list) */
  name?: string;
  /** what the ledger records as the cause: the milestone event name, `<name>-modified`, or `initial-list` */
  cause: string;
  /** true when derived from a re-list after a gap rather than seen on the watch */
  synthetic: boolean;
  resourceVersion?: string;
  /** procedure secret name → strdata after this change. Live view: copy what you keep. */
  secrets: ReadonlyMap<string, string>;
}

export interface SecretWatchOptions {
  kubeConfig: k8s.KubeConfig;
  namespace: string;
  /** pause before re-watching after a stream error (not after a clean end). Default 100 ms. */
  retryDelayMs?: number;
  /** commit instants of the changes (embedded: harness/observe/commit-instants.ts over the API server's commit feed) */
  commitInstants?: CommitInstantSource;
}

type Listener<T> = (value: T) => void;

export class SecretWatch {
  private readonly core: k8s.CoreV1Api;
  private readonly watcher: k8s.Watch;
  private readonly path: string;
  private readonly known = new Map<string, KnownSecret>();
  private readonly values = new Map<string, string>();
  private readonly changeListeners = new Set<Listener<SecretChange>>();
  private readonly eventListeners = new Set<Listener<TimelineEvent>>();
  private lastRv: string | undefined;
  private controller: AbortController | undefined;
  /** bumped at every (re)start, so callbacks of an abandoned stream are ignored */
  private generation = 0;
  private stopped = false;
  private gaps = 0;
  /** watched changes whose commit instant the source did not know */
  private commitMisses = 0;
  private restarts = 0;
  private lastError: string | undefined;
  private resyncing: Promise<void> | undefined;

  constructor(private readonly options: SecretWatchOptions) {
    this.core = options.kubeConfig.makeApiClient(k8s.CoreV1Api);
    this.watcher = new k8s.Watch(options.kubeConfig);
    this.path = `/api/v1/namespaces/${encodeURIComponent(options.namespace)}/secrets`;
  }

  /** Lists the namespace and starts watching; resolves once the initial state is known. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.relist('initial');
    await this.watchFromLastVersion();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.generation++;
    this.controller?.abort();
    this.controller = undefined;
    await this.resyncing?.catch(() => undefined);
  }

  /** The current procedure secrets (name → strdata). Live view, in memory only. */
  secrets(): ReadonlyMap<string, string> {
    return this.values;
  }

  /** The newest resourceVersion seen (list, event or bookmark). */
  resourceVersion(): string | undefined {
    return this.lastRv;
  }

  /** Gaps reported, stream restarts, changes without a commit instant (given a source), and the last stream error (for diagnostics). */
  stats(): { gaps: number; restarts: number; commitMisses: number; lastError?: string } {
    const base = { gaps: this.gaps, restarts: this.restarts, commitMisses: this.commitMisses };
    return this.lastError === undefined ? base : { ...base, lastError: this.lastError };
  }

  onChange(listener: Listener<SecretChange>): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** Timeline events: `<name>`, `<name>-deleted` (source `secret`) and `runner:watch-gap` (source `runner`). */
  onEvent(listener: Listener<TimelineEvent>): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  private async watchFromLastVersion(): Promise<void> {
    if (this.stopped) return;
    const generation = ++this.generation;
    const current = () => generation === this.generation && !this.stopped;
    const controller = await this.watcher.watch(
      this.path,
      { resourceVersion: this.lastRv, allowWatchBookmarks: true },
      (type: string, obj: unknown) => {
        if (current()) this.handleWatchEvent(type, obj);
      },
      (err: unknown) => {
        if (current()) this.handleStreamEnd(err);
      },
    );
    if (current()) this.controller = controller;
    else controller.abort();
  }

  private handleWatchEvent(type: string, obj: unknown): void {
    if (type === 'ERROR') {
      const status = obj as { code?: number; reason?: string } | undefined;
      if (status?.code === 410 || status?.reason === 'Expired' || status?.reason === 'Gone') this.startResync('watch ERROR 410 Gone');
      else this.restartWatch(true);
      return;
    }
    const secret = obj as k8s.V1Secret;
    const rv = secret?.metadata?.resourceVersion;
    if (type === 'BOOKMARK') {
      if (rv && !isNotNewer(rv, this.lastRv)) this.lastRv = rv;
      return;
    }
    if (type !== 'ADDED' && type !== 'MODIFIED' && type !== 'DELETED') return;
    // A resumed stream starts strictly after lastRv; this guards against a server that repeats itself.
    if (rv && isNotNewer(rv, this.lastRv)) return;
    if (rv) this.lastRv = rv;
    const name = secret.metadata?.name;
    if (!name || !isProcedureSecret(name)) return;
    if (type === 'DELETED') this.applyDeleted(name, rv, false);
    else this.applyUpsert(toKnown(secret), type, false);
  }

  private handleStreamEnd(err: unknown): void {
    const code = (err as { statusCode?: number; code?: number } | null)?.statusCode;
    if (err !== null && err !== undefined) this.lastError = err instanceof Error ? err.message : String(err);
    if (code === 410) this.startResync('watch request 410 Gone');
    else this.restartWatch(err !== null && err !== undefined);
  }

  private restartWatch(afterError: boolean): void {
    this.generation++;
    this.controller?.abort();
    this.controller = undefined;
    this.restarts++;
    const pause = afterError ? delay(this.options.retryDelayMs ?? 100) : Promise.resolve();
    pause.then(() => this.watchFromLastVersion()).catch(() => this.restartWatch(true));
  }

  private startResync(reason: string): void {
    this.generation++;
    this.controller?.abort();
    this.controller = undefined;
    const run = async () => {
      await this.relist(reason);
      await this.watchFromLastVersion();
    };
    this.resyncing = run().catch(async () => {
      if (this.stopped) return;
      await delay(this.options.retryDelayMs ?? 100);
      this.startResync(reason);
    });
  }

  /** Lists the namespace; after the initial list, reports a gap and the differences found. */
  private async relist(reason: string): Promise<void> {
    let list: k8s.V1SecretList;
    const sentAt = nowMs();
    try {
      list = await this.core.listNamespacedSecret({ namespace: this.options.namespace });
    } catch (err) {
      throw new EnvironmentError(`cannot list secrets in namespace ${this.options.namespace}`, { namespace: this.options.namespace, reason }, { cause: err });
    }
    if (this.stopped) return;
    const listed = new Map<string, KnownSecret>();
    for (const item of list.items) {
      const name = item.metadata?.name;
      if (name && isProcedureSecret(name)) listed.set(name, toKnown(item));
    }
    const previousRv = this.lastRv;
    const relistRv = list.metadata?.resourceVersion;
    this.lastRv = relistRv ?? this.lastRv;
    if (reason === 'initial') {
      for (const [name, s] of listed) {
        this.known.set(name, s);
        this.values.set(name, s.strdata);
      }
      const committedAt = this.listedSince(sentAt, relistRv);
      this.emitChange({ t: nowMs(), ...(committedAt !== undefined ? { committedAt } : {}), type: 'LIST', cause: 'initial-list', synthetic: false, resourceVersion: relistRv, secrets: this.values });
      return;
    }
    this.gaps++;
    const diff = diffSecretStates(this.known, listed);
    this.emitEvent({
      t: nowMs(),
      name: 'runner:watch-gap',
      source: 'runner',
      detail: {
        reason,
        lastVersion: previousRv,
        relistVersion: relistRv,
        missedAdded: diff.added.map((s) => s.name),
        missedDeleted: diff.deleted,
        missedModified: diff.modified.map((s) => s.name),
      },
    });
    for (const name of diff.deleted) this.applyDeleted(name, relistRv, true);
    for (const s of diff.added) this.applyUpsert(s, 'ADDED', true);
    for (const s of diff.modified) this.applyUpsert(s, 'MODIFIED', true);
  }

  private applyUpsert(secret: KnownSecret, type: 'ADDED' | 'MODIFIED', synthetic: boolean): void {
    const before = this.known.get(secret.name);
    this.known.set(secret.name, secret);
    this.values.set(secret.name, secret.strdata);
    const t = nowMs();
    const committedAt = this.commitInstantOf(secret.resourceVersion, synthetic);
    // An ADDED for a name we already hold (a missed delete + create) is still a creation milestone.
    const isCreation = type === 'ADDED' || before === undefined;
    const cause = isCreation ? secret.name : `${secret.name}-modified`;
    if (isCreation) this.emitEvent({ t, name: secret.name, source: 'secret', detail: detailOf(secret.resourceVersion, synthetic, committedAt) });
    this.emitChange({ t, ...(committedAt !== undefined ? { committedAt } : {}), type: isCreation ? 'ADDED' : 'MODIFIED', name: secret.name, cause, synthetic, resourceVersion: secret.resourceVersion, secrets: this.values });
  }

  private applyDeleted(name: string, rv: string | undefined, synthetic: boolean): void {
    if (!this.known.has(name)) return;
    this.known.delete(name);
    this.values.delete(name);
    const t = nowMs();
    const committedAt = this.commitInstantOf(rv, synthetic);
    const event = `${name}-deleted`;
    this.emitEvent({ t, name: event, source: 'secret', detail: detailOf(rv, synthetic, committedAt) });
    this.emitChange({ t, ...(committedAt !== undefined ? { committedAt } : {}), type: 'DELETED', name, cause: event, synthetic, resourceVersion: rv, secrets: this.values });
  }

  /** The commit instant of a watched change; none for a synthetic one, whose real instant and order the gap hid. */
  private commitInstantOf(rv: string | undefined, synthetic: boolean): number | undefined {
    const source = this.options.commitInstants;
    if (!source || synthetic) return undefined;
    const t = rv === undefined ? undefined : source.instantOf(rv);
    if (t === undefined) this.commitMisses++;
    return t;
  }

  /**
   * From when the listed state held: the commit that made it (the namespace's newest
   * secret change at or before the list's version), or, when that was before the list
   * request was sent, the sending. Every later change commits after the list was served,
   * so entries stay in commit order.
   */
  private listedSince(sentAt: number, listRv: string | undefined): number | undefined {
    const source = this.options.commitInstants;
    if (!source || listRv === undefined) return undefined;
    const last = source.latestAtOrBefore(this.options.namespace, listRv);
    return last === undefined ? sentAt : Math.max(sentAt, last);
  }

  private emitEvent(event: TimelineEvent): void {
    for (const listener of this.eventListeners) listener(event);
  }

  private emitChange(change: SecretChange): void {
    for (const listener of this.changeListeners) listener(change);
  }
}

function detailOf(resourceVersion: string | undefined, synthetic: boolean, committedAt: number | undefined): Record<string, unknown> {
  if (synthetic) return { resourceVersion, synthetic: true };
  return committedAt === undefined ? { resourceVersion } : { resourceVersion, committedAt };
}

function toKnown(secret: k8s.V1Secret): KnownSecret {
  const encoded = secret.data?.[DATA_KEY];
  const plain = secret.stringData?.[DATA_KEY];
  return {
    name: secret.metadata?.name ?? '',
    uid: secret.metadata?.uid,
    resourceVersion: secret.metadata?.resourceVersion,
    strdata: encoded !== undefined ? Buffer.from(encoded, 'base64').toString('utf8') : (plain ?? ''),
  };
}
