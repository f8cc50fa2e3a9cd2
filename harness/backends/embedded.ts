/**
 * The embedded backend: the local cluster of platform (real
 * processes on loopback addresses) behind the `ClusterBackend` interface.
 * `up` starts the control plane only; `deploy` puts the Vault double (with
 * its feed) and the manager as workloads — the reference manager, or a
 * chart's or script's manager (embedded-manager.ts: its program in a
 * sandboxed pod) — and waits until the manager has initialized and unsealed
 * Vault and stored `cluster-key`.
 * A redeploy starts from a fresh Vault (store, feed and procedure secrets
 * wiped), which is how the runner recovers after an iteration broke custody.
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { delay } from '../../common/clock.js';
import { EnvironmentError, TimeoutError, UsageError } from '../../common/errors.js';
import { isProcedureSecret, ROOT_TOKEN_SECRET, SHARES } from '../../common/secrets.js';
import { deployWorkloads, startEmbeddedCluster, type EmbeddedCluster, type WorkloadOptions } from '../../platform/cluster.js';
import { vaultFeedPath } from '../../platform/workloads.js';
import { isSettled, serverStates } from '../vault-client/health.js';
import type { ClusterBackend, ClusterHandle, ClusterNames, CollectedLogs, DeployOptions, ManagerChoice, MilestoneGates, VaultTroubleCapability } from './backend.js';
import { embeddedGates } from './embedded-gates.js';
import { embeddedVaultTrouble } from './embedded-trouble.js';
import { PodLogCursor } from './embedded-logs.js';
import { deployForeignManager, labelSelectorOf } from './embedded-manager.js';
import { isManagerProblemLine, managerLogFormat, planManager, statusRateSecondsFor, type ManagerPlan } from '../manager-spec/index.js';
import type { VaultEndpoint } from '../vault-client/client.js';
import { commitFeedPath } from '../../platform/apiserver/commit-feed.js';

export interface EmbeddedBackendOptions {
  stateDir?: string;
  ipBase?: string;
  statusRateMs?: number; // default 100 ms → timescale 0.02
  readyTimeoutMs?: number; // deploy waits this long for an initialized, unsealed Vault
  gates?: boolean; // the `gates` capability and the Vault double's side of it (embedded-gates.ts); default on
  /** the version the Vault double reports; default: a chart's `server.version`, else the double's own */
  vaultVersion?: string;
}

const DEFAULT_STATUS_RATE_MS = 100;
const REFERENCE_SELECTOR = 'component=manager';
/** A foreign manager initializes Vault at its own pace (whole-second status rate, unseal wait intervals). */
const FOREIGN_READY_TIMEOUT_MS = 180_000;

/** How the deployed manager is recognised: its pods, and which of its log lines are problems (I6). */
interface DeployedManager {
  workload: string;
  selector: string;
  isProblem(line: string): boolean;
}

export class EmbeddedBackend implements ClusterBackend {
  readonly name = 'embedded' as const;
  private cluster: EmbeddedCluster | undefined;
  private handle: ClusterHandle | undefined;
  private readonly statusRateMs: number;
  private logs: PodLogCursor | undefined;
  private manager: DeployedManager | undefined;
  /** Milestone gates, unless switched off (`gates: false`: the Vault double then serves none either). */
  readonly gates: MilestoneGates | undefined;
  /** Transient Vault API failures: the double serves its trouble API with the gates' harness API, so it goes with them. */
  readonly vaultTrouble: VaultTroubleCapability | undefined;

