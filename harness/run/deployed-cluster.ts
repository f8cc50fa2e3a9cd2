/**
 * The real IterationDriver: one deployed cluster (any backend), the
 * Kubernetes API for secrets and pods, the observers of harness/observe for
 * the history (observation.ts: secret watch, custody ledger, Vault poller, the
 * double's feed), the independent audits through Vault's API (audits.ts), and
 * the checkers of harness/invariants for the verdict.
 */
import * as k8s from '@kubernetes/client-node';
import { delay, nowMs } from '../../common/clock.js';
import { EnvironmentError } from '../../common/errors.js';
import { tokenFingerprint, keyFingerprint } from '../../common/fingerprint.js';
import { COMPLETE_EVENT } from '../../common/milestones.js';
import type { Backend as BackendName, ServerState } from '../../common/record.js';
import { DATA_KEY, isRekeyArtefact, parseShard, ROOT_TOKEN_SECRET, rootTokenOf, SHARES, THRESHOLD } from '../../common/secrets.js';
import { combine } from '../../common/shamir.js';
import type { ClusterBackend, ClusterHandle, ManagerChoice, MilestoneGates } from '../backends/backend.js';
import { createBackend } from '../backends/index.js';
import { kubePodApi } from '../faults/pod-api.js';
import { WatchedPods } from '../faults/watched-pods.js';
import { applyFault } from '../faults/inject.js';
import { checkInvariants, outcomeOf } from '../invariants/index.js';
import type { AuditResult, InitialState, IterationDriver, Observation, OpenCluster, SettleOptions } from './iteration-driver.js';
import { isSettled, serverStates } from '../vault-client/health.js';
import { snapshotSet } from '../../common/set-snapshot.js';
import { auditEndState } from './audits.js';
import { activeClient } from '../vault-client/health.js';
import { auditPolicyBefore } from '../vault-client/policy-audit.js';
import { startObservation } from './observation.js';
import { secretValuesOf } from './secret-values.js';

/**
 * The least time `settle` allows. A scenario's settle time is scaled with the
 * manager's status rate, but recreating pods and starting their processes is
 * not: scaled to 0.02, F8's 30 s become 0.6 s, less than one pod's start-up
 * after the after-completion delete of every pod.
 */
export const MIN_SETTLE_MS = 15_000;

/** What `initial()` keeps in memory for the audit of the old key (never written). */
interface InitialSecrets {
  shares: Uint8Array[];
  /** the seal policy before the request, for I9 */
  policyBefore?: Awaited<ReturnType<typeof auditPolicyBefore>>;
}

export class DeployedClusterDriver implements IterationDriver {
  private readonly kc = new k8s.KubeConfig();
  private readonly core: k8s.CoreV1Api;
  private readonly pods: WatchedPods;
  private podsStarted: Promise<void> | undefined;

  constructor(
    private readonly backend: ClusterBackend,
    private readonly handle: ClusterHandle,
    private readonly manager: ManagerChoice,
  ) {
    this.kc.loadFromFile(handle.kubeconfigPath);
    this.core = this.kc.makeApiClient(k8s.CoreV1Api);
    this.pods = new WatchedPods(this.kc, handle.names.namespace, kubePodApi(this.kc));
  }

  private get ns(): string {
    return this.handle.names.namespace;
  }

  private async secretMap(): Promise<Map<string, string>> {
    const list = await this.core.listNamespacedSecret({ namespace: this.ns });
    const out = new Map<string, string>();
    for (const s of list.items) {
      const raw = s.data?.[DATA_KEY];
      if (s.metadata?.name) out.set(s.metadata.name, raw ? Buffer.from(raw, 'base64').toString('utf8') : '');
    }
    return out;
  }

  async leftovers(): Promise<string[]> {
    return [...(await this.secretMap()).keys()].filter(isRekeyArtefact).sort();
  }

  async removeLeftovers(names: string[]): Promise<void> {
    await Promise.all(names.map((name) => this.core.deleteNamespacedSecret({ namespace: this.ns, name }).catch(() => undefined)));
  }

  async initial(): Promise<InitialState> {
    const secrets = await this.secretMap();
    const shares: Uint8Array[] = [];
    const secretValues: string[] = [];
    for (let i = 0; i < SHARES; i++) {
      const strdata = secrets.get(`cluster-key-${i}`);
      const share = strdata !== undefined ? parseShard(strdata) : undefined;
      if (!share) throw new EnvironmentError(`cluster-key-${i} is missing or unreadable before the request`, { secret: `cluster-key-${i}` });
      shares.push(share);
      secretValues.push(...secretValuesOf(`cluster-key-${i}`, strdata!));
    }
    const stored = secrets.get(ROOT_TOKEN_SECRET);
    const token = stored === undefined ? undefined : rootTokenOf(stored);
    if (token) secretValues.push(token);
    const keyFp = keyFingerprint(await combine(shares.slice(0, THRESHOLD)));
    const secretsKept: InitialSecrets = { shares, policyBefore: await auditPolicyBefore(await activeClient(this.handle)) };
    return { keyFp, ...(token ? { rootTokenFp: tokenFingerprint(token) } : {}), private: secretsKept, secretValues };
  }

