/**
 * The kind backend: the real thing for users with Docker. It wraps the kind
 * CLI (create a named cluster from a generated config, get the kubeconfig,
 * load images, delete), deploys Vault with Helm from the HashiCorp chart and
 * the manager (our manifests or a user's chart, applied as rendered), and
 * does process kills and node loss on the node containers. Everything else —
 * secrets, pods, watches, pod deletes — goes through the Kubernetes API like
 * every other backend.
 *
 * A stop signal (SIGINT, SIGTERM, SIGHUP) while up() or deploy() runs ends
 * the tool running then and the wait, so the caller's down() can delete the
 * cluster at once instead of after the ready timeout.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { EnvironmentError } from '../../../common/errors.js';
import { onStopSignals } from '../../../common/stop-signals.js';
import type { ClusterBackend, ClusterHandle, ClusterNames, CollectedLogs, DeployOptions, ManagerChoice } from '../backend.js';
import type { VaultEndpoint } from '../../vault-client/client.js';
import { statusRateSecondsFor } from '../../manager-spec/values.js';
import { isManagerProblemLine } from '../../manager-spec/log-format.js';
import type { RenderRequest } from '../../manager-spec/render.js';
import { preflight, runTool } from '../tools.js';
import { forwardTargetOf, PodPortForwards } from '../port-forward.js';
import { KIND_NODE_IMAGE, kindClusterConfig, MATRIX_NODE_LABEL, STARLINGX_VAULT_VERSION, VAULT_REPOSITORY } from './config.js';
import { vaultHelmValues } from './vault-values.js';
import { chartManager, manifestStream, referenceManager, type ManagerObjects } from './manager-deploy.js';
import { failNodeContainer, killPodProcessOnNode, NodeRestartError, type ToolRunner } from './node-faults.js';
import { buildReferenceManagerImage, hasLocalImage, loadImages } from './images.js';
import { forgetCluster, freshCa, ownsCluster, recordCreated } from './state.js';
import { resetNamespace } from './reset.js';
import { clusterProbe, waitForFreshVault, type VaultProbe } from './readiness.js';
import { KindPodLogs } from './logs.js';
import { caSecret, tlsSecret, putSecret } from './secrets.js';

export interface KindBackendOptions {
  clusterName?: string;
  stateDir?: string;
  namespace?: string;
  fullname?: string;
  /** the Vault version to deploy (default StarlingX's, 1.14.0); a chart's server.version is set to it */
  vaultVersion?: string;
  /** the whole image (default hashicorp/vault:<vaultVersion>) */
  vaultImage?: string;
  chart?: string;
  chartVersion?: string;
  chartRepo?: string;
  managerImage?: string;
  /** build the reference manager image with docker before loading it (default true) */
  buildManagerImage?: boolean;
  /** extra images the user names, loaded into the nodes */
  images?: string[];
  nodeImage?: string;
  /** where the reference manager's manifests are (default manager/deploy/) */
  managerManifestDir?: string;
  /** how a manager chart is rendered (default: helm when on PATH) */
  chartRenderer?: RenderRequest['renderer'];
  /** keep the cluster on `down()` (for debugging) */
  keepCluster?: boolean;
  statusRateMs?: number;
  readyTimeoutMs?: number;
  /** how long a lost node may take to be Ready again after `docker start` */
  nodeReadyTimeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  /** what readiness reads (default: the API and Vault through the port-forwards); tests give their own */
  vaultProbe?: (handle: ClusterHandle) => VaultProbe;
  /** listen for stop signals during up() and deploy() (default true) */
  handleStopSignals?: boolean;
}

const DEFAULTS = {
  clusterName: 'rekey-chaos',
  stateDir: '.rekey-chaos/kind',
  namespace: 'vault',
  fullname: 'sva-vault',
  vaultVersion: STARLINGX_VAULT_VERSION,
  chart: 'hashicorp/vault',
  chartVersion: '0.28.1',
  chartRepo: 'https://helm.releases.hashicorp.com',
  managerImage: 'rekey-chaos/vault-manager:dev',
  statusRateMs: 5000,
  readyTimeoutMs: 10 * 60_000,
  nodeReadyTimeoutMs: 5 * 60_000,
};

const SERVER_SELECTOR = 'component=server,app.kubernetes.io/name=vault';

export class KindBackend implements ClusterBackend {
  readonly name = 'kind' as const;
  private readonly o: typeof DEFAULTS & KindBackendOptions;
  private kc?: k8s.KubeConfig;
  private handle?: ClusterHandle;
  private forwards?: PodPortForwards;
  private manager?: ManagerObjects;
  private logs?: KindPodLogs;
  private caPems?: { certPem: string; keyPem: string };
  /** lost nodes on their way back; awaited before the next deploy and by down() */
  private readonly returning = new Set<Promise<void>>();
  private readonly nodesLost: NodeRestartError[] = [];
  private readonly stop = new AbortController();

