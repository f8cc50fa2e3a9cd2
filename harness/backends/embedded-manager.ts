/**
 * A manager that is not ours (a chart's or a rendered script's, as a
 * `ManagerPlan`) on the embedded cluster: the objects the chart renders go
 * into the API as they would on Kubernetes, the Secrets the pod mounts but
 * the chart does not make (the CA) are made from the cluster CA, and the
 * chart's pod template becomes an agent workload that runs the program in a
 * sandbox (its volumes, /workdir, cluster DNS, in-cluster credentials). The
 * container image is not run, only its program, with the host's tools.
 */
import * as k8s from '@kubernetes/client-node';
import { EnvironmentError } from '../../common/errors.js';
import { requestJson } from '../../common/http-json.js';
import type { AgentClient } from '../../platform/agent/client.js';
import type { Probe, Volume, VolumeMount, WorkloadSpec } from '../../platform/agent/types.js';
import type { ManagerPlan } from '../manager-spec/plan-types.js';

/** What deploying a plan did, for the run record and the user. */
export interface ForeignManagerDeployment {
  workload: string;
  labelSelector: string;
  /** objects of kinds the embedded API does not serve (e.g. a CronJob), left out with this note */
  skipped: string[];
}

/** Env values the chart takes from the pod (fieldRef), as the agent's per-pod substitutions. */
const POD_FIELD = { 'pod-name': '{pod}', 'pod-ip': '{ip}' } as const;

/** The agent workload for a plan: the chart's pod template, run sandboxed on controller-0. */
export function foreignManagerWorkload(plan: ManagerPlan): WorkloadSpec {
  const env: Record<string, string> = { TZ: 'UTC' };
  for (const v of plan.container.env) {
    if ('value' in v) env[v.name] = v.value;
    else env[v.name] = v.fromPod === 'pod-namespace' ? plan.namespace : POD_FIELD[v.fromPod];
  }
  if (plan.container.argv.length === 0) throw new EnvironmentError(`manager ${plan.spec}: the container has neither command nor args (the image's entrypoint is not run here)`);
  const spec: WorkloadSpec = {
    name: plan.workload.name,
    namespace: plan.namespace,
    replicas: 1,
    labels: { ...plan.podLabels },
    command: [...plan.container.argv],
    env,
    containerName: plan.container.name,
    terminationGracePeriodSeconds: plan.terminationGracePeriodSeconds ?? 30,
    nodes: ['controller-0'],
    sandbox: true,
    volumes: plan.volumes as unknown as Volume[],
    volumeMounts: plan.volumeMounts as VolumeMount[],
  };
  if (plan.livenessProbe) spec.livenessProbe = plan.livenessProbe as unknown as Probe;
  if (plan.readinessProbe) spec.readinessProbe = plan.readinessProbe as unknown as Probe;
  if (plan.container.workingDir) spec.cwd = plan.container.workingDir;
  return spec;
}

export function labelSelectorOf(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .sort()
    .join(',');
}

/** The kinds the API serves, by discovery (`/api/v1`, `/apis/<group>/<version>`), so a kind it does not (a CronJob) is skipped by name. */
async function servedKinds(kc: k8s.KubeConfig, apiVersions: readonly string[]): Promise<Set<string>> {
  const cluster = kc.getCurrentCluster();
  const token = kc.getCurrentUser()?.token;
  const ca = cluster?.caData ? Buffer.from(cluster.caData, 'base64').toString('utf8') : undefined;
  const served = new Set<string>();
  for (const apiVersion of new Set(apiVersions)) {
    const url = `${cluster!.server}${apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`}`;
    const res = await requestJson<{ resources?: Array<{ kind?: string }> }>(url, { ...(token ? { bearer: token } : {}), ...(ca ? { ca } : {}) });
    if (res.status === 200) for (const r of res.json?.resources ?? []) if (r.kind) served.add(`${apiVersion} ${r.kind}`);
  }
  return served;
}

/**
 * Creates (or replaces) the chart's objects and the external Secrets, then puts the workload.
 * `caCertPem` fills the CA Secret the manager reads (plan.caCert).
 */
export async function deployForeignManager(kubeconfigPath: string, agent: AgentClient, plan: ManagerPlan, caCertPem: string): Promise<ForeignManagerDeployment> {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const objects = k8s.KubernetesObjectApi.makeApiClient(kc);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const skipped: string[] = [];
  const served = await servedKinds(kc, plan.objects.map((o) => o.apiVersion));
  for (const obj of plan.objects) {
    const spec = { ...obj, metadata: { ...obj.metadata, namespace: plan.namespace } } as k8s.KubernetesObject;
    if (!served.has(`${obj.apiVersion} ${obj.kind}`)) {
      skipped.push(`${obj.kind} ${obj.metadata.name}`);
      continue;
    }
    await objects.delete(spec).catch(() => undefined);
    await objects.create(spec).catch((err: unknown) => {
      throw new EnvironmentError(`manager ${plan.spec}: cannot create ${obj.kind} ${obj.metadata.name}: ${err instanceof Error ? err.message : String(err)}`);
    });
  }
  for (const name of plan.externalSecrets) {
    const data: Record<string, string> = {};
    if (plan.caCert && plan.caCert.secretName === name) data[plan.caCert.key] = Buffer.from(caCertPem).toString('base64');
    else data['ca.crt'] = Buffer.from(caCertPem).toString('base64');
    await core.deleteNamespacedSecret({ namespace: plan.namespace, name }).catch(() => undefined);
    await core.createNamespacedSecret({ namespace: plan.namespace, body: { metadata: { name }, data } });
  }
  const workload = foreignManagerWorkload(plan);
  await agent.putWorkload(workload);
  return { workload: workload.name, labelSelector: labelSelectorOf(plan.podLabels), skipped };
}
