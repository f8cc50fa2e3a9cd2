/**
 * What `cluster status` shows and `cluster up` waits for, read through the
 * Kubernetes API with client-node (one code path for every cluster): pods
 * with their node, address, phase, restarts and Vault's service-registration
 * labels, and which procedure secrets exist (names only — never values).
 */
import * as k8s from '@kubernetes/client-node';
import { MILESTONE_SECRETS, ROOT_TOKEN_SECRET, SET_PREFIXES, SHARES, parseShardSecretName } from '../../common/secrets.js';
import { waitFor } from './wait.js';

export interface PodView {
  name: string;
  node: string;
  ip: string;
  phase: string;
  ready: boolean;
  restarts: number;
  component: string;
  active?: string;
  sealed?: string;
  initialized?: string;
  terminating: boolean;
}

export interface ClusterView {
  pods: PodView[];
  servers: PodView[];
  active: string[];
  milestones: string[];
  /** shard sets present: prefix → indices */
  sets: Record<string, number[]>;
  rootToken: boolean;
}

function coreApi(kubeconfigPath: string): k8s.CoreV1Api {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  return kc.makeApiClient(k8s.CoreV1Api);
}

function podView(pod: k8s.V1Pod): PodView {
  const labels = pod.metadata?.labels ?? {};
  const status = pod.status?.containerStatuses?.[0];
  return {
    name: pod.metadata?.name ?? '?',
    node: pod.spec?.nodeName ?? '',
    ip: pod.status?.podIP ?? '',
    phase: pod.status?.phase ?? 'Unknown',
    ready: status?.ready ?? false,
    restarts: status?.restartCount ?? 0,
    component: labels.component ?? '',
    ...(labels['vault-active'] !== undefined ? { active: labels['vault-active'] } : {}),
    ...(labels['vault-sealed'] !== undefined ? { sealed: labels['vault-sealed'] } : {}),
    ...(labels['vault-initialized'] !== undefined ? { initialized: labels['vault-initialized'] } : {}),
    terminating: pod.metadata?.deletionTimestamp !== undefined,
  };
}

export async function readClusterView(kubeconfigPath: string, namespace: string): Promise<ClusterView> {
  const core = coreApi(kubeconfigPath);
  const [pods, secrets] = await Promise.all([core.listNamespacedPod({ namespace }), core.listNamespacedSecret({ namespace })]);
  const views = pods.items.map(podView);
  const names = secrets.items.map((s) => s.metadata?.name ?? '');
  const sets: Record<string, number[]> = Object.fromEntries(SET_PREFIXES.map((p) => [p, [] as number[]]));
  for (const name of names) {
    const shard = parseShardSecretName(name);
    if (shard) sets[shard.prefix]!.push(shard.index);
  }
  for (const indices of Object.values(sets)) indices.sort((a, b) => a - b);
  const servers = views.filter((p) => p.component === 'server');
  return {
    pods: views,
    servers,
    active: servers.filter((p) => p.active === 'true').map((p) => p.name),
    milestones: MILESTONE_SECRETS.filter((m) => names.includes(m)),
    sets,
    rootToken: names.includes(ROOT_TOKEN_SECRET),
  };
}

/** Resolves once `replicas` server pods report initialized, unsealed, and exactly one is active (Vault's own labels). */
export function waitForVaultUnsealed(kubeconfigPath: string, namespace: string, replicas: number, timeoutMs: number): Promise<ClusterView> {
  return waitFor(
    async () => {
      const view = await readClusterView(kubeconfigPath, namespace).catch(() => undefined);
      if (!view) return undefined;
      const good = view.servers.filter((s) => s.initialized === 'true' && s.sealed === 'false' && !s.terminating);
      return good.length >= replicas && view.active.length === 1 && view.sets['cluster-key']!.length === SHARES ? view : undefined;
    },
    { timeoutMs, what: `${replicas} Vault servers initialized and unsealed with cluster-key stored`, pollMs: 200 },
  );
}
