/**
 * One interface for every cluster (design principle 1). Backends differ only
 * in lifecycle, deployment, and their capabilities: what Kubernetes has no
 * API for (killing a process, losing a node, reading logs beyond the log API,
 * pausing the cluster at a milestone). Everything else (secrets, pods,
 * watches, pod deletes) goes through the Kubernetes API from
 * `kubeconfigPath`, and Vault is reached over its HTTP API.
 *
 * Capabilities are optional members, as in Jepsen's DB protocols: a backend
 * has one or it does not, and the runner and the nemesis use it when present
 * and report honestly when absent. Nothing outside harness/backends/ asks
 * which backend it is talking to.
 */
import { RekeyChaosError } from '../../common/errors.js';
import type { Backend as BackendName } from '../../common/record.js';
import type { VaultTroubleSpec } from '../../common/scenario.js';
import type { VaultEndpoint } from '../vault-client/client.js';

export interface ClusterNames {
  namespace: string; // vault
  fullname: string; // sva-vault
  serverLabelSelector: string; // component=server,app.kubernetes.io/name=vault
  managerLabelSelector: string; // component=manager
}

export interface ManagerChoice {
  /** 'reference' or a chart / image spec for kind and kubeconfig backends */
  kind: string;
  defect?: string;
  /** extra manager settings (status rate, unseal wait intervals, …) */
  settings?: Record<string, string>;
}

export interface ClusterHandle {
  backend: BackendName;
  names: ClusterNames;
  kubeconfigPath: string;
  /** PEM of the CA that signs the Vault servers' certificates */
  caCertPem: string;
  /** the manager's configured status rate in ms; timescale = statusRateMs / 5000 */
  statusRateMs: number;
  /** per-pod Vault URLs as reachable from the harness, resolved now (pods move) */
  vaultEndpoints(): Promise<VaultEndpoint[]>;
  /** the embedded double's feed file (harness-only), or undefined */
  keyFeedPath?: string;
  /** the embedded API server's commit feed (harness-only: when each secret change was committed), or undefined */
  secretCommitFeedPath?: string;
}

/** The state of a milestone gate (times from nowMs()). */
export interface MilestoneGateStatus {
  milestone: string;
  state: 'armed' | 'closed' | 'released' | 'expired';
  closed: boolean;
  /** when the milestone closed the gate (undefined: not (yet) closed) */
  closedAt?: number;
  /** when it opened again or was disarmed */
  releasedAt?: number;
  /** requests that waited at the gate, and those dropped because their client went away (never applied) */
  held: number;
  dropped: number;
  /** Vault gates: the server whose event closed it */
  server?: string;
}

export type GateKind = 'kubernetes' | 'vault';

/** A gate armed for one milestone: the cluster's own programs are held right after it until release. */
export interface MilestoneGate {
  milestone: string;
  kind: GateKind;
  /** The gate ids as armed (one on the API server, or one per Vault server that accepted it), for the run record. */
  ids?: string[];
  /** Opens (or disarms) the gate; idempotent; tolerates Vault servers that died meanwhile. */
  release(): Promise<MilestoneGateStatus>;
  status(): Promise<MilestoneGateStatus>;
  /** Resolves with the status once the gate closed; rejects after `timeoutMs` (default 30 s) or on abort. */
  waitClosed(options?: { timeoutMs?: number; signal?: AbortSignal }): Promise<MilestoneGateStatus>;
  /** releases the gate (`await using gate = …` opens it on every path) */
  [Symbol.asyncDispose](): Promise<void>;
}

/** Milestone gates: deterministic "right after milestone M" injection (docs/architecture.md, "Milestone gates"). */
export interface MilestoneGates {
  /** which gate would hold this milestone, or undefined when this cluster cannot gate it (pure) */
  kindOf(milestone: string): GateKind | undefined;
  /** arms a one-shot gate; undefined when the milestone cannot be gated; opens by itself maxHoldMs after closing */
  arm(milestone: string, maxHoldMs: number): Promise<MilestoneGate | undefined>;
}

/** A trouble rule as one Vault server reports it. */
export interface VaultTroubleRuleStatus {
  id: string;
  /** matching requests still to misbehave */
  remaining: number;
  /** requests the rule acted on */
  applied: number;
}

/**
 * Transient Vault API failures (the embedded double's harness-only trouble
 * API): a rule on one server makes its next `count` client requests on a path
 * misbehave. Real Vault has no such thing, so only the embedded backend has it.
 */
export interface VaultTroubleCapability {
  /** arms a rule on one server pod; resolves once the server accepted it */
  arm(namespace: string, pod: string, spec: VaultTroubleSpec): Promise<{ id: string; at: number }>;
  /** reads the rule's final status and removes it, so nothing it has left carries into later requests */
  finish(namespace: string, pod: string, id: string): Promise<VaultTroubleRuleStatus>;
}

export interface CollectedLogs {
  /** pod → file relative to the run dir */
  logs: Record<string, string>;
  /** manager log lines at WARNING or ERROR (redacted) */
  managerProblems: string[];
  /** set when nothing could be collected, saying why (the checkers then cannot read the manager's log) */
  unavailable?: string;
}

export interface DeployOptions {
  manager: ManagerChoice;
  /** switches of the Vault double (embedded only) */
  vaultOptions?: Record<string, unknown>;
}

/** Disposing a backend is `down()`: `await using backend = await createBackend(…)`. */
export interface ClusterBackend extends AsyncDisposable {
  readonly name: BackendName;
  /** check tools (kind, helm, docker), create the cluster; throws EnvironmentError / ToolMissingError */
  up(): Promise<ClusterHandle>;
  /** deploy (or redeploy) Vault + manager and wait until Vault is initialized and unsealed and the manager runs */
  deploy(options: DeployOptions): Promise<void>;
  /** replace just the manager (e.g. another defect) without touching Vault */
  redeployManager(manager: ManagerChoice): Promise<void>;
  /** remove everything this backend started; idempotent */
  down(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;

  // --- capabilities: present only where the cluster can do it ---------------
  /** kill -9 of the main process of a pod's container; the container restarts in place */
  killProcess?(namespace: string, pod: string): Promise<{ at: number }>;
  /** loss of a whole node for downMs: its pods' processes die, the node is NotReady, then they restart */
  loseNode?(node: string, downMs: number): Promise<{ at: number }>;
  /** the pods' logs since `since` (epoch ms) into `<runDir>/logs/`, redacted, beyond what the log API keeps */
  collectLogs?(runDir: string, since: number): Promise<CollectedLogs>;
  /** where the next collectLogs starts (a backend that cuts logs by position rather than by time) */
  markLogs?(): Promise<void>;
  /** milestone gates (the embedded cluster's harness-only extensions) */
  readonly gates?: MilestoneGates;
  /** transient Vault API failures (the embedded double's harness-only trouble API) */
  readonly vaultTrouble?: VaultTroubleCapability;
}

/** The processes-level capabilities a fault may need; a backend without one is reported, not faked. */
export type ProcessCapabilities = Pick<ClusterBackend, 'name' | 'killProcess' | 'loseNode' | 'vaultTrouble'>;

/** A fault the backend has no capability for (exit 2: the scenario asks what this cluster cannot do). */
export class UnsupportedFaultError extends RekeyChaosError {
  constructor(fault: string, backend: string) {
    super(`${fault} is not supported on the ${backend} backend`, 2, { fault, backend });
  }
}