  constructor(options: KindBackendOptions = {}) {
    this.o = { ...DEFAULTS, ...options };
  }

  get vaultImage(): string {
    return this.o.vaultImage ?? `${VAULT_REPOSITORY}:${this.o.vaultVersion}`;
  }

  get names(): ClusterNames {
    return this.handle?.names ?? { namespace: this.o.namespace, fullname: this.o.fullname, serverLabelSelector: SERVER_SELECTOR, managerLabelSelector: 'component=manager' };
  }

  get kubeconfigPath(): string {
    return path.resolve(this.o.stateDir, 'kubeconfig');
  }

  /** True when the state dir records that this project created the cluster (only then does down() delete it). */
  get ownsCluster(): boolean {
    return ownsCluster(this.o.stateDir, this.o.clusterName);
  }

  private tool: ToolRunner = (tool, args, input) =>
    runTool(tool, tool === 'kubectl' ? ['--kubeconfig', this.kubeconfigPath, ...args] : tool === 'helm' && args[0] !== 'repo' && args[0] !== 'version' ? [...args, '--kubeconfig', this.kubeconfigPath] : args, {
      env: this.o.env ?? process.env,
      ...(input !== undefined ? { input } : {}),
      cancelSignal: this.stop.signal,
    });

  /** Runs `work` with the stop signals turned into an abort of this backend's tools and waits. */
  private async interruptible<T>(work: () => Promise<T>): Promise<T> {
    const stopListening = this.o.handleStopSignals === false ? () => {} : onStopSignals((sig) => this.stop.abort(new Error(`interrupted (${sig})`)));
    try {
      return await work();
    } catch (err) {
      if (this.stop.signal.aborted) throw new EnvironmentError(`kind backend interrupted: ${String((this.stop.signal.reason as Error)?.message ?? 'stop signal')}`, { cluster: this.o.clusterName }, { cause: err });
      throw err;
    } finally {
      stopListening();
    }
  }

  up(): Promise<ClusterHandle> {
    return this.interruptible(() => this.upNow());
  }

  private async upNow(): Promise<ClusterHandle> {
    const env = this.o.env ?? process.env;
    await preflight(['docker', 'kind', 'helm', 'kubectl'], env);
    mkdirSync(this.o.stateDir, { recursive: true });
    const { stdout: existing } = await this.tool('kind', ['get', 'clusters']);
    if (!existing.split('\n').map((s) => s.trim()).includes(this.o.clusterName)) {
      const config = kindClusterConfig({ nodeImage: this.o.nodeImage ?? KIND_NODE_IMAGE });
      writeFileSync(path.join(this.o.stateDir, 'kind-config.yaml'), config);
      // Recorded before creating: a create interrupted half-way leaves node containers only down() removes.
      recordCreated(this.o.stateDir, this.o.clusterName);
      await this.tool('kind', ['create', 'cluster', '--name', this.o.clusterName, '--config', '-', '--wait', '120s', '--kubeconfig', this.kubeconfigPath], config);
    } else {
      const { stdout } = await this.tool('kind', ['get', 'kubeconfig', '--name', this.o.clusterName]);
      writeFileSync(this.kubeconfigPath, stdout, { mode: 0o600 });
    }
    // kind's --wait covers the control plane only; the workers are awaited through the API.
    await this.tool('kubectl', ['wait', '--for=condition=Ready', 'nodes', '--all', '--timeout=180s']);
    this.kc = new k8s.KubeConfig();
    this.kc.loadFromFile(this.kubeconfigPath);
    this.forwards = new PodPortForwards(this.kc, this.o.namespace, 8200);
    const ca = await freshCa(this.o.stateDir);
    this.caPems = { certPem: ca.certPem, keyPem: ca.keyPem };
    const core = this.core();
    this.logs = new KindPodLogs(this.tool, async () => (await core.listNamespacedPod({ namespace: this.o.namespace })).items);
    this.handle = {
      backend: 'kind',
      names: { ...this.names },
      kubeconfigPath: this.kubeconfigPath,
      caCertPem: ca.certPem,
      statusRateMs: this.o.statusRateMs,
      vaultEndpoints: () => this.vaultEndpoints(),
    };
    return this.handle;
  }

  private core(): k8s.CoreV1Api {
    if (!this.kc) throw new EnvironmentError('kind backend: up() has not run');
    return this.kc.makeApiClient(k8s.CoreV1Api);
  }

  private need(): { handle: ClusterHandle; ca: { certPem: string; keyPem: string } } {
    if (!this.handle || !this.caPems) throw new EnvironmentError('kind backend: up() has not run');
    return { handle: this.handle, ca: this.caPems };
  }

