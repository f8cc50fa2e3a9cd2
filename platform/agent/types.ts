/**
 * Types of the node agent (docs/architecture.md, "The embedded cluster").
 * The agent does not own the object store: it talks to the API server's
 * store through the narrow `PodStorePort` below, so the process supervision
 * can be built and tested apart from the HTTP side.
 */

/** A StatefulSet-like workload: pods `<name>-0..replicas-1`, one container each. */
export interface WorkloadSpec {
  name: string;
  namespace: string;
  replicas: number;
  labels: Record<string, string>;
  /** argv; argv[0] 'node' means process.execPath */
  command: string[];
  env: Record<string, string>;
  cwd?: string;
  /** node for ordinal i (default: the agent's node list, ordinal i → node i mod n) */
  nodes?: string[];
  /** default 30 (embedded workloads use ~1) */
  terminationGracePeriodSeconds?: number;
  /** name of the pod's single container (default: 'main') */
  containerName?: string;
  /** optional readiness check: the container is ready once POD_IP:tcpPort accepts a connection */
  readiness?: { tcpPort: number };
  /**
   * Run each pod in its own mount namespace (platform/agent/sandbox/): Kubernetes-shaped
   * paths (volumes, /workdir, the service-account folder, cluster DNS through /etc/hosts).
   * Implied by `volumes` / `volumeMounts`; `false` with either is refused.
   */
  sandbox?: boolean;
  volumes?: Volume[];
  volumeMounts?: VolumeMount[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
}

/** The projection items of a configMap / secret volume (Kubernetes KeyToPath). */
export interface KeyToPath {
  key: string;
  /** relative path of the file inside the volume */
  path: string;
  /** file mode (default: the volume's defaultMode) */
  mode?: number;
}

export interface ConfigMapVolumeSource {
  name: string;
  items?: KeyToPath[];
  /** default 0o644 (420), as Kubernetes */
  defaultMode?: number;
  /** true: a missing configMap (or key) gives an empty volume instead of a waiting pod */
  optional?: boolean;
}

export interface SecretVolumeSource {
  secretName: string;
  items?: KeyToPath[];
  defaultMode?: number;
  optional?: boolean;
}

export type Volume =
  | { name: string; configMap: ConfigMapVolumeSource }
  | { name: string; secret: SecretVolumeSource }
  | { name: string; emptyDir: { medium?: '' | 'Memory' } }
  /** a folder of the node (this machine), bound as it is: what a test chart needs to reach a checkout */
  | { name: string; hostPath: { path: string; type?: '' | 'Directory' } };

export interface VolumeMount {
  name: string;
  mountPath: string;
  readOnly?: boolean;
  /** a file or folder inside the volume to mount instead of its root */
  subPath?: string;
}

/**
 * A Kubernetes probe with an exec handler. Times are seconds; Kubernetes takes
 * integers, the embedded cluster also accepts fractions so time-scaled runs can
 * shorten them. Validation fills the Kubernetes defaults.
 */
export interface Probe {
  exec: { command: string[] };
  /** default 0 */
  initialDelaySeconds?: number;
  /** default 10 */
  periodSeconds?: number;
  /** default 1 */
  timeoutSeconds?: number;
  /** default 1 (must be 1 for liveness) */
  successThreshold?: number;
  /** default 3 */
  failureThreshold?: number;
  /** liveness only: the grace of the kill a failed probe causes (default: the pod's) */
  terminationGracePeriodSeconds?: number;
}

/** A Kubernetes v1 Pod as the agent writes it (only the fields the agent owns are typed). */
export interface PodObject {
  apiVersion: 'v1';
  kind: 'Pod';
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    labels: Record<string, string>;
    annotations?: Record<string, string>;
    creationTimestamp: string;
    deletionTimestamp?: string;
    deletionGracePeriodSeconds?: number;
    resourceVersion?: string;
    ownerReferences?: Array<{ apiVersion: string; kind: string; name: string; uid: string; controller: boolean }>;
    [more: string]: unknown;
  };
  spec: Record<string, unknown> & { nodeName: string; terminationGracePeriodSeconds: number };
  status: Record<string, unknown>;
}

