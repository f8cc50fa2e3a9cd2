/**
 * The kind backend: the real thing for users with Docker. It wraps the kind
 * CLI (create a named cluster from a generated config, wait, get the
 * kubeconfig, load images, delete), deploys Vault with Helm from the
 * HashiCorp chart and the manager (reference manifests or a user chart), and
 * does process kills on the node containers. Everything else — secrets,
 * pods, watches, pod deletes — goes through the Kubernetes API like every
 * other backend.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { EnvironmentError, TimeoutError } from '../../../common/errors.js';
import { delay, nowMs } from '../../../common/clock.js';
import { SHARES } from '../../../common/secrets.js';
import { createCa, issueServerCertificate } from '../../../platform/pki.js';
import type { ClusterBackend, ClusterHandle, ClusterNames, DeployOptions, ManagerChoice } from '../backend.js';
import type { VaultEndpoint } from '../../vault-client/client.js';
import { preflight, runTool } from '../tools.js';
import { PodPortForwards } from '../port-forward.js';
import { kindClusterConfig, MATRIX_NODE_LABEL } from './config.js';
import { vaultHelmValues, TLS_SECRET } from './vault-values.js';
import { chartManagerOf, referenceManagerManifests } from './manager-deploy.js';
import { failNodeContainer, killPodProcessOnNode } from './node-faults.js';

export interface KindBackendOptions {
  clusterName?: string;
  stateDir?: string;
  namespace?: string;
  fullname?: string;
  vaultImage?: string;
  chart?: string;
  chartVersion?: string;
  chartRepo?: string;
  managerImage?: string;
  /** build the reference manager image with docker before loading it (default true) */
  buildManagerImage?: boolean;
  /** extra images the user names, loaded into the nodes with `kind load docker-image` */
  images?: string[];
  nodeImage?: string;
  /** where the reference manager's manifests are (default manager/deploy/) */
  managerManifestDir?: string;
  /** keep the cluster on `down()` (for debugging) */
  keepCluster?: boolean;
  statusRateMs?: number;
  readyTimeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

const DEFAULTS = {
  clusterName: 'rekey-chaos',
  stateDir: '.rekey-chaos/kind',
  namespace: 'vault',
  fullname: 'sva-vault',
  vaultImage: 'hashicorp/vault:1.14.9',
  chart: 'hashicorp/vault',
  chartVersion: '0.28.1',
  chartRepo: 'https://helm.releases.hashicorp.com',
  managerImage: 'rekey-chaos/vault-manager:dev',
  statusRateMs: 5000,
  readyTimeoutMs: 10 * 60_000,
};

export class KindBackend implements ClusterBackend {
  readonly name = 'kind' as const;
  private readonly o: typeof DEFAULTS & KindBackendOptions;
  private kc?: k8s.KubeConfig;
  private forwards?: PodPortForwards;
  private created = false;

  constructor(options: KindBackendOptions = {}) {
    this.o = { ...DEFAULTS, ...options };
  }

  async killProcess(namespace: string, pod: string): Promise<{ at: number }> {
    const node = await this.nodeOfPod(namespace, pod);
    return killPodProcessOnNode((tool, args) => this.tool(tool, args), node, namespace, pod);
  }

  async loseNode(matrixNode: string, downMs: number): Promise<{ at: number }> {
    const node = await this.nodeContainerFor(matrixNode);
    const { at } = await failNodeContainer((tool, args) => this.tool(tool, args), node, downMs);
    return { at };
  }

  get names(): ClusterNames {
    return {
      namespace: this.o.namespace,
      fullname: this.o.fullname,
      serverLabelSelector: 'component=server,app.kubernetes.io/name=vault',
      managerLabelSelector: 'component=manager',
    };
  }

  private get kubeconfigPath(): string {
    return path.resolve(this.o.stateDir, 'kubeconfig');
  }

  private tool(tool: 'kind' | 'helm' | 'docker' | 'kubectl', args: string[], input?: string) {
    return runTool(tool, args, { env: this.o.env ?? process.env, input });
  }