  constructor(private readonly options: EmbeddedBackendOptions = {}) {
    this.statusRateMs = options.statusRateMs ?? DEFAULT_STATUS_RATE_MS;
    this.gates = options.gates === false ? undefined : embeddedGates(() => this.need().cluster);
    this.vaultTrouble = options.gates === false ? undefined : embeddedVaultTrouble(() => this.need().handle);
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
    this.logs = new PodLogCursor(cluster.logDir);
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(cluster.kubeconfigPath);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const names: ClusterNames = {
      namespace: cluster.state.namespace,
      fullname: cluster.state.fullname,
      serverLabelSelector: 'component=server,app.kubernetes.io/name=vault',
      managerLabelSelector: REFERENCE_SELECTOR,
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
    const plan = await this.planFor(options.manager);
    // A fresh Vault every time: old workloads, procedure secrets, the double's store and feed go first.
    await this.removeWorkloads([handle.names.fullname, `${handle.names.fullname}-manager`, this.manager?.workload]);
    await this.deleteProcedureSecrets();
    await rm(path.join(cluster.stateDir, 'vault', 'store'), { recursive: true, force: true });
    await rm(vaultFeedPath(cluster.stateDir), { force: true });
    const vaultVersion = this.options.vaultVersion ?? plan?.vaultVersion;
    await deployWorkloads(cluster, {
      vault: true,
      feed: true,
      gates: this.options.gates !== false,
      ...(options.vaultOptions ? { vaultOptions: options.vaultOptions } : {}),
      ...(vaultVersion !== undefined ? { vaultVersion } : {}),
      ...(plan ? { manager: false } : this.referenceSwitches(options.manager)),
    });
    handle.caCertPem = await readFile(cluster.caCertPath!, 'utf8');
    await this.putManager(plan);
    await this.waitReady(plan ? FOREIGN_READY_TIMEOUT_MS : undefined);
    await this.logs?.mark();
  }

  async redeployManager(manager: ManagerChoice): Promise<void> {
    const { cluster, handle } = this.need();
    const plan = await this.planFor(manager);
    await this.removeWorkloads([`${handle.names.fullname}-manager`, this.manager?.workload]);
    if (!plan) await deployWorkloads(cluster, { vault: false, ...this.referenceSwitches(manager) });
    await this.putManager(plan);
  }

  /** The plan of a chart's or script's manager, with the values the harness must set; undefined for ours. */
  private async planFor(manager: ManagerChoice): Promise<ManagerPlan | undefined> {
    if (manager.kind === 'reference') return undefined;
    if (manager.defect !== undefined) throw new UsageError(`--defect applies to the reference manager only (asked with ${manager.kind})`);
    const { names } = this.need().handle;
    return planManager(manager.kind, {
      namespace: names.namespace,
      releaseName: names.fullname,
      vaultName: 'vault',
      vaultFullname: names.fullname,
      haReplicas: 3,
      statusCheckRateS: statusRateSecondsFor(this.statusRateMs),
      ...(this.options.vaultVersion !== undefined ? { vaultVersion: this.options.vaultVersion } : {}),
    });
  }

  /** Puts a foreign manager's objects and pod (ours is a workload of deployWorkloads), and records how to find it. */
  private async putManager(plan: ManagerPlan | undefined): Promise<void> {
    const { cluster, handle } = this.need();
    if (!plan) {
      this.manager = { workload: `${handle.names.fullname}-manager`, selector: REFERENCE_SELECTOR, isProblem: (line) => isManagerProblemLine(managerLogFormat('reference'), line) };
    } else {
      const deployed = await deployForeignManager(cluster.kubeconfigPath, cluster.agent, plan, handle.caCertPem);
      const format = managerLogFormat(plan.source);
      this.manager = { workload: deployed.workload, selector: deployed.labelSelector, isProblem: (line) => isManagerProblemLine(format, line) };
      handle.statusRateMs = (plan.statusRateS ?? statusRateSecondsFor(this.statusRateMs)) * 1000;
    }
    handle.names.managerLabelSelector = this.manager.selector;
  }

  private async removeWorkloads(names: ReadonlyArray<string | undefined>): Promise<void> {
    const { agent } = this.need().cluster;
    await Promise.all([...new Set(names)].filter((n): n is string => n !== undefined).map((n) => agent.deleteWorkload(n).catch(() => undefined)));
  }

  private referenceSwitches(manager: ManagerChoice): WorkloadOptions {
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
  private async waitReady(defaultTimeoutMs = 30_000): Promise<void> {
    const { handle } = this.need();
    const core = this.core();
    const timeoutMs = this.options.readyTimeoutMs ?? defaultTimeoutMs;
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

  /** Where the next collectLogs starts: what the pods wrote before now belongs to no iteration. */
  async markLogs(): Promise<void> {
    await this.logs?.mark();
  }

  /**
   * The agent keeps every container's output under the state dir across restarts and recreations;
   * an iteration's part is what was written since markLogs (byte offsets, so `since` is not needed).
   */
  collectLogs(runDir: string, _since: number): Promise<CollectedLogs> {
    const manager = this.manager;
    if (!this.logs || !manager) return Promise.resolve({ logs: {}, managerProblems: [] });
    return this.logs.collect(runDir, (pod) => pod.startsWith(`${manager.workload}-`), (line) => manager.isProblem(line));
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