/**
 * What the agent needs from the API server's object store. Every write is a
 * read-modify-write of the latest stored object, so labels patched by a pod
 * (Vault's service registration) are never clobbered by a status update.
 */
export interface PodStorePort {
  /** Stores a new pod; the store assigns uid, creationTimestamp and resourceVersion. */
  createPod(pod: PodObject): PodObject;
  /** Applies `mutate` to the latest stored pod; no-op when the pod (with this uid) is gone. */
  updatePod(namespace: string, name: string, uid: string, mutate: (pod: PodObject) => void): void;
  /** Removes the pod object (watchers see DELETED); no-op when it is gone or has another uid. */
  removePod(namespace: string, name: string, uid: string): void;
  getPod(namespace: string, name: string): PodObject | undefined;
  listPods(namespace: string): PodObject[];
  /** A configMap or secret for a volume, or undefined when it does not exist (yet). */
  getVolumeSource?(resource: 'configmaps' | 'secrets', namespace: string, name: string): VolumeSourceObject | undefined;
}

/** The parts of a stored ConfigMap / Secret a volume projects. */
export interface VolumeSourceObject {
  /** ConfigMap: strings; Secret: base64 */
  data?: Record<string, string>;
  /** ConfigMap only: base64 */
  binaryData?: Record<string, string>;
}

export interface BackoffOptions {
  /** first restart delay (embedded default 100 ms; kubelet uses 10 s) */
  baseMs: number;
  /** cap of the doubling (embedded default 5 s; kubelet uses 300 s) */
  maxMs: number;
  /** a container that ran this long before exiting restarts at the base delay again */
  resetAfterMs: number;
}

export interface AgentOptions {
  stateDir: string;
  /** /24 prefix, e.g. 127.42.0 */
  ipBase: string;
  nodes: string[];
  store: PodStorePort;
  /** path of the kubeconfig handed to pods as KUBECONFIG */
  kubeconfigPath: string;
  backoff?: Partial<BackoffOptions>;
  /** repo root; the default cwd of pod processes (tsx resolves from here) */
  defaultCwd: string;
  /** diagnostics of the agent itself (never pod output) */
  log?: (line: string) => void;
  /** how sandboxed pods get their mount namespace; without it a sandboxed workload is refused */
  sandbox?: SandboxRuntime;
  /** the cluster DNS files sandboxed pods see as /etc/hosts and /etc/resolv.conf */
  dns?: PodDnsFiles;
}

/** The mechanism chosen at cluster start (sandbox/detect.ts). */
export interface SandboxRuntime {
  kind: 'bwrap' | 'unshare';
  /** absolute path of the tool */
  tool: string;
  /** absolute path of coreutils env (resets the pod program's signal dispositions) */
  env: string;
  /** unshare only: util-linux nsenter, to run execs in a running container's namespaces (absent: each exec builds its own) */
  nsenter?: string;
}

/** Where a namespace's DNS files live on the host (platform/dns/); the folder exists once this returns. */
export interface PodDnsFiles {
  folderFor(namespace: string): string;
}

/** The API server as pods reach it in-cluster (KUBERNETES_SERVICE_HOST/PORT, the service-account folder). */
export interface InClusterApi {
  host: string;
  port: number;
  /** the pods' bearer token (pod-kubeconfig's) */
  token: string;
  caPem: string;
}

export interface ProcessInfo {
  pod: string;
  namespace: string;
  container: string;
  pid: number;
  node: string;
  ip: string;
}

export const DEFAULT_NODES = ['controller-0', 'controller-1', 'worker-0'];
export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 100, maxMs: 5000, resetAfterMs: 2000 };
