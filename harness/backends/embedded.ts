/**
 * The embedded backend: the local cluster of platform (real
 * processes on loopback addresses) behind the `ClusterBackend` interface.
 * `up` starts the control plane only; `deploy` puts the Vault double (with
 * its feed) and the reference manager as workloads and waits until the
 * manager has initialized and unsealed Vault and stored `cluster-key`.
 * A redeploy starts from a fresh Vault (store, feed and procedure secrets
 * wiped), which is how the runner recovers after an iteration broke custody.
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { delay } from '../../common/clock.js';
import { EnvironmentError, TimeoutError } from '../../common/errors.js';
import { isProcedureSecret, ROOT_TOKEN_SECRET, SHARES } from '../../common/secrets.js';
import { deployWorkloads, startEmbeddedCluster, type EmbeddedCluster, type WorkloadOptions } from '../../platform/cluster.js';
import { vaultFeedPath } from '../../platform/workloads.js';
import { isSettled, serverStates } from '../vault-client/health.js';
import type { ClusterBackend, ClusterHandle, ClusterNames, CollectedLogs, DeployOptions, ManagerChoice, MilestoneGates } from './backend.js';
import { embeddedGates } from './embedded-gates.js';
import { collectPodLogs } from './embedded-logs.js';
import type { VaultEndpoint } from '../vault-client/client.js';
import { commitFeedPath } from '../../platform/apiserver/commit-feed.js';

export interface EmbeddedBackendOptions {
  stateDir?: string;
  ipBase?: string;
  statusRateMs?: number; // default 100 ms → timescale 0.02
  readyTimeoutMs?: number; // deploy waits this long for an initialized, unsealed Vault
  gates?: boolean; // the `gates` capability and the Vault double's side of it (embedded-gates.ts); default on
}

const DEFAULT_STATUS_RATE_MS = 100;

export class EmbeddedBackend implements ClusterBackend {
  readonly name = 'embedded' as const;
  private cluster: EmbeddedCluster | undefined;
  private handle: ClusterHandle | undefined;
  private readonly statusRateMs: number;
  /** Milestone gates, unless switched off (`gates: false`: the Vault double then serves none either). */
  readonly gates: MilestoneGates | undefined;

  constructor(private readonly options: EmbeddedBackendOptions = {}) {
    this.statusRateMs = options.statusRateMs ?? DEFAULT_STATUS_RATE_MS;
    this.gates = options.gates === false ? undefined : embeddedGates(() => this.need().cluster);
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
    const { fullname } = handle.names;
    // A fresh Vault every time: old workloads, procedure secrets, the double's store and feed go first.
    await Promise.all([cluster.agent.deleteWorkload(fullname).catch(() => undefined), cluster.agent.deleteWorkload(`${fullname}-manager`).catch(() => undefined)]);
    await this.deleteProcedureSecrets();
    await rm(path.join(cluster.stateDir, 'vault', 'store'), { recursive: true, force: true });
    await rm(vaultFeedPath(cluster.stateDir), { force: true });
    await deployWorkloads(cluster, {
      vault: true,
      feed: true,
      gates: this.options.gates !== false,
      ...(options.vaultOptions ? { vaultOptions: options.vaultOptions } : {}),
      ...this.managerSwitches(options.manager),
    });
    handle.caCertPem = await readFile(cluster.caCertPath!, 'utf8');
    await this.waitReady();
  }

  async redeployManager(manager: ManagerChoice): Promise<void> {
    await deployWorkloads(this.need().cluster, { vault: false, ...this.managerSwitches(manager) });
  }

  private managerSwitches(manager: ManagerChoice): WorkloadOptions {
    if (manager.kind !== 'reference') throw new EnvironmentError(`the embedded backend runs the reference manager only (asked for ${manager.kind})`);
    return {
      manager: true,
      statusRateMs: this.statusRateMs,
      ...(manager.defect ? { managerDefect: manager.defect } : {}),
      ...(manager.settings ? { managerSettings: manager.settings } : {}),
    };
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

  async killProcess(namespace: string, pod: string): Promise<{ at: number }> {
    return { at: (await this.need().cluster.agent.killProcess(namespace, pod)).at };
  }

  async loseNode(node: string, downMs: number): Promise<{ at: number }> {
    return { at: (await this.need().cluster.agent.failNode(node, downMs)).at };
  }

  /** The agent keeps every container's output under the state dir across restarts and recreations. */
  collectLogs(runDir: string, since: number): Promise<CollectedLogs> {
    const { cluster, handle } = this.need();
    return collectPodLogs(cluster.logDir, runDir, since, (pod) => pod.startsWith(`${handle.names.fullname}-manager`));
  }


  [Symbol.asyncDispose](): Promise<void> {
    return this.down();
  }

  async down(): Promise<void> {
    const cluster = this.cluster;
    this.cluster = undefined;
    this.handle = undefined;
    await cluster?.stop();
  }
}
