/** Pods on the Kubernetes API: the Vault server pods and the manager pods, by the chart's labels. */
import type * as k8s from '@kubernetes/client-node';
import type { Pods, ServerPod } from '../ports.js';
import { kubeFailure } from './client.js';

export class KubePods implements Pods {
  constructor(
    private readonly core: k8s.CoreV1Api,
    private readonly namespace: string,
    private readonly fullName: string,
  ) {}

  private async list(labelSelector: string): Promise<k8s.V1Pod[]> {
    try {
      return (await this.core.listNamespacedPod({ namespace: this.namespace, labelSelector })).items;
    } catch (err) {
      throw kubeFailure(`list pods ${labelSelector}`, err);
    }
  }

  async listServers(): Promise<ServerPod[]> {
    const pods = await this.list('app.kubernetes.io/name=vault,component=server');
    const prefix = `${this.fullName}-`;
    const out: ServerPod[] = [];
    for (const p of pods) {
      const name = p.metadata?.name ?? '';
      const ordinal = Number(name.slice(prefix.length));
      if (!name.startsWith(prefix) || !Number.isInteger(ordinal) || p.metadata?.deletionTimestamp) continue;
      out.push({ name, ordinal, ip: p.status?.podIP || undefined, labels: p.metadata?.labels ?? {}, running: p.status?.phase === 'Running' });
    }
    return out.sort((a, b) => a.ordinal - b.ordinal);
  }

  async countManagers(): Promise<number> {
    const pods = await this.list('app.kubernetes.io/name=vault-manager');
    return pods.filter((p) => (p.metadata?.name ?? '').startsWith(`${this.fullName}-manager`) && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed').length;
  }
}