  async up(): Promise<ClusterHandle> {
    await preflight(['docker', 'kind', 'helm', 'kubectl'], this.o.env ?? process.env);
    mkdirSync(this.o.stateDir, { recursive: true });
    const { stdout: existing } = await this.tool('kind', ['get', 'clusters']);
    if (!existing.split('\n').map((s) => s.trim()).includes(this.o.clusterName)) {
      const config = kindClusterConfig({ nodeImage: this.o.nodeImage });
      writeFileSync(path.join(this.o.stateDir, 'kind-config.yaml'), config);
      await this.tool('kind', ['create', 'cluster', '--name', this.o.clusterName, '--config', '-', '--wait', '120s', '--kubeconfig', this.kubeconfigPath], config);
      this.created = true;
    } else {
      const { stdout } = await this.tool('kind', ['get', 'kubeconfig', '--name', this.o.clusterName]);
      writeFileSync(this.kubeconfigPath, stdout, { mode: 0o600 });
    }
    // kind's --wait covers the control plane only; the workers are awaited through the API.
    await this.tool('kubectl', ['--kubeconfig', this.kubeconfigPath, 'wait', '--for=condition=Ready', 'nodes', '--all', '--timeout=180s']);
    this.kc = new k8s.KubeConfig();
    this.kc.loadFromFile(this.kubeconfigPath);
    this.forwards = new PodPortForwards(this.kc, this.o.namespace, 8200);
    const ca = await createCa(path.join(this.o.stateDir, 'pki'));
    return {
      backend: 'kind',
      names: this.names,
      kubeconfigPath: this.kubeconfigPath,
      caCertPem: ca.certPem,
      statusRateMs: this.o.statusRateMs,
      vaultEndpoints: () => this.vaultEndpoints(),
    };
  }

  private core(): k8s.CoreV1Api {
    if (!this.kc) throw new EnvironmentError('kind backend: up() has not run');
    return this.kc.makeApiClient(k8s.CoreV1Api);
  }

  async deploy(options: DeployOptions): Promise<void> {
    const { namespace, fullname } = this.o;
    await this.tool('kubectl', ['--kubeconfig', this.kubeconfigPath, 'create', 'namespace', namespace]).catch((err: Error) => {
      if (!/already ?exists/i.test(err.message + JSON.stringify((err as EnvironmentError).context ?? {}))) throw err;
    });
    await this.applyTlsSecret();
    await this.loadImages();
    const values = vaultHelmValues({ fullname, vaultImage: this.o.vaultImage });
    const valuesFile = path.join(this.o.stateDir, 'vault-values.yaml');
    writeFileSync(valuesFile, values);
    const repoName = this.o.chart.split('/')[0]!;
    await this.tool('helm', ['repo', 'add', repoName, this.o.chartRepo, '--force-update']);
    await this.tool('helm', [
      'upgrade', '--install', fullname, this.o.chart,
      '--version', this.o.chartVersion,
      '--namespace', namespace,
      '--values', valuesFile,
      '--kubeconfig', this.kubeconfigPath,
    ]);
    await this.redeployManager(options.manager);
    await this.waitUntilVaultReady();
  }

  async redeployManager(manager: ManagerChoice): Promise<void> {
    const chart = chartManagerOf(manager.kind);
    const kube = ['--kubeconfig', this.kubeconfigPath];
    if (chart) {
      const args = ['upgrade', '--install', `${this.o.fullname}-manager`, chart.chart, '--namespace', this.o.namespace, ...kube];
      if (chart.valuesFile) args.push('--values', chart.valuesFile);
      for (const pair of chart.sets) args.push('--set', pair);
      await this.tool('helm', args);
      return;
    }
    const manifests = referenceManagerManifests({ namespace: this.o.namespace, image: this.o.managerImage, manager, manifestDir: this.o.managerManifestDir });
    await this.tool('kubectl', [...kube, 'apply', '--namespace', this.o.namespace, '-f', '-'], manifests);
    // A changed defect must take effect now, not at the next restart.
    await this.tool('kubectl', [...kube, 'delete', 'pod', '--namespace', this.o.namespace, '-l', 'component=manager', '--wait=false']);
  }

