/**
 * An existing cluster, reached by kubeconfig: no lifecycle. The user names
 * the namespace and the Vault release's full name; Vault and the manager are
 * already deployed and `deploy` only verifies that they are there.
 *
 * Process kills go through the Kubernetes Exec API (kubeconfig-kill.ts): the
 * main process is found by name and killed with SIGKILL, never PID 1 (the
 * kernel ignores that from inside the pod), and the kill counts only once
 * the pod's status shows the container died; otherwise it is a
 * `KillNotLandedError` and the fault is "not hit" with the reason. On a pod
 * whose main process is PID 1 (no `shareProcessNamespace`) that is every
 * kill. The commands are options (`killCommands`) for charts that differ.
 *
 * Node loss is unsupported here (there is no safe generic way to take a
 * node of someone's cluster down): a typed error, so the fault is "not hit".
 *
 * Vault is reached at each pod's IP (`https://<podIP>:8200`) when the
 * harness is inside the cluster network or the pod network is routed, and
 * otherwise through a port-forward per pod over the Kubernetes API
 * (port-forward.ts). `vaultAccess: 'auto'` (default) probes the first
 * server's pod IP once and picks. The TLS name checked is
 * `vaultServerName` (default: the pod's `<pod>.<fullname>-internal` name,
 * which the StarlingX chart's certificate carries), whatever the route, and
 * the CA comes from `caCertPath`, else from a secret (kubeconfig-ca.ts).
 */
import net from 'node:net';
import * as k8s from '@kubernetes/client-node';
import { EnvironmentError, UsageError } from '../../common/errors.js';
import { loadVaultCa, type SecretKeyRef } from './kubeconfig-ca.js';
import { execKill, killScript } from './kubeconfig-kill.js';
import { PodPortForwards } from './port-forward.js';
import type { ClusterBackend, ClusterHandle, ClusterNames, DeployOptions, ManagerChoice } from './backend.js';
import type { VaultEndpoint } from '../vault-client/client.js';

export interface KubeconfigBackendOptions {
  kubeconfig?: string; // default: $KUBECONFIG or ~/.kube/config
  context?: string;
  namespace?: string; // default vault
  release?: string; // the Vault full name, default sva-vault
  /** a PEM file with the CA of the Vault servers' certificates */
  caCertPath?: string;
  /** else the secret (in `namespace`) holding it; default: the known deployments' secrets (kubeconfig-ca.ts) */
  caSecret?: SecretKeyRef;
  statusRateMs?: number; // the deployed manager's status rate, default 5000 (StarlingX)
  vaultServerName?: (pod: string, names: ClusterNames) => string;
  killCommands?: { server?: string[]; manager?: string[] };
  /** how long a kill waits for the pod's status to show the container died (default 30 s) */
  killConfirmMs?: number;
  containers?: { server?: string; manager?: string };
  /** how the harness reaches Vault: pod IPs, port-forwards, or probe once and pick (default) */
  vaultAccess?: 'auto' | 'pod-ip' | 'port-forward';
}

const VAULT_PORT = 8200;

