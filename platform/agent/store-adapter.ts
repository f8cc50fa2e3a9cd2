/**
 * Connects the agent to the embedded API server's ObjectStore
 * (platform/apiserver/store.ts): the narrow PodStorePort the agent
 * writes through, and the store's pod delete hook routed to the agent.
 */
import type { KubeObject, ObjectStore } from '../apiserver/store.js';
import type { NodeAgent } from './agent.js';
import type { PodObject, PodStorePort } from './types.js';

function isNotFound(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 404;
}

export function podStoreOf(store: ObjectStore): PodStorePort {
  const current = (namespace: string, name: string): KubeObject | undefined => {
    try {
      return store.get('pods', namespace, name);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  };
  return {
    createPod: (pod) => store.create('pods', pod) as unknown as PodObject,
    updatePod(namespace, name, uid, mutate) {
      if (current(namespace, name)?.metadata.uid !== uid) return;
      store.update('pods', namespace, name, (obj) => {
        mutate(obj as unknown as PodObject);
      });
    },
    removePod(namespace, name, uid) {
      if (current(namespace, name)?.metadata.uid !== uid) return;
      store.delete('pods', namespace, name);
    },
    getPod: (namespace, name) => current(namespace, name) as unknown as PodObject | undefined,
    listPods: (namespace) => store.list('pods', namespace).items as unknown as PodObject[],
    getVolumeSource(resource, namespace, name) {
      try {
        const obj = store.get(resource, namespace, name) as { data?: Record<string, string>; binaryData?: Record<string, string> };
        return { ...(obj.data ? { data: obj.data } : {}), ...(obj.binaryData ? { binaryData: obj.binaryData } : {}) };
      } catch (err) {
        // 404: the object does not exist, or this server has no such resource (yet)
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },
  };
}

/** Routes API pod deletes to the agent (it stops the processes, then confirms the removal). */
export function attachAgentToStore(store: ObjectStore, agent: NodeAgent): void {
  store.setPodDeleteHandler((obj, grace) => agent.onPodDeleteRequested(obj, grace));
}