  private async applyTlsSecret(): Promise<void> {
    const { namespace, fullname } = this.o;
    const ca = await createCa(path.join(this.o.stateDir, 'pki'));
    const dns = [
      `*.${namespace}.pod.cluster.local`,
      `${fullname}-active`, `${fullname}-active.${namespace}.svc`, `${fullname}-active.${namespace}.svc.cluster.local`,
      `*.${fullname}-internal`, `*.${fullname}-internal.${namespace}.svc`, `*.${fullname}-internal.${namespace}.svc.cluster.local`,
      fullname, `${fullname}.${namespace}.svc`, 'localhost',
    ];
    const leaf = await issueServerCertificate({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, commonName: fullname, dnsNames: dns, ipAddresses: ['127.0.0.1'] });
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const body: k8s.V1Secret = {
      metadata: { name: `${fullname}-${TLS_SECRET}`, namespace },
      type: 'Opaque',
      data: { 'tls.crt': b64(leaf.certPem), 'tls.key': b64(leaf.keyPem), 'ca.crt': b64(ca.certPem) },
    };
    const core = this.core();
    await core.deleteNamespacedSecret({ name: body.metadata!.name!, namespace }).catch(() => undefined);
    await core.createNamespacedSecret({ namespace, body });
  }

  private async loadImages(): Promise<void> {
    const images = [...(this.o.images ?? [])];
    if (this.o.buildManagerImage !== false) {
      const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..', '..');
      await this.tool('docker', ['build', '-t', this.o.managerImage, '-f', path.join(root, 'manager', 'deploy', 'Dockerfile'), root]);
      images.push(this.o.managerImage);
    }
    if (images.length > 0) await this.tool('kind', ['load', 'docker-image', ...images, '--name', this.o.clusterName]);
  }

  /** Vault is ready when the manager has initialized it (cluster-key complete) and every server is unsealed. */
  private async waitUntilVaultReady(): Promise<void> {
    const deadline = nowMs() + this.o.readyTimeoutMs;
    const core = this.core();
    let last = 'nothing checked yet';
    while (nowMs() < deadline) {
      try {
        const secrets = await core.listNamespacedSecret({ namespace: this.o.namespace });
        const keys = secrets.items.filter((s) => /^cluster-key-[0-4]$/.test(s.metadata?.name ?? '')).length;
        const pods = await core.listNamespacedPod({ namespace: this.o.namespace, labelSelector: this.names.serverLabelSelector });
        const unsealed = pods.items.filter((p) => p.metadata?.labels?.['vault-sealed'] === 'false').length;
        last = `${keys}/${SHARES} cluster-key shards, ${unsealed}/3 servers unsealed`;
        if (keys === SHARES && unsealed === 3) return;
      } catch (err) {
        last = (err as Error).message;
      }
      await delay(2000);
    }
    throw new TimeoutError(`Vault initialized and unsealed on kind (${last})`, this.o.readyTimeoutMs);
  }

  private async vaultEndpoints(): Promise<VaultEndpoint[]> {
    const pods = await this.core().listNamespacedPod({ namespace: this.o.namespace, labelSelector: this.names.serverLabelSelector });
    const out: VaultEndpoint[] = [];
    for (const pod of pods.items) {
      const name = pod.metadata?.name;
      const ip = pod.status?.podIP;
      if (!name || !ip || !this.forwards) continue;
      const fwd = await this.forwards.forPod(name, pod.metadata?.uid ?? '');
      out.push({ pod: name, url: `https://127.0.0.1:${fwd.localPort}`, servername: `${ip.replace(/[.:]/g, '-')}.${this.o.namespace}.pod.cluster.local` });
    }
    return out;
  }

  private async nodeOfPod(namespace: string, pod: string): Promise<string> {
    const p = await this.core().readNamespacedPod({ name: pod, namespace });
    const node = p.spec?.nodeName;
    if (!node) throw new EnvironmentError(`pod ${namespace}/${pod} is not scheduled on a node`, { pod });
    return node;
  }

  /** Maps a matrix node name (controller-0, …) to kind's node container via the node label. */
  private async nodeContainerFor(matrixNode: string): Promise<string> {
    const nodes = await this.core().listNode({ labelSelector: `${MATRIX_NODE_LABEL}=${matrixNode}` });
    const name = nodes.items[0]?.metadata?.name;
    if (!name) throw new EnvironmentError(`no kind node carries ${MATRIX_NODE_LABEL}=${matrixNode}`, { matrixNode });
    return name;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.down();
  }

  async down(): Promise<void> {
    await this.forwards?.closeAll();
    if (this.o.keepCluster) return;
    // `kind delete cluster` exits 0 when the cluster does not exist, so down() is idempotent.
    await this.tool('kind', ['delete', 'cluster', '--name', this.o.clusterName]);
    this.created = false;
  }

  /** True when this backend created the cluster in this process (an interrupted run deletes only those). */
  get createdCluster(): boolean {
    return this.created;
  }
}
