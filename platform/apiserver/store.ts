/**
 * In-memory object store of the embedded API server: objects of every
 * served resource (kinds/), namespaced ones keyed by namespace and name,
 * cluster-scoped ones (namespaces) by name; one global monotonically increasing
 * resourceVersion (like etcd's revision), and a bounded ring of watch history
 * so a watch resumes from any retained version; anything older is 410 Gone.
 *
 * Everything is synchronous and single-threaded: a write commits, appends to
 * history and queues its event before the call returns. Watch callbacks are
 * delivered from a queue so that a callback that itself writes cannot reorder
 * events for other watchers. Objects handed out are deep copies.
 *
 * The store validates every write (the kind's `prepare`, names, labels), but
 * the checks of the API path (admission.ts: namespace existence, decoding,
 * no pods from clients) are not its job: the node agent writes here directly.
 */
import { randomUUID, randomBytes } from 'node:crypto';
import { nowMs } from '../../common/clock.js';
import { builtinResources } from './kinds/index.js';
import { checkLabels, checkName, normalizeInput } from './object-meta.js';
import { sameJson, type KubeObject, type ResourceDef } from './resources.js';
import { parseFieldSelector, parseLabelSelector } from './selectors.js';
import { ApiError, alreadyExists, badRequest, conflict, gone, invalid, notFound } from './status.js';

export type { KubeObject, ObjectMeta, ResourceDef } from './resources.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';
export interface WatchEvent {
  type: WatchEventType;
  object: KubeObject;
}

export interface SelectorOptions {
  labelSelector?: string;
  fieldSelector?: string;
}
export interface WatchOptions extends SelectorOptions {
  /** Resume after this version; undefined or "0" means "current state first" (synthetic ADDED events). */
  resourceVersion?: string;
}
export interface UpdateOptions {
  /** Optimistic concurrency: 409 Conflict unless the stored object has this resourceVersion. */
  expectedResourceVersion?: string;
}
export interface StoreOptions {
  /** Watch history events retained (default 2000). */
  historySize?: number;
  /**
   * Namespaces that exist from the start besides `default` and `kube-system`
   * (default: the harness's default namespace, `vault`). The daemon passes
   * its cluster's namespace.
   */
  namespaces?: string[];
  /**
   * Called inside every commit, before its watch events go out and before the
   * write returns (commit-feed.ts records secrets' instants for the harness).
   * A throwing hook is ignored: it must not change what the API answers.
   */
  onCommit?: (commit: CommitRecord) => void;
}

/** One committed change: what the store's watch event says, plus the instant (common/clock.ts nowMs) of the commit. */
export interface CommitRecord {
  t: number;
  rv: string;
  resource: string;
  type: WatchEventType;
  namespace?: string;
  name: string;
}

/** The namespace the harness deploys to unless told otherwise (docs/architecture.md, "Names and defaults"). */
export const DEFAULT_NAMESPACE = 'vault';

/**
 * Called by a pod DELETE through the API (see `requestDelete`) instead of
 * removing the pod: the node agent stops the containers and then calls
 * `store.delete` to confirm, as a kubelet does. `gracePeriodSeconds` is the
 * one the client asked for (undefined = the pod's own).
 */
export type DeleteHandler = (obj: KubeObject, gracePeriodSeconds: number | undefined) => void;

interface HistoryEntry {
  rv: number;
  resource: string;
  type: WatchEventType;
  object: KubeObject;
  /** The object before a MODIFIED, so selector watchers can see it leave or enter their set. */
  previous?: KubeObject;
}

interface Watcher {
  resource: string;
  namespace: string | undefined;
  labels: ReturnType<typeof parseLabelSelector>;
  fields: ReturnType<typeof parseFieldSelector>;
  onEvent: (event: WatchEvent) => void;
  /** Highest rv delivered; guards against a replay overlapping the pending queue. */
  lastRv: number;
  stopped: boolean;
}

const clone = <T>(v: T): T => structuredClone(v);
const keyOf = (ns: string, name: string) => `${ns}/${name}`;

export class ObjectStore {
  private readonly defs = new Map<string, ResourceDef>();
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private readonly history: HistoryEntry[] = [];
  private readonly historySize: number;
  private readonly watchers = new Set<Watcher>();
  private readonly deleteHandlers = new Map<string, DeleteHandler>();
  private readonly pending: Array<{ entry: HistoryEntry }> = [];
  private draining = false;
  private rv = 0;
  /** Versions at or below this are no longer fully covered by history. */
  private compactedRv = 0;
  private readonly onCommit: StoreOptions['onCommit'];