  /** The manager to deploy, decided (and any usage error raised) before anything in the cluster changes. */
  private async managerFor(choice: ManagerChoice): Promise<ManagerObjects> {
    if (choice.kind === 'reference') {
      return referenceManager({ namespace: this.o.namespace, image: this.o.managerImage, manager: choice, statusRateMs: this.o.statusRateMs, ...(this.o.managerManifestDir ? { manifestDir: this.o.managerManifestDir } : {}) });
    }
    const env = this.o.env ?? process.env;
    return chartManager(
      choice,
      { namespace: this.o.namespace, releaseName: this.o.fullname, vaultName: 'vault', vaultFullname: this.o.fullname, haReplicas: 3, statusCheckRateS: statusRateSecondsFor(this.o.statusRateMs), vaultVersion: this.o.vaultVersion },
      { ...(this.o.chartRenderer ? { renderer: this.o.chartRenderer } : {}), ...(env.PATH !== undefined ? { searchPath: env.PATH } : {}) },
    );
  }

  /** Every image the deploy names: Vault's, the manager's, and the user's extra ones. */
  imagesToLoad(manager: ManagerObjects): string[] {
    return [...new Set([this.vaultImage, ...manager.images, ...(this.o.images ?? [])])];
  }

  deploy(options: DeployOptions): Promise<void> {
    return this.interruptible(() => this.deployNow(options));
  }

  private async deployNow(options: DeployOptions): Promise<void> {
    const { handle, ca } = this.need();
    const manager = await this.managerFor(options.manager);
    await this.nodesBack();
    const { namespace, fullname } = this.o;
    await this.tool('kubectl', ['create', 'namespace', namespace]).catch((err: Error) => {
      if (!/already ?exists/i.test(err.message + JSON.stringify((err as EnvironmentError).context ?? {}))) throw err;
    });
    // A fresh Vault every time: a redeploy after a failed iteration must not inherit its raft data or shards.
    const previous = [this.manager, manager].filter((m): m is ManagerObjects => m !== undefined).flatMap((m) => m.objects);
    await resetNamespace(this.tool, this.core(), { namespace, releases: [fullname], referenceManifests: manifestStream(previous), waitSeconds: 300 });
    await this.forwards?.retain(new Set());
    const core = this.core();
    await putSecret(core, namespace, await tlsSecret(namespace, fullname, ca));
    for (const [name, keys] of manager.caSecrets) await putSecret(core, namespace, caSecret(namespace, name, keys, ca.certPem));
    await this.loadImages(manager, options.manager.kind === 'reference');
    const valuesFile = path.join(this.o.stateDir, 'vault-values.yaml');
    writeFileSync(valuesFile, vaultHelmValues({ fullname, vaultImage: this.vaultImage }));
    const repoName = this.o.chart.split('/')[0]!;
    await this.tool('helm', ['repo', 'add', repoName, this.o.chartRepo, '--force-update']);
    await this.tool('helm', ['upgrade', '--install', fullname, this.o.chart, '--version', this.o.chartVersion, '--namespace', namespace, '--values', valuesFile]);
    await this.applyManager(manager);
    await waitForFreshVault((this.o.vaultProbe ?? ((h) => clusterProbe(this.kc!, h)))(handle), this.o.readyTimeoutMs, this.stop.signal);
    this.logs?.mark();
  }

  private async loadImages(manager: ManagerObjects, buildReference: boolean): Promise<void> {
    if (buildReference && this.o.buildManagerImage !== false) await buildReferenceManagerImage(this.tool, this.o.managerImage);
    const images = this.imagesToLoad(manager);
    for (const image of images) {
      if (!(await hasLocalImage(this.tool, image))) await this.tool('docker', ['pull', image]);
    }
    await loadImages(this.tool, this.o.clusterName, images);
  }

  private async applyManager(manager: ManagerObjects): Promise<void> {
    await this.tool('kubectl', ['apply', '--namespace', this.o.namespace, '-f', '-'], manifestStream(manager.objects));
    this.manager = manager;
    const { handle } = this.need();
    handle.names.managerLabelSelector = manager.labelSelector;
    handle.statusRateMs = manager.statusRateMs;
  }

  async redeployManager(choice: ManagerChoice): Promise<void> {
    const manager = await this.managerFor(choice);
    if (this.manager) await this.tool('kubectl', ['delete', '--namespace', this.o.namespace, '--ignore-not-found', '--wait=true', '-f', '-'], manifestStream(this.manager.objects));
    const { ca } = this.need();
    for (const [name, keys] of manager.caSecrets) await putSecret(this.core(), this.o.namespace, caSecret(this.o.namespace, name, keys, ca.certPem));
    await this.applyManager(manager);
    // A changed defect must take effect now, not at the next restart.
    await this.tool('kubectl', ['delete', 'pod', '--namespace', this.o.namespace, '-l', manager.labelSelector, '--wait=false']);
  }

