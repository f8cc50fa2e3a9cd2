/**
 * Finds the manager in a chart's rendered objects and turns it into a plan.
 *
 * The rule for the manager workload: among the StatefulSets and
 * Deployments, the ones whose pod mounts a ConfigMap this chart renders
 * (the manager runs a script the chart ships) and whose name or labels say
 * "manager". Exactly one must qualify; the plan never guesses between two.
 */
import { UsageError } from '../../common/errors.js';
import { STARLINGX_LOG_FORMAT } from './log-format.js';
import type { ManagerContainer, ManagerEnvVar, ManagerPlan, PodFieldMarker, SecretFile, Volume, VolumeMount } from './plan-types.js';
import type { KubeObject, RenderedObject } from './render.js';
import { isMapping } from './values.js';

const WORKLOAD_KINDS = new Set(['StatefulSet', 'Deployment']);

/** Kinds that live outside a namespace (the common ones a chart renders). */
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'PersistentVolume', 'StorageClass', 'PriorityClass', 'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration', 'APIService', 'IngressClass', 'RuntimeClass']);

/** Helm's install order (the part of it a manager chart may use); other kinds go last. */
const INSTALL_ORDER = ['Namespace', 'NetworkPolicy', 'ResourceQuota', 'LimitRange', 'PodSecurityPolicy', 'PodDisruptionBudget', 'ServiceAccount', 'Secret', 'SecretList', 'ConfigMap', 'StorageClass', 'PersistentVolume', 'PersistentVolumeClaim', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleList', 'ClusterRoleBinding', 'ClusterRoleBindingList', 'Role', 'RoleList', 'RoleBinding', 'RoleBindingList', 'Service', 'DaemonSet', 'Pod', 'ReplicationController', 'ReplicaSet', 'Deployment', 'HorizontalPodAutoscaler', 'StatefulSet', 'Job', 'CronJob', 'IngressClass', 'Ingress', 'APIService'];

const FIELD_MARKERS: Record<string, PodFieldMarker> = { 'metadata.name': 'pod-name', 'metadata.namespace': 'pod-namespace', 'status.podIP': 'pod-ip' };

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (isMapping(v) ? v : {});
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isMapping) : []);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

function podSpecOf(workload: KubeObject): Obj {
  return obj(obj(obj(workload['spec'])['template'])['spec']);
}

function podLabelsOf(workload: KubeObject): Record<string, string> {
  const labels = obj(obj(obj(obj(workload['spec'])['template'])['metadata'])['labels']);
  return Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, String(v)]));
}

function saysManager(workload: KubeObject): boolean {
  const labelValues = [...Object.values(workload.metadata.labels ?? {}), ...Object.values(podLabelsOf(workload))].map(String);
  return [workload.metadata.name, ...labelValues].some((s) => /manager/i.test(s));
}

export function findManagerWorkload(chartDir: string, objects: RenderedObject[]): KubeObject {
  const configMaps = new Set(objects.filter((o) => o.object.kind === 'ConfigMap').map((o) => o.object.metadata.name));
  const candidates = objects
    .map((o) => o.object)
    .filter((o) => WORKLOAD_KINDS.has(o.kind))
    .filter((w) => list(podSpecOf(w)['volumes']).some((v) => configMaps.has(String(obj(v['configMap'])['name']))))
    .filter(saysManager);
  if (candidates.length === 0) throw new UsageError(`chart ${chartDir} has no manager workload (a StatefulSet or Deployment that mounts a ConfigMap of the chart and whose name or labels say manager)`, { chartDir });
  if (candidates.length > 1) throw new UsageError(`chart ${chartDir} has several manager workloads: ${candidates.map((w) => `${w.kind}/${w.metadata.name}`).join(', ')}`, { chartDir });
  return candidates[0]!;
}

function envOf(chartDir: string, container: Obj): ManagerEnvVar[] {
  if (container['envFrom'] !== undefined) throw new UsageError(`chart ${chartDir}: the manager container uses envFrom, which is not supported`, { chartDir });
  return list(container['env']).map((e) => {
    const name = String(e['name']);
    if (e['valueFrom'] === undefined) return { name, value: e['value'] === undefined ? '' : String(e['value']) };
    const fieldPath = obj(obj(e['valueFrom'])['fieldRef'])['fieldPath'];
    const marker = typeof fieldPath === 'string' ? FIELD_MARKERS[fieldPath] : undefined;
    if (marker === undefined) {
      const what = typeof fieldPath === 'string' ? `fieldRef ${fieldPath}` : Object.keys(obj(e['valueFrom'])).join(', ');
      throw new UsageError(`chart ${chartDir}: the manager's env ${name} takes valueFrom ${what}, which is not supported (plain values, or fieldRef metadata.name, metadata.namespace, status.podIP)`, { chartDir, env: name });
    }
    return { name, fromPod: marker };
  });
}

function containerOf(chartDir: string, workload: KubeObject): Obj {
  const spec = podSpecOf(workload);
  if (list(spec['initContainers']).length > 0) throw new UsageError(`chart ${chartDir}: the manager workload ${workload.metadata.name} has init containers, which are not supported`, { chartDir });
  const containers = list(spec['containers']);
  if (containers.length === 1) return containers[0]!;
  const named = containers.find((c) => c['name'] === 'manager');
  if (named) return named;
  throw new UsageError(`chart ${chartDir}: the manager workload ${workload.metadata.name} has ${containers.length} containers (${containers.map((c) => String(c['name'])).join(', ')}) and none is named manager`, { chartDir });
}