  constructor(options: StoreOptions = {}) {
    this.onCommit = options.onCommit;
    this.historySize = Math.max(1, options.historySize ?? 2000);
    for (const def of builtinResources) this.registerResource(def);
    for (const ns of new Set(['default', 'kube-system', ...(options.namespaces ?? [DEFAULT_NAMESPACE])])) this.create('namespaces', { metadata: { name: ns } });
  }

  /** Adds a resource type (kinds/index.ts lists the built-in ones). */
  registerResource(def: ResourceDef): void {
    this.defs.set(def.name, def);
    if (!this.objects.has(def.name)) this.objects.set(def.name, new Map());
  }

  /** The resource definition, or 404 for a resource this server does not serve. */
  resource(name: string): ResourceDef {
    const def = this.defs.get(name);
    if (!def) throw new ApiError(404, 'NotFound', `the server could not find the requested resource (resource "${name}")`);
    return def;
  }

  resources(): ResourceDef[] {
    return [...this.defs.values()];
  }

  /** The latest resourceVersion issued, as Kubernetes' decimal string. */
  currentResourceVersion(): string {
    return String(this.rv);
  }

  create(resource: string, input: unknown): KubeObject {
    const def = this.resource(resource);
    const obj = normalizeInput(def, input);
    const meta = obj.metadata;
    if ((meta.name === undefined || meta.name === '') && typeof meta.generateName === 'string' && meta.generateName !== '')
      meta.name = meta.generateName + randomBytes(4).toString('hex').slice(0, 5);
    checkName(def, meta.name);
    if (def.namespaced) {
      meta.namespace = meta.namespace || 'default';
      checkName(def, meta.namespace, 'metadata.namespace');
    } else {
      delete (meta as { namespace?: string }).namespace;
    }
    const table = this.objects.get(resource)!;
    const key = this.keyFor(def, meta.namespace, meta.name);
    if (table.has(key)) throw alreadyExists(resource, meta.name);
    def.prepare(obj, undefined, this.peers(resource));
    checkLabels(def, obj);
    meta.uid = randomUUID();
    meta.creationTimestamp = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    meta.resourceVersion = String(++this.rv);
    table.set(key, obj);
    this.record({ rv: this.rv, resource, type: 'ADDED', object: clone(obj) });
    return clone(obj);
  }

  /** One object; `namespace` is ignored for cluster-scoped resources (pass ''). */
  get(resource: string, namespace: string, name: string): KubeObject {
    const def = this.resource(resource);
    const obj = this.objects.get(resource)!.get(this.keyFor(def, namespace, name));
    if (!obj) throw notFound(resource, name);
    return clone(obj);
  }