  async killProcess(namespace: string, pod: string): Promise<{ at: number }> {
    const node = await this.nodeOfPod(namespace, pod);
    return killPodProcessOnNode(this.tool, node, namespace, pod);
  }

  async loseNode(matrixNode: string, downMs: number): Promise<{ at: number }> {
    const node = await this.nodeContainerFor(matrixNode);
    const { at, restored } = await failNodeContainer(this.tool, node, downMs, {
      readyTimeoutMs: this.o.nodeReadyTimeoutMs,
      signal: this.stop.signal,
      nodeInternalIp: async (name) => (await this.tool('kubectl', ['get', 'node', name, '-o', 'jsonpath={.status.addresses[?(@.type=="InternalIP")].address}'])).stdout.trim() || undefined,
    });
    // Held, never left unhandled: a node that did not return fails the next deploy (and every later one).
    const held: Promise<void> = restored.then(
      () => undefined,
      (err: unknown) => void this.nodesLost.push(err instanceof NodeRestartError ? err : new NodeRestartError(node, String(err), err)),
    );
    this.returning.add(held);
    void held.finally(() => this.returning.delete(held));
    return { at };
  }

  /** Waits for lost nodes to come back; throws the first NodeRestartError of a node that did not. */
  async nodesBack(): Promise<void> {
    await Promise.all([...this.returning]);
    if (this.nodesLost.length > 0) throw this.nodesLost[0];
  }

  async markLogs(): Promise<void> {
    this.logs?.mark();
  }

  async collectLogs(runDir: string, since: number): Promise<CollectedLogs> {
    const manager = this.manager;
    if (!this.logs || !manager) return { logs: {}, managerProblems: [], unavailable: 'no manager deployed on kind' };
    const wanted = Object.fromEntries(manager.labelSelector.split(',').map((kv) => kv.split('=') as [string, string]));
    return this.logs.collect(runDir, since, {
      namespace: this.o.namespace,
      isManagerPod: (labels) => Object.entries(wanted).every(([k, v]) => labels[k] === v),
      isProblem: (line) => isManagerProblemLine(manager.logFormat, line),
    });
  }

  private async vaultEndpoints(): Promise<VaultEndpoint[]> {
    const pods = await this.core().listNamespacedPod({ namespace: this.o.namespace, labelSelector: SERVER_SELECTOR });
    const forwards = this.forwards;
    if (!forwards) return [];
    await forwards.retain(new Set(pods.items.map((p) => p.metadata?.uid).filter((u): u is string => u !== undefined)));
    const out: VaultEndpoint[] = [];
    for (const pod of pods.items) {
      const target = forwardTargetOf(pod);
      const ip = pod.status?.podIP;
      if (!target || !ip) continue;
      const fwd = await forwards.forTarget(target);
      if (!fwd) continue;
      out.push({ pod: target.name, url: `https://127.0.0.1:${fwd.localPort}`, servername: `${ip.replace(/[.:]/g, '-')}.${this.o.namespace}.pod.cluster.local`, agent: fwd.agent });
    }
    return out.sort((a, b) => (a.pod < b.pod ? -1 : 1));
  }

  private async nodeOfPod(namespace: string, pod: string): Promise<string> {
    const p = await this.core().readNamespacedPod({ name: pod, namespace });
    const node = p.spec?.nodeName;
    if (!node) throw new EnvironmentError(`pod ${namespace}/${pod} is not scheduled on a node`, { pod });
    return node;
  }

  /** Maps a matrix node name (controller-0, …) to kind's node container via the node label. */
  private async nodeContainerFor(matrixNode: string): Promise<string> {
    const { stdout } = await this.tool('kubectl', ['get', 'nodes', '-l', `${MATRIX_NODE_LABEL}=${matrixNode}`, '-o', 'jsonpath={.items[0].metadata.name}']);
    const name = stdout.trim();
    if (!name) throw new EnvironmentError(`no kind node carries ${MATRIX_NODE_LABEL}=${matrixNode}`, { matrixNode });
    return name;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.down();
  }

  /** Closes the forwards, lets lost nodes finish returning, and deletes the cluster only when this project created it. */
  async down(): Promise<void> {
    await this.forwards?.closeAll();
    await Promise.allSettled([...this.returning]);
    if (this.o.keepCluster || !this.ownsCluster) return;
    // A fresh runner: the backend's own may be aborted by the very signal that asked for this.
    await runTool('kind', ['delete', 'cluster', '--name', this.o.clusterName], { env: this.o.env ?? process.env });
    forgetCluster(this.o.stateDir);
  }
}
