/**
 * The embedded backend: the local cluster of platform (real
 * processes on loopback addresses) behind the `ClusterBackend` interface.
 * `up` starts the control plane only; `deploy` puts the Vault double (with
 * its feed) and the reference manager as workloads and waits until the
 * manager has initialized and unsealed Vault and stored `cluster-key`.
 * A redeploy starts from a fresh Vault (store, feed and procedure secrets
 * wiped), which is how the runner recovers after an iteration broke custody.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { delay } from '../../common/clock.js';
import { EnvironmentError, TimeoutError } from '../../common/errors.js';
import { isProcedureSecret, ROOT_TOKEN_SECRET, SHARES } from '../../common/secrets.js';
import { commitFeedPath } from '../../platform/apiserver/commit-feed.js';
import { startEmbeddedCluster, type EmbeddedCluster } from '../../platform/cluster.js';
import { managerWorkload, vaultFeedPath, vaultServerWorkload } from '../../platform/workloads.js';
import { isSettled, serverStates } from '../run/health.js';
import type { ClusterBackend, ClusterHandle, ClusterNames, DeployOptions, ManagerChoice, ProcessFaults, VaultEndpoint } from './backend.js';

export interface EmbeddedBackendOptions {
  stateDir?: string;
  ipBase?: string;
  statusRateMs?: number; // default 100 ms → timescale 0.02
  readyTimeoutMs?: number; // deploy waits this long for an initialized, unsealed Vault
  gates?: boolean; // the Vault double serves milestone gates (harness/faults/gates.ts); default on
}

const DEFAULT_STATUS_RATE_MS = 100;

export class EmbeddedBackend implements ClusterBackend {
  readonly name = 'embedded' as const;
  private cluster: EmbeddedCluster | undefined;
  private handle: ClusterHandle | undefined;
  private lastDeploy: DeployOptions | undefined;
  private readonly statusRateMs: number;

  constructor(private readonly options: EmbeddedBackendOptions = {}) {
    this.statusRateMs = options.statusRateMs ?? DEFAULT_STATUS_RATE_MS;
  }

  private need(): { cluster: EmbeddedCluster; handle: ClusterHandle } {
    if (!this.cluster || !this.handle) throw new EnvironmentError('embedded backend: up() was not called');
    return { cluster: this.cluster, handle: this.handle };
  }

  async up(): Promise<ClusterHandle> {
    if (this.handle) return this.handle;
    const cluster = await startEmbeddedCluster({
      ...(this.options.stateDir ? { stateDir: this.options.stateDir } : {}),
      ...(this.options.ipBase ? { ipBase: this.options.ipBase } : {}),
      vault: false,
      manager: false,
    });
    this.cluster = cluster;
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(cluster.kubeconfigPath);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const names: ClusterNames = {
      namespace: cluster.state.namespace,
      fullname: cluster.state.fullname,
      serverLabelSelector: 'component=server,app.kubernetes.io/name=vault',
      managerLabelSelector: 'component=manager',
    };
    this.handle = {
      backend: 'embedded',
      names,
      kubeconfigPath: cluster.kubeconfigPath,
      caCertPem: '',
      statusRateMs: this.statusRateMs,
      keyFeedPath: vaultFeedPath(cluster.stateDir),
      secretCommitFeedPath: commitFeedPath(cluster.stateDir),
      logDir: cluster.logDir,
      embeddedStateDir: cluster.stateDir,
      async vaultEndpoints(): Promise<VaultEndpoint[]> {
        const pods = await core.listNamespacedPod({ namespace: names.namespace, labelSelector: names.serverLabelSelector });
        return pods.items
          .filter((p) => p.status?.podIP && !p.metadata?.deletionTimestamp)
          .map((p) => ({ pod: p.metadata!.name!, url: `https://${p.status!.podIP}:8200` }))
          .sort((a, b) => (a.pod < b.pod ? -1 : 1));
      },
    };
    return this.handle;
  }

  async deploy(options: DeployOptions): Promise<void> {
    const { cluster, handle } = this.need();
    this.lastDeploy = options;
    const { namespace, fullname } = handle.names;
    await Promise.all([cluster.agent.deleteWorkload(fullname).catch(() => undefined), cluster.agent.deleteWorkload(`${fullname}-manager`).catch(() => undefined)]);
    await this.deleteProcedureSecrets();
    await rm(path.join(cluster.stateDir, 'vault', 'store'), { recursive: true, force: true });
    await rm(vaultFeedPath(cluster.stateDir), { force: true });
    const { createCa } = await import('../../platform/pki.js');
    const ca = await createCa(path.join(cluster.stateDir, 'pki'));
    const { readFile, mkdir } = await import('node:fs/promises');
    await mkdir(path.join(cluster.stateDir, 'vault', 'store'), { recursive: true });
    handle.caCertPem = await readFile(ca.certPath, 'utf8');
    await cluster.agent.putWorkload(vaultServerWorkload({ stateDir: cluster.stateDir, namespace, fullname, feed: true, harnessApi: this.options.gates !== false, ...(options.vaultOptions ? { vaultOptions: options.vaultOptions } : {}) }));
    await this.putManager(options.manager);
    await this.waitReady();
  }

  async redeployManager(manager: ManagerChoice): Promise<void> {
    await this.putManager(manager);
    if (this.lastDeploy) this.lastDeploy = { ...this.lastDeploy, manager };
  }

  private async putManager(manager: ManagerChoice): Promise<void> {
    const { cluster, handle } = this.need();
    if (manager.kind !== 'reference') throw new EnvironmentError(`the embedded backend runs the reference manager only (asked for ${manager.kind})`);
    await cluster.agent.putWorkload(
      managerWorkload({
        stateDir: cluster.stateDir,
        namespace: handle.names.namespace,
        fullname: handle.names.fullname,
        ipBase: cluster.state.ipBase,
        statusRateMs: this.statusRateMs,
        ...(manager.defect ? { defect: manager.defect } : {}),
        ...(manager.settings ? { settings: manager.settings } : {}),
      }),
    );
  }

  private core(): k8s.CoreV1Api {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(this.need().cluster.kubeconfigPath);
    return kc.makeApiClient(k8s.CoreV1Api);
  }

  private async deleteProcedureSecrets(): Promise<void> {
    const core = this.core();
    const namespace = this.need().handle.names.namespace;
    const list = await core.listNamespacedSecret({ namespace });
    await Promise.all(
      list.items.map((s) => s.metadata?.name).filter((n): n is string => n !== undefined && isProcedureSecret(n)).map((name) => core.deleteNamespacedSecret({ namespace, name }).catch(() => undefined)),
    );
  }

  /** Ready = `cluster-key-0..4` and the root token stored, three servers unsealed, exactly one active. */
  private async waitReady(): Promise<void> {
    const { handle } = this.need();
    const core = this.core();
    const timeoutMs = this.options.readyTimeoutMs ?? 30_000;
    const deadline = Date.now() + timeoutMs;
    const wanted = [...Array.from({ length: SHARES }, (_, i) => `cluster-key-${i}`), ROOT_TOKEN_SECRET];
    for (;;) {
      const secrets = new Set((await core.listNamespacedSecret({ namespace: handle.names.namespace })).items.map((s) => s.metadata?.name));
      if (wanted.every((n) => secrets.has(n)) && isSettled(await serverStates(await handle.vaultEndpoints(), handle.caCertPem), 3)) return;
      if (Date.now() > deadline) throw new TimeoutError('an initialized, unsealed Vault with cluster-key stored', timeoutMs, { stateDir: this.need().cluster.stateDir });
      await delay(50);
    }
  }

  readonly faults: ProcessFaults = {
    killProcess: async (namespace, pod) => ({ at: (await this.need().cluster.agent.killProcess(namespace, pod)).at }),
    failNode: async (node, downMs) => ({ at: (await this.need().cluster.agent.failNode(node, downMs)).at }),
  };

  async down(): Promise<void> {
    const cluster = this.cluster;
    this.cluster = undefined;
    this.handle = undefined;
    await cluster?.stop();
  }
}
