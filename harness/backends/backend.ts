/**
 * One interface for every cluster (design principle 1). Backends differ only
 * in lifecycle, deployment, and the process-level faults Kubernetes has no
 * API for; everything else (secrets, pods, watches, pod deletes) goes through
 * the Kubernetes API from `kubeconfigPath`, and Vault is reached over its
 * HTTP API.
 */
import type { Backend as BackendName } from '../../common/record.js';

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

/** How the harness reaches a Vault server's HTTP API from outside the cluster. */
export interface VaultEndpoint {
  pod: string;
  url: string; // https://ip:8200 (embedded) or a port-forward URL
  /** TLS server name to verify, when it differs from the URL host */
  servername?: string;
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
  /** where logs of a pod can be read beyond what the log API keeps (embedded), or undefined */
  logDir?: string;
  /** the embedded cluster's state dir, where milestone gates can be armed (harness/faults/gates.ts); undefined elsewhere */
  embeddedStateDir?: string;
}

export interface ProcessFaults {
  /** kill -9 of the main process of a pod's container; the container restarts in place */
  killProcess(namespace: string, pod: string): Promise<{ at: number }>;
  /** loss of a whole node for downMs */
  failNode(node: string, downMs: number): Promise<{ at: number }>;
}

export interface DeployOptions {
  manager: ManagerChoice;
  /** switches of the Vault double (embedded only) */
  vaultOptions?: Record<string, unknown>;
}

export interface ClusterBackend {
  readonly name: BackendName;
  /** check tools (kind, helm, docker), create the cluster; throws EnvironmentError / ToolMissingError */
  up(): Promise<ClusterHandle>;
  /** deploy (or redeploy) Vault + manager and wait until Vault is initialized and unsealed and the manager runs */
  deploy(options: DeployOptions): Promise<void>;
  /** replace just the manager (e.g. another defect) without touching Vault */
  redeployManager(manager: ManagerChoice): Promise<void>;
  readonly faults: ProcessFaults;
  /** remove everything this backend started; idempotent */
  down(): Promise<void>;
}