  async observe(): Promise<Observation> {
    // The pod cache the faults resolve targets from; started once, before the first trigger can fire.
    await (this.podsStarted ??= this.pods.start());
    // The iteration's logs start here: what came before (a recovery, the previous iteration's tail) is not its.
    await this.backend.markLogs?.();
    return startObservation({ kubeConfig: this.kc, handle: this.handle });
  }

  /** Stops the pod cache's watch (the cluster itself is the backend's to tear down). */
  async close(): Promise<void> {
    if (this.podsStarted) await this.pods.stop();
  }

  async requestRekey(requestId: string): Promise<number> {
    await this.core.createNamespacedSecret({
      namespace: this.ns,
      body: { metadata: { name: 'cluster-rekey-request' }, data: { [DATA_KEY]: Buffer.from(requestId).toString('base64') } },
    });
    return nowMs();
  }

  applyFault(fault: Parameters<typeof applyFault>[0], targetSeed: number, timescale: number) {
    return applyFault(fault, targetSeed, { pods: this.pods, processes: this.backend, names: this.handle.names, timescale });
  }

  /** The backend's gates capability, where it has one. */
  get gates(): MilestoneGates | undefined {
    return this.backend.gates;
  }

  podsQuietSince(): number | undefined {
    return this.pods.quietSince();
  }

  awaitCompletion(observation: Observation, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      if (observation.timeline.events().some((e) => e.name === COMPLETE_EVENT)) return resolve(true);
      const done = (v: boolean) => {
        off();
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      };
      const off = observation.timeline.on((e) => e.name === COMPLETE_EVENT && done(true));
      const timer = setTimeout(() => done(false), timeoutMs);
      const onAbort = () => done(false);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  async settle(settleMs: number, signal: AbortSignal, options: SettleOptions = {}): Promise<{ settled: boolean; servers: ServerState[] }> {
    // The wait ends as soon as the cluster has settled, so the floor costs a passing iteration nothing.
    const deadline = nowMs() + (options.exact ? settleMs : Math.max(settleMs, MIN_SETTLE_MS));
    for (;;) {
      const servers = await serverStates(await this.handle.vaultEndpoints(), this.handle.caCertPem);
      if (isSettled(servers, 3)) return { settled: true, servers };
      if (nowMs() > deadline || signal.aborted) return { settled: false, servers };
      await delay(25, signal).catch(() => undefined);
    }
  }

  async audit(initial: InitialState): Promise<AuditResult> {
    const secrets = await this.secretMap();
    const names = [...secrets.keys()].filter((n) => n.startsWith('cluster-')).sort();
    const { shares, policyBefore } = initial.private as InitialSecrets;
    const out = await auditEndState(this.handle, { initialShares: shares, finalSecrets: secrets, ...(policyBefore ? { policyBefore } : {}) });
    return {
      audits: out.audits,
      policy: out.policy,
      ...(out.rootTokenWorks !== undefined ? { rootTokenWorks: out.rootTokenWorks } : {}),
      secrets: names,
      secretValues: [...secrets].flatMap(([n, v]) => secretValuesOf(n, v)),
    };
  }

  async collectLogs(runDir: string, since: number) {
    if (this.backend.collectLogs) return this.backend.collectLogs(runDir, since);
    return { logs: {}, managerProblems: [], unavailable: `the ${this.backend.name} backend has no collectLogs capability` };
  }

  evaluate(record: Parameters<IterationDriver['evaluate']>[0]) {
    const invariants = checkInvariants(record);
    return { invariants, outcome: outcomeOf(record, invariants) };
  }

  /**
   * Redeploy only when the cluster is not clean: artefacts left, cluster-key
   * incomplete or inconsistent (a garbled share passes a three-share check
   * but would poison every later iteration), or Vault not settled.
   */
  async recover(): Promise<boolean> {
    try {
      if (await this.isClean()) return true;
      await this.backend.deploy({ manager: this.manager });
      return true;
    } catch {
      return false;
    }
  }

  private async isClean(): Promise<boolean> {
    if ((await this.leftovers()).length > 0) return false;
    const key = await snapshotSet('cluster-key', await this.secretMap());
    if (key.state !== 'complete' || key.consistent === false) return false;
    return isSettled(await serverStates(await this.handle.vaultEndpoints(), this.handle.caCertPem), 3);
  }
}

/** Which cluster to open: the backend, its options, and the manager to deploy. */
export interface ClusterRequest {
  backend: BackendName;
  /** stateDir, ipBase, kubeconfig path, namespace, release, keepCluster … (per backend) */
  backendOptions?: Record<string, unknown>;
  manager: ManagerChoice;
}

export async function openDeployedCluster(options: ClusterRequest, signal: AbortSignal): Promise<OpenCluster> {
  const backend = await createBackend(options.backend, options.backendOptions ?? {});
  let driver: DeployedClusterDriver | undefined;
  const close = async () => {
    await driver?.close().catch(() => undefined);
    if (options.backendOptions?.['keepCluster'] !== true) await backend.down();
  };
  try {
    if (signal.aborted) throw new EnvironmentError('interrupted before the cluster came up');
    const handle = await backend.up();
    await backend.deploy({ manager: options.manager });
    driver = new DeployedClusterDriver(backend, handle, options.manager);
    return { driver, [Symbol.asyncDispose]: close };
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
}