function managerContainer(chartDir: string, c: Obj): ManagerContainer {
  const command = strings(c['command']);
  const args = strings(c['args']);
  const out: ManagerContainer = { name: String(c['name']), argv: [...command, ...args], command, args, env: envOf(chartDir, c) };
  if (typeof c['image'] === 'string') out.image = c['image'];
  if (typeof c['workingDir'] === 'string') out.workingDir = c['workingDir'];
  if (out.argv.length === 0) throw new UsageError(`chart ${chartDir}: the manager container ${out.name} has neither command nor args`, { chartDir });
  return out;
}

/** The file an env var names, when it lies in a mounted Secret. */
function secretFileOf(env: string, filePath: string, mounts: VolumeMount[], volumes: Volume[]): SecretFile | undefined {
  for (const mount of mounts) {
    const base = mount.mountPath.replace(/\/+$/, '');
    if (!filePath.startsWith(`${base}/`)) continue;
    const secret = obj(volumes.find((v) => v.name === mount.name)?.['secret']);
    if (typeof secret['secretName'] !== 'string') continue;
    const rel = filePath.slice(base.length + 1);
    const item = list(secret['items']).find((i) => i['path'] === rel);
    return { env, path: filePath, secretName: secret['secretName'], key: item ? String(item['key']) : rel };
  }
  return undefined;
}

function installRank(kind: string): number {
  const i = INSTALL_ORDER.indexOf(kind);
  return i < 0 ? INSTALL_ORDER.length : i;
}

export interface ExtractInput {
  chartDir: string;
  spec: string;
  renderer: 'helm' | 'builtin';
  namespace: string;
  objects: RenderedObject[];
  statusRateS?: number;
  vaultVersion?: string;
  overrides: ManagerPlan['overrides'];
}

export function extractManagerPlan(input: ExtractInput): ManagerPlan {
  const { chartDir } = input;
  const workload = findManagerWorkload(chartDir, input.objects);
  const pod = podSpecOf(workload);
  const c = containerOf(chartDir, workload);
  const volumes = list(pod['volumes']) as Volume[];
  const volumeMounts = list(c['volumeMounts']) as unknown as VolumeMount[];
  const others = input.objects.map((o) => o.object).filter((o) => o !== workload);
  const namespaced = others
    .filter((o) => !CLUSTER_SCOPED.has(o.kind))
    .map((o) => ({ ...o, metadata: { ...o.metadata, namespace: o.metadata.namespace ?? input.namespace } }))
    .sort((a, b) => installRank(a.kind) - installRank(b.kind));
  const rendered = (kind: string) => new Set(namespaced.filter((o) => o.kind === kind).map((o) => o.metadata.name));
  const configMaps = rendered('ConfigMap');
  const secrets = rendered('Secret');
  for (const v of volumes) {
    const cm = obj(v['configMap']);
    if (typeof cm['name'] === 'string' && !configMaps.has(cm['name']) && cm['optional'] !== true) {
      throw new UsageError(`chart ${chartDir}: the manager's volume ${v.name} mounts ConfigMap ${cm['name']}, which the chart does not render`, { chartDir });
    }
  }
  const secretNames = volumes.flatMap((v) => {
    const direct = obj(v['secret'])['secretName'];
    const projected = list(obj(v['projected'])['sources']).map((s) => obj(s['secret'])['name']);
    return [direct, ...projected].filter((n): n is string => typeof n === 'string');
  });
  const container = managerContainer(chartDir, c);
  const plan: ManagerPlan = {
    source: 'chart',
    spec: input.spec,
    renderer: input.renderer,
    namespace: input.namespace,
    workload: { kind: workload.kind as 'StatefulSet' | 'Deployment', name: workload.metadata.name },
    podLabels: podLabelsOf(workload),
    replicas: typeof obj(workload['spec'])['replicas'] === 'number' ? (obj(workload['spec'])['replicas'] as number) : 1,
    container,
    volumeMounts,
    volumes,
    objects: namespaced,
    clusterObjects: others.filter((o) => CLUSTER_SCOPED.has(o.kind)),
    configMaps: [...configMaps],
    externalSecrets: [...new Set(secretNames.filter((n) => !secrets.has(n)))],
    overrides: input.overrides,
    logFormat: STARLINGX_LOG_FORMAT,
  };
  if (typeof pod['serviceAccountName'] === 'string') plan.serviceAccountName = pod['serviceAccountName'];
  if (typeof pod['terminationGracePeriodSeconds'] === 'number') plan.terminationGracePeriodSeconds = pod['terminationGracePeriodSeconds'];
  if (isMapping(c['livenessProbe'])) plan.livenessProbe = c['livenessProbe'];
  if (isMapping(c['readinessProbe'])) plan.readinessProbe = c['readinessProbe'];
  const caEnv = container.env.find((e) => e.name === 'CA_CERT');
  if (caEnv && 'value' in caEnv) {
    const file = secretFileOf('CA_CERT', caEnv.value, volumeMounts, volumes);
    if (file) plan.caCert = file;
  }
  if (input.statusRateS !== undefined) plan.statusRateS = input.statusRateS;
  if (input.vaultVersion !== undefined) plan.vaultVersion = input.vaultVersion;
  return plan;
}
