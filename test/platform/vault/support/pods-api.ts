/**
 * An API server whose store holds the three server pod objects the Vault
 * double patches its service-registration labels onto, and a kubeconfig for
 * it in a temporary folder: what the label tests give DoubleCluster instead of
 * a whole embedded cluster.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeKubeconfig } from '../../../../platform/apiserver/kubeconfig.js';
import { startApiServer } from '../../../../platform/apiserver/server.js';
import type { ObjectStore } from '../../../../platform/apiserver/store.js';

export interface PodsApi {
  kubeconfig: string;
  close(): Promise<void>;
}

/** `labels` are the pods' own; each pod gets IP `<ipBase>.(10+i)`. */
export async function startPodsApi(store: ObjectStore, ipBase: string, labels: Record<string, string>): Promise<PodsApi> {
  const token = randomBytes(16).toString('hex');
  const api = await startApiServer({ store, token });
  const dir = await mkdtemp(join(tmpdir(), 'rekey-chaos-vault-pods-'));
  const kubeconfig = join(dir, 'kubeconfig');
  await writeKubeconfig(kubeconfig, { server: api.url, token, namespace: 'vault', caPem: api.caPem });
  for (let i = 0; i < 3; i++) {
    store.create('pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `sva-vault-${i}`, namespace: 'vault', labels: { ...labels } },
      spec: { nodeName: `node-${i}`, containers: [{ name: 'vault', image: 'vault-double' }] },
      status: { phase: 'Running', podIP: `${ipBase}.${10 + i}` },
    });
  }
  return {
    kubeconfig,
    async close() {
      await api.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