  /** Items sorted by namespace then name (as etcd keys sort), plus the list's resourceVersion. */
  list(resource: string, namespace: string | undefined, options: SelectorOptions = {}): { items: KubeObject[]; resourceVersion: string } {
    const def = this.resource(resource);
    const labels = parseLabelSelector(options.labelSelector);
    const fields = parseFieldSelector(options.fieldSelector, def.fields, resource);
    const items = [...this.objects.get(resource)!.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, o]) => o)
      .filter((o) => (namespace === undefined || !def.namespaced || o.metadata.namespace === namespace) && labels.matches(o.metadata.labels) && fields.matches(o))
      .map(clone);
    return { items, resourceVersion: this.currentResourceVersion() };
  }

  /**
   * Replaces an object with `mutate(copy)` (or the copy mutated in place).
   * Identity fields (name, namespace, uid, creationTimestamp) are kept; a
   * write that changes nothing keeps the old resourceVersion and emits no
   * event, as a real API server does.
   */
  update(
    resource: string,
    namespace: string,
    name: string,
    mutate: (current: KubeObject) => KubeObject | void,
    options: UpdateOptions = {},
  ): KubeObject {
    const def = this.resource(resource);
    const table = this.objects.get(resource)!;
    const key = this.keyFor(def, namespace, name);
    const current = table.get(key);
    if (!current) throw notFound(resource, name);
    const expected = options.expectedResourceVersion;
    if (expected !== undefined && expected !== '' && expected !== current.metadata.resourceVersion)
      throw conflict(resource, name, 'the object has been modified; please apply your changes to the latest version and try again');
    const draft = clone(current);
    const next = normalizeInput(def, mutate(draft) ?? draft);
    const meta = next.metadata;
    if (meta.name !== undefined && meta.name !== name) throw invalid(def.kind, name, 'metadata.name', 'Invalid value: field is immutable');
    if (def.namespaced && meta.namespace !== undefined && meta.namespace !== '' && meta.namespace !== namespace)
      throw badRequest(`the namespace of the provided object does not match the namespace sent on the request`);
    meta.name = name;
    if (def.namespaced) meta.namespace = namespace;
    else delete (meta as { namespace?: string }).namespace;
    meta.uid = current.metadata.uid;
    meta.creationTimestamp = current.metadata.creationTimestamp;
    def.prepare(next, current, this.peers(resource));
    checkLabels(def, next);
    meta.resourceVersion = current.metadata.resourceVersion;
    if (sameJson(next, current)) return clone(current);
    meta.resourceVersion = String(++this.rv);
    table.set(key, next);
    this.record({ rv: this.rv, resource, type: 'MODIFIED', object: clone(next), previous: clone(current) });
    return clone(next);
  }

  /** Removes an object now (the DELETED event carries a fresh resourceVersion). Returns the removed object. */
  delete(resource: string, namespace: string, name: string): KubeObject {
    const def = this.resource(resource);
    const table = this.objects.get(resource)!;
    const key = this.keyFor(def, namespace, name);
    const current = table.get(key);
    if (!current) throw notFound(resource, name);
    table.delete(key);
    const gone = clone(current);
    gone.metadata.resourceVersion = String(++this.rv);
    this.record({ rv: this.rv, resource, type: 'DELETED', object: clone(gone) });
    return gone;
  }

  /** Lets the owner of a resource (the node agent for pods) take over API deletes of it. */
  setDeleteHandler(resource: string, handler: DeleteHandler | undefined): void {
    this.resource(resource);
    if (handler) this.deleteHandlers.set(resource, handler);
    else this.deleteHandlers.delete(resource);
  }

  /** Shorthand for `setDeleteHandler('pods', handler)`. */
  setPodDeleteHandler(handler: DeleteHandler | undefined): void {
    this.setDeleteHandler('pods', handler);
  }

  /**
   * A delete as the API receives it. Without a handler the object goes at
   * once. With one (pods), Kubernetes semantics: `gracePeriodSeconds === 0`
   * removes the object from the API immediately; otherwise the object gets
   * `deletionTimestamp` and `deletionGracePeriodSeconds` (a MODIFIED event)
   * and stays until the handler's owner calls `delete`. The handler is called
   * in both cases (the processes must stop either way), after the store
   * change, so it must tolerate a later `delete` answering 404.
   */
  requestDelete(resource: string, namespace: string, name: string, gracePeriodSeconds?: number): KubeObject {
    if (gracePeriodSeconds !== undefined && (!Number.isInteger(gracePeriodSeconds) || gracePeriodSeconds < 0))
      throw badRequest(`gracePeriodSeconds must be a non-negative integer, got ${gracePeriodSeconds}`);
    const handler = this.deleteHandlers.get(resource);
    if (!handler) return this.delete(resource, namespace, name);
    const current = this.get(resource, namespace, name);
    let result: KubeObject;
    if (gracePeriodSeconds === 0) {
      result = this.delete(resource, namespace, name);
    } else {
      const spec = (current.spec ?? {}) as { terminationGracePeriodSeconds?: unknown };
      const podGrace = typeof spec.terminationGracePeriodSeconds === 'number' ? spec.terminationGracePeriodSeconds : 30;
      const grace = gracePeriodSeconds ?? podGrace;
      const already = current.metadata.deletionGracePeriodSeconds;
      result = this.update(resource, namespace, name, (o) => {
        o.metadata.deletionTimestamp ??= new Date(Date.now() + grace * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
        // A second delete may shorten the grace period, never lengthen it.
        o.metadata.deletionGracePeriodSeconds = already === undefined ? grace : Math.min(already, grace);
      });
    }
    handler(clone(result), gracePeriodSeconds);
    return result;
  }

  /**
   * Streams events of `resource` (in `namespace`, or all) to `onEvent`.
   * With a resourceVersion: replays retained history after it, then live
   * events; 410 Gone (thrown) if history no longer reaches back that far.
   * Without one (or "0"): synthetic ADDED for current matching objects, then
   * live events. Selector watchers see an object that stops matching as
   * DELETED and one that starts matching as ADDED. Returns stop().
   */
  watch(resource: string, namespace: string | undefined, options: WatchOptions, onEvent: (event: WatchEvent) => void): () => void {
    const def = this.resource(resource);
    const watcher: Watcher = {
      resource,
      namespace,
      labels: parseLabelSelector(options.labelSelector),
      fields: parseFieldSelector(options.fieldSelector, def.fields, resource),
      onEvent,
      lastRv: 0,
      stopped: false,
    };
    const from = options.resourceVersion;
    if (from === undefined || from === '' || from === '0') {
      const snapshot = this.list(resource, namespace, options);
      watcher.lastRv = this.rv;
      for (const object of snapshot.items) this.safeDeliver(watcher, { type: 'ADDED', object });
    } else {
      if (!/^\d+$/.test(from)) throw badRequest(`invalid resourceVersion "${from}": must be a decimal number`);
      const start = Number(from);
      if (start < this.compactedRv) throw gone(from, this.compactedRv);
      watcher.lastRv = start;
      for (const entry of this.history) if (entry.rv > start) this.deliver(watcher, entry);
    }
    this.watchers.add(watcher);
    return () => {
      watcher.stopped = true;
      this.watchers.delete(watcher);
    };
  }

  /** Drops all watch history: any watch from an older version now gets 410 Gone. */
  compact(): void {
    this.history.length = 0;
    this.compactedRv = this.rv;
  }

  /** Oldest version a watch may resume from (for diagnostics and tests). */
  oldestResumableVersion(): string {
    return String(this.compactedRv);
  }

  // --- internals ---------------------------------------------------------

  private record(entry: HistoryEntry): void {
    const meta = entry.object.metadata;
    try {
      this.onCommit?.({ t: nowMs(), rv: String(entry.rv), resource: entry.resource, type: entry.type, ...(meta.namespace ? { namespace: meta.namespace } : {}), name: meta.name });
    } catch {
      // an observer's trouble is not the client's
    }
    this.history.push(entry);
    if (this.history.length > this.historySize) {
      const evicted = this.history.splice(0, this.history.length - this.historySize);
      this.compactedRv = evicted[evicted.length - 1]!.rv;
    }
    this.pending.push({ entry });
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.pending.length > 0) {
        const { entry: next } = this.pending.shift()!;
        for (const w of [...this.watchers]) this.deliver(w, next);
      }
    } finally {
      this.draining = false;
    }
  }

  private deliver(w: Watcher, entry: HistoryEntry): void {
    if (w.stopped || entry.resource !== w.resource || entry.rv <= w.lastRv) return;
    if (w.namespace !== undefined && entry.object.metadata.namespace !== undefined && entry.object.metadata.namespace !== w.namespace) return;
    w.lastRv = entry.rv;
    const matches = (o: KubeObject) => w.labels.matches(o.metadata.labels) && w.fields.matches(o);
    const nowIn = matches(entry.object);
    if (entry.type === 'MODIFIED' && entry.previous) {
      const wasIn = matches(entry.previous);
      if (wasIn && !nowIn) return this.safeDeliver(w, { type: 'DELETED', object: clone(entry.object) });
      if (!wasIn && nowIn) return this.safeDeliver(w, { type: 'ADDED', object: clone(entry.object) });
    }
    if (nowIn) this.safeDeliver(w, { type: entry.type, object: clone(entry.object) });
  }

  /** A throwing callback must not break delivery to the others: it only loses its own watch. */
  private safeDeliver(w: Watcher, event: WatchEvent): void {
    try {
      w.onEvent(event);
    } catch {
      w.stopped = true;
      this.watchers.delete(w);
    }
  }

  private keyFor(def: ResourceDef, namespace: string, name: string): string {
    return def.namespaced ? keyOf(namespace, name) : keyOf('', name);
  }

  /** The stored objects of a resource, for validation across them (prepare's `peers`). */
  private peers(resource: string): () => KubeObject[] {
    return () => [...this.objects.get(resource)!.values()].map(clone);
  }
}
