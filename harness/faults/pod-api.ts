/**
 * The Kubernetes side of the nemesis: a snapshot of the pods the targets are
 * chosen from, and pod deletion. Behind a small interface (`PodApi`) so the
 * resolution and injection logic can be tested without a cluster; the real
 * implementation uses @kubernetes/client-node against whatever API server the
 * kubeconfig names (embedded, kind or an existing cluster — one code path).
 */
import * as k8s from '@kubernetes/client-node';
import type { ClusterNames } from '../backends/backend.js';
import type { TargetSnapshot, TargetPod } from './targets.js';

export interface PodApi {
  listPods(namespace: string): Promise<k8s.V1Pod[]>;
  /** graceS undefined = the pod's own grace period; 0 = force */
  deletePod(namespace: string, name: string, graceS?: number): Promise<void>;
}

export class PodNotFoundError extends Error {
  constructor(readonly pod: string) {
    super(`pod ${pod} not found`);
    this.name = 'PodNotFoundError';
  }
}

export function kubePodApi(kc: k8s.KubeConfig): PodApi {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  return {
    async listPods(namespace) {
      return (await core.listNamespacedPod({ namespace })).items;
    },
    async deletePod(namespace, name, graceS) {
      try {
        await core.deleteNamespacedPod({ namespace, name, ...(graceS !== undefined ? { gracePeriodSeconds: graceS } : {}) });
      } catch (err) {
        if ((err as { code?: number }).code === 404) throw new PodNotFoundError(name);
        throw err;
      }
    },
  };
}

function matches(labels: Record<string, string>, selector: string): boolean {
  return selector
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .every((term) => {
      const [k, v] = term.split('=');
      return k !== undefined && labels[k] === v;
    });
}

export function podRole(labels: Record<string, string>, names: ClusterNames): TargetPod['role'] {
  if (matches(labels, names.managerLabelSelector)) return 'manager';
  if (matches(labels, names.serverLabelSelector)) return 'server';
  return 'other';
}

export function toTargetSnapshot(pods: k8s.V1Pod[], names: ClusterNames): TargetSnapshot {
  const views: TargetPod[] = pods.map((p) => {
    const labels = p.metadata?.labels ?? {};
    return {
      name: p.metadata?.name ?? '',
      role: podRole(labels, names),
      ...(p.spec?.nodeName ? { node: p.spec.nodeName } : {}),
      labels,
      ...(p.metadata?.uid ? { uid: p.metadata.uid } : {}),
      ...(p.status?.podIP ? { ip: p.status.podIP } : {}),
      terminating: p.metadata?.deletionTimestamp !== undefined && p.metadata?.deletionTimestamp !== null,
    };
  });
  const nodes = [...new Set(views.map((v) => v.node).filter((n): n is string => n !== undefined))].sort();
  return { namespace: names.namespace, fullname: names.fullname, pods: views, nodes };
}

export async function snapshotTargets(api: PodApi, names: ClusterNames): Promise<TargetSnapshot> {
  return toTargetSnapshot(await api.listPods(names.namespace), names);
}
