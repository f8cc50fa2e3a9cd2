/**
 * Deleting a namespace, as Kubernetes' namespace controller does it: the
 * namespace turns Terminating (no new content: admission.ts), everything in
 * it is deleted (pods through their delete handler, i.e. the node agent),
 * and the namespace object goes once nothing is left in it. `default`,
 * `kube-system` and `kube-public` may not be deleted.
 *
 * The node agent recreates the pods of its workloads wherever they live, so a
 * namespace holding the cluster's own workloads stays Terminating until those
 * workloads are removed.
 */
import { forbidden } from './status.js';
import type { KubeObject, ObjectStore } from './store.js';

const UNDELETABLE = new Set(['default', 'kube-system', 'kube-public']);

export class NamespaceLifecycle {
  private readonly stops: Array<() => void> = [];

  constructor(private readonly store: ObjectStore) {}

  /** Watches every namespaced resource so a Terminating namespace goes when its last object does. */
  start(): void {
    for (const def of this.store.resources()) {
      if (!def.namespaced) continue;
      this.stops.push(
        this.store.watch(def.name, undefined, {}, (e) => {
          if (e.type === 'DELETED') this.finishIfEmpty(e.object.metadata.namespace);
        }),
      );
    }
  }

  stop(): void {
    for (const stop of this.stops.splice(0)) stop();
  }

  /** The DELETE of a namespace: marks it Terminating, deletes its content, and removes it if that left it empty. */
  delete(name: string): KubeObject {
    if (UNDELETABLE.has(name)) throw forbidden(`namespaces "${name}" is forbidden: this namespace may not be deleted`, { name, kind: 'namespaces' });
    const marked = this.store.update('namespaces', '', name, (ns) => {
      ns.metadata.deletionTimestamp ??= new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
      ns.status = { phase: 'Terminating' };
    });
    for (const def of this.store.resources()) {
      if (!def.namespaced) continue;
      for (const o of this.store.list(def.name, name).items) {
        if (o.metadata.deletionTimestamp) continue;
        try {
          this.store.requestDelete(def.name, name, o.metadata.name);
        } catch {
          // Already gone (a delete handler may remove at once): nothing left to do for it.
        }
      }
    }
    this.finishIfEmpty(name);
    return marked;
  }

  private finishIfEmpty(namespace: string): void {
    let ns: KubeObject;
    try {
      ns = this.store.get('namespaces', '', namespace);
    } catch {
      return;
    }
    if ((ns.status as { phase?: string } | undefined)?.phase !== 'Terminating') return;
    for (const def of this.store.resources()) if (def.namespaced && this.store.list(def.name, namespace).items.length > 0) return;
    this.store.delete('namespaces', '', namespace);
  }
}