/** Can this machine open a TCP connection to host:port within timeoutMs? */
export function tcpReachable(host: string, port: number, timeoutMs = 1500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export class KubeconfigBackend implements ClusterBackend {
  readonly name = 'kubeconfig' as const;
  private readonly kc = new k8s.KubeConfig();
  private readonly names: ClusterNames;
  private forwards: PodPortForwards | undefined;
  private access: Promise<'pod-ip' | 'port-forward'> | undefined;

  constructor(private readonly options: KubeconfigBackendOptions = {}) {
    const fullname = options.release ?? 'sva-vault';
    this.names = {
      namespace: options.namespace ?? 'vault',
      fullname,
      serverLabelSelector: `component=server,app.kubernetes.io/name=vault`,
      managerLabelSelector: 'component=manager',
    };
  }

  async up(): Promise<ClusterHandle> {
    const source = this.options.kubeconfig ?? '(default)';
    try {
      if (this.options.kubeconfig) this.kc.loadFromFile(this.options.kubeconfig);
      else this.kc.loadFromDefault();
    } catch (err) {
      throw new EnvironmentError(`cannot load kubeconfig ${source}: ${(err as Error).message}`, { kubeconfig: source }, { cause: err });
    }
    const context = this.options.context;
    // client-node accepts any name here and then has no cluster: say which contexts exist instead.
    if (context !== undefined) {
      if (!this.kc.getContextObject(context)) throw new UsageError(`kubeconfig ${source} has no context "${context}" (it has: ${this.kc.getContexts().map((c) => c.name).join(', ') || 'none'})`, { kubeconfig: source, context });
      this.kc.setCurrentContext(context);
    }
    try {
      await this.kc.makeApiClient(k8s.VersionApi).getCode();
    } catch (err) {
      throw new EnvironmentError(`Kubernetes API not reachable from kubeconfig ${source}: ${(err as Error).message}`, {}, { cause: err });
    }
    const names = this.names;
    const { pem: caCertPem } = await loadVaultCa(this.kc, names.namespace, names.fullname, {
      ...(this.options.caCertPath !== undefined ? { caCertPath: this.options.caCertPath } : {}),
      ...(this.options.caSecret !== undefined ? { caSecret: this.options.caSecret } : {}),
    });
    const core = this.kc.makeApiClient(k8s.CoreV1Api);
    const serverName = this.options.vaultServerName ?? ((pod: string, n: ClusterNames) => `${pod}.${n.fullname}-internal`);
    const endpointOf = async (pod: k8s.V1Pod): Promise<VaultEndpoint> => {
      const name = pod.metadata!.name!;
      const servername = serverName(name, names);
      if ((await this.vaultAccess(pod.status!.podIP!)) === 'pod-ip') return { pod: name, url: `https://${pod.status!.podIP}:${VAULT_PORT}`, servername };
      this.forwards ??= new PodPortForwards(this.kc, names.namespace, VAULT_PORT);
      const fwd = await this.forwards.forPod(name, pod.metadata!.uid ?? '');
      return { pod: name, url: `https://127.0.0.1:${fwd.localPort}`, servername };
    };
    return {
      backend: 'kubeconfig',
      names,
      kubeconfigPath: this.options.kubeconfig ?? process.env.KUBECONFIG ?? `${process.env.HOME}/.kube/config`,
      caCertPem,
      statusRateMs: this.options.statusRateMs ?? 5000,
      async vaultEndpoints(): Promise<VaultEndpoint[]> {
        const pods = await core.listNamespacedPod({ namespace: names.namespace, labelSelector: names.serverLabelSelector });
        return Promise.all(pods.items.filter((p) => p.status?.podIP && !p.metadata?.deletionTimestamp).map(endpointOf));
      },
    };
  }

  /** The route to Vault, decided once: the user's choice, or a probe of the first pod IP seen. */
  vaultAccess(podIp: string): Promise<'pod-ip' | 'port-forward'> {
    const wanted = this.options.vaultAccess ?? 'auto';
    this.access ??= wanted !== 'auto' ? Promise.resolve(wanted) : tcpReachable(podIp, VAULT_PORT).then((ok) => (ok ? 'pod-ip' : 'port-forward'));
    return this.access;
  }

  /** No lifecycle: verify that three servers and a manager exist. */
  async deploy(_options: DeployOptions): Promise<void> {
    const core = this.kc.makeApiClient(k8s.CoreV1Api);
    const list = async (labelSelector: string) => (await core.listNamespacedPod({ namespace: this.names.namespace, labelSelector })).items.length;
    const [servers, managers] = await Promise.all([list(this.names.serverLabelSelector), list(this.names.managerLabelSelector)]);
    if (servers === 0 || managers === 0) {
      throw new EnvironmentError(`namespace ${this.names.namespace} has ${servers} Vault server pod(s) and ${managers} manager pod(s); deploy them first`, { ...this.names });
    }
  }

  async redeployManager(manager: ManagerChoice): Promise<void> {
    throw new UsageError(`the kubeconfig backend does not deploy managers (asked for ${manager.kind}${manager.defect ? ` with ${manager.defect}` : ''})`);
  }

  // No loseNode, collectLogs or gates: an existing cluster's nodes are not ours to stop, its logs are the log API's.

  /** kill -9 of the container's main process through exec (the image must have a shell); lands only if the container is seen dying. */
  async killProcess(namespace: string, pod: string): Promise<{ at: number }> {
    const core = this.kc.makeApiClient(k8s.CoreV1Api);
    const obj = await core.readNamespacedPod({ namespace, name: pod });
    const isManager = obj.metadata?.labels?.['component'] === 'manager';
    const container = (isManager ? (this.options.containers?.manager ?? obj.spec?.containers[0]?.name) : this.options.containers?.server) ?? 'vault';
    const command = isManager ? (this.options.killCommands?.manager ?? killScript('bash')) : (this.options.killCommands?.server ?? killScript('vault'));
    return execKill({ kc: this.kc, namespace, pod, container, command, ...(this.options.killConfirmMs !== undefined ? { confirmMs: this.options.killConfirmMs } : {}) });
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.down();
  }

  async down(): Promise<void> {
    // Nothing was started in the cluster: it is left as it was found; only local port-forward listeners close.
    await this.forwards?.closeAll();
    this.forwards = undefined;
  }
}
