/**
 * The typed plan of what to deploy for a manager, whatever the spec was
 * (a chart or a rendered script). Kubernetes shapes are kept as Kubernetes
 * writes them (volumes, mounts, probes), so a backend can hand them to an
 * API server as they are or map them onto its own processes.
 */
import type { ManagerLogFormat } from './log-format.js';
import type { KubeObject } from './render.js';
import type { ValueOverride } from './values.js';

/** Env values Kubernetes fills in per pod (fieldRef), as markers the backend substitutes. */
export type PodFieldMarker = 'pod-name' | 'pod-namespace' | 'pod-ip';

export type ManagerEnvVar = { name: string; value: string } | { name: string; fromPod: PodFieldMarker };

export interface VolumeMount {
  name: string;
  mountPath: string;
  readOnly?: boolean;
  subPath?: string;
}

/** A pod volume in Kubernetes shape: `{name, configMap: {...}}`, `{name, secret: {...}}`, … */
export interface Volume {
  name: string;
  [source: string]: unknown;
}

/** A probe in Kubernetes shape (`exec` / `httpGet` / `tcpSocket` and its timings). */
export type Probe = Record<string, unknown>;

export interface ManagerContainer {
  name: string;
  image?: string;
  /** command followed by args: what runs (the image's entrypoint is taken to be empty) */
  argv: string[];
  command: string[];
  args: string[];
  env: ManagerEnvVar[];
  workingDir?: string;
}

/** A file the manager reads from a Secret the chart does not create (the backend must). */
export interface SecretFile {
  /** the env var that names the file */
  env: string;
  path: string;
  secretName: string;
  key: string;
}

export interface ManagerPlan {
  source: 'chart' | 'script';
  /** the --manager text */
  spec: string;
  /** how the objects were made: helm, the built-in renderer, or none (a script) */
  renderer: 'helm' | 'builtin' | 'none';
  namespace: string;
  workload: { kind: 'StatefulSet' | 'Deployment'; name: string };
  podLabels: Record<string, string>;
  replicas: number;
  serviceAccountName?: string;
  terminationGracePeriodSeconds?: number;
  container: ManagerContainer;
  volumeMounts: VolumeMount[];
  volumes: Volume[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  /** namespaced objects to create before the pod (ConfigMaps, RBAC, …), in Helm's install order */
  objects: KubeObject[];
  /** cluster-scoped objects the chart renders (not created in the namespace) */
  clusterObjects: KubeObject[];
  /** names of the ConfigMaps among `objects` */
  configMaps: string[];
  /** Secrets the pod mounts that the chart does not create (e.g. the CA) */
  externalSecrets: string[];
  /** the CA file the manager reads (env CA_CERT), when it lies in a mounted Secret */
  caCert?: SecretFile;
  /** the status rate the manager runs at, in seconds (undefined when unknown) */
  statusRateS?: number;
  /** the Vault version the manager expects (undefined when unknown) */
  vaultVersion?: string;
  /** user values the harness replaced */
  overrides: ValueOverride[];
  logFormat: ManagerLogFormat;
}
