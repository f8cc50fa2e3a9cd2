/**
 * Pods. Only the node agent creates them (through the store, not the API:
 * see admission.ts), so their spec and status are `open` in the schema: kept
 * as the agent wrote them, not validated field by field. Like Kubernetes, a
 * pod's spec is immutable but for the few fields `podSpecChange` allows, on
 * every write (the agent only writes spec at creation).
 */
import { invalid } from '../status.js';
import { AGE, ageOf, column, NAME, shortAge, type Printer } from '../table.js';
import { isPlainObject, metaFields, path, sameJson, type KubeObject, type ResourceDef } from '../resources.js';
import { kindSchema, open } from '../schema.js';
import { badRequest } from '../status.js';

interface ContainerStatus {
  ready?: boolean;
  restartCount?: number;
  state?: { waiting?: { reason?: string }; terminated?: { reason?: string; finishedAt?: string } };
  lastState?: { terminated?: { finishedAt?: string } };
}

/** STATUS as kubectl shows it: Terminating, a waiting/terminated reason, else the phase. */
function podStatusWord(pod: KubeObject): string {
  if (pod.metadata.deletionTimestamp) return 'Terminating';
  const status = (pod.status ?? {}) as { phase?: string; reason?: string; containerStatuses?: ContainerStatus[] };
  let word = status.reason || status.phase || 'Unknown';
  for (const c of status.containerStatuses ?? []) {
    const reason = c.state?.waiting?.reason ?? c.state?.terminated?.reason;
    if (reason) word = reason;
  }
  return word;
}

function podRestarts(pod: KubeObject, now: number): string {
  const statuses = ((pod.status as { containerStatuses?: ContainerStatus[] } | undefined)?.containerStatuses ?? []) as ContainerStatus[];
  const restarts = statuses.reduce((n, c) => n + (c.restartCount ?? 0), 0);
  const last = statuses
    .map((c) => Date.parse(c.lastState?.terminated?.finishedAt ?? ''))
    .filter((t) => !Number.isNaN(t))
    .sort((a, b) => b - a)[0];
  return restarts > 0 && last !== undefined ? `${restarts} (${shortAge(now - last)} ago)` : String(restarts);
}

const podPrinter: Printer = {
  columns: [
    NAME,
    column('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
    column('Status', 'string', 'The aggregate status of the containers in this pod.'),
    column('Restarts', 'string', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
    AGE,
    column('IP', 'string', 'IP address allocated to the pod. Routable at least within the cluster.', 1),
    column('Node', 'string', 'NodeName is the node this pod is scheduled on.', 1),
    column('Nominated Node', 'string', 'The node this pod is nominated to run on after preemption.', 1),
    column('Readiness Gates', 'string', 'Extra conditions evaluated for pod readiness.', 1),
  ],
  cells(pod, now) {
    const spec = (pod.spec ?? {}) as { containers?: unknown[]; nodeName?: string };
    const status = (pod.status ?? {}) as { podIP?: string; containerStatuses?: ContainerStatus[]; nominatedNodeName?: string };
    const total = spec.containers?.length ?? status.containerStatuses?.length ?? 0;
    const ready = (status.containerStatuses ?? []).filter((c) => c.ready).length;
    return [pod.metadata.name, `${ready}/${total}`, podStatusWord(pod), podRestarts(pod, now), ageOf(pod, now), status.podIP || '<none>', spec.nodeName || '<none>', status.nominatedNodeName || '<none>', '<none>'];
  },
};

export const POD_SPEC_MUTABLE =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,' +
  '`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

type Spec = Record<string, unknown>;

/** The dotted paths where two JSON values differ (for the error message). */
function differences(a: unknown, b: unknown, at: string, out: string[]): void {
  if (sameJson(a, b)) return;
  if (isPlainObject(a) && isPlainObject(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) differences(a[k], b[k], `${at}.${k}`, out);
  } else if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    a.forEach((x, i) => differences(x, b[i], `${at}[${i}]`, out));
  } else {
    out.push(`${at}: ${JSON.stringify(a) ?? '<unset>'} -> ${JSON.stringify(b) ?? '<unset>'}`);
  }
}

/**
 * Undefined when `next` differs from `old` only where Kubernetes lets a pod's
 * spec change; otherwise the changed fields, one per line.
 */
export function podSpecChange(old: Spec, next: Spec): string | undefined {
  const munged = structuredClone(next);
  for (const list of ['containers', 'initContainers'] as const) {
    const was = old[list];
    const now = munged[list];
    if (Array.isArray(was) && Array.isArray(now) && was.length === now.length)
      now.forEach((c, i) => {
        if (isPlainObject(c) && isPlainObject(was[i])) c.image = (was[i] as Spec).image;
      });
  }
  munged.activeDeadlineSeconds = old.activeDeadlineSeconds;
  const oldTolerations = Array.isArray(old.tolerations) ? old.tolerations : [];
  const newTolerations = Array.isArray(munged.tolerations) ? munged.tolerations : [];
  if (oldTolerations.every((t) => newTolerations.some((n) => sameJson(n, t)))) munged.tolerations = old.tolerations;
  if (typeof old.terminationGracePeriodSeconds === 'number' && old.terminationGracePeriodSeconds < 0 && munged.terminationGracePeriodSeconds === 1)
    munged.terminationGracePeriodSeconds = old.terminationGracePeriodSeconds;
  const changed: string[] = [];
  differences(old, munged, 'spec', changed);
  return changed.length === 0 ? undefined : changed.join('\n');
}

function preparePod(obj: KubeObject, previous: KubeObject | undefined): void {
  if (obj.spec !== undefined && !isPlainObject(obj.spec)) throw badRequest('Pod.spec must be an object');
  if (obj.status !== undefined && !isPlainObject(obj.status)) throw badRequest('Pod.status must be an object');
  obj.spec ??= {};
  obj.status ??= { phase: 'Pending' };
  if (previous) {
    const change = podSpecChange((previous.spec ?? {}) as Spec, obj.spec as Spec);
    if (change !== undefined) throw invalid('Pod', obj.metadata.name, 'spec', `Forbidden: ${POD_SPEC_MUTABLE}\n${change}`, 'FieldValueForbidden');
  }
}

export const pods: ResourceDef = {
  name: 'pods',
  kind: 'Pod',
  group: '',
  version: 'v1',
  namespaced: true,
  shortNames: ['po'],
  categories: ['all'],
  hasStatus: true,
  fields: {
    ...metaFields,
    'spec.nodeName': (o) => path(o, 'spec', 'nodeName'),
    'status.phase': (o) => path(o, 'status', 'phase'),
    'status.podIP': (o) => path(o, 'status', 'podIP'),
  },
  schema: kindSchema({ spec: open(), status: open() }),
  printer: podPrinter,
  subresources: [
    { name: 'log', verbs: ['get'] },
    // Listed so kubectl finds them; they answer that this cluster does not serve them (pod-subresources.ts).
    { name: 'exec', verbs: ['create', 'get'] },
    { name: 'attach', verbs: ['create', 'get'] },
    { name: 'portforward', verbs: ['create', 'get'] },
  ],
  prepare: preparePod,
};
