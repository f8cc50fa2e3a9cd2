/**
 * Server-side printing: the `meta.k8s.io/v1` Table a real API server answers
 * when a client (kubectl get) asks `Accept: application/json;as=Table;...`.
 * kubectl prints such a table as it is, so the columns here are the ones a
 * user expects from `kubectl get pods [-o wide]` and `kubectl get secrets`.
 * Priority-1 columns appear only with `-o wide`.
 */
import type { KubeObject, ResourceDef } from './resources.js';

interface ColumnDefinition {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format: string;
  description: string;
  priority: number;
}

type Cell = string | number | boolean;

interface Printer {
  columns: ColumnDefinition[];
  cells(obj: KubeObject, now: number): Cell[];
}

const column = (name: string, type: ColumnDefinition['type'], description: string, priority = 0, format = ''): ColumnDefinition => ({
  name,
  type,
  format,
  description,
  priority,
});

const NAME = column('Name', 'string', 'Name must be unique within a namespace.', 0, 'name');
const AGE = column('Age', 'string', 'Time since the object was created (from metadata.creationTimestamp).');

/** True when the Accept header asks for a Table in meta.k8s.io v1 (v1beta1 alone is not served). */
export function wantsTable(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.split(',').some((part) => {
    const params = part.split(';').map((p) => p.trim().toLowerCase());
    return params.includes('as=table') && params.includes('g=meta.k8s.io') && params.includes('v=v1');
  });
}

/**
 * A short age in the style kubectl users read everywhere: seconds up to two
 * minutes, then minutes with seconds up to ten minutes, minutes up to three
 * hours, hours with minutes up to eight hours, hours up to two days, days
 * with hours up to eight days, days up to two years, then years (with days
 * below eight years).
 */
export function shortAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const m = Math.floor(s / 60);
  const h = Math.floor(m / 60);
  const d = Math.floor(h / 24);
  const y = Math.floor(d / 365);
  if (s < 120) return `${s}s`;
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  if (h < 192) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (d < 730) return `${d}d`;
  if (y < 8) return d % 365 === 0 ? `${y}y` : `${y}y${d % 365}d`;
  return `${y}y`;
}

function ageOf(obj: KubeObject, now: number): string {
  const created = Date.parse(obj.metadata.creationTimestamp ?? '');
  return Number.isNaN(created) ? '<unknown>' : shortAge(now - created);
}

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

const PRINTERS: Record<string, Printer> = {
  pods: {
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
  },
  secrets: {
    columns: [
      NAME,
      column('Type', 'string', 'The type of the secret.'),
      column('Data', 'integer', 'The number of keys in the data of the secret.'),
      AGE,
    ],
    cells(secret, now) {
      const data = (secret.data ?? {}) as Record<string, unknown>;
      return [secret.metadata.name, String(secret.type ?? 'Opaque'), Object.keys(data).length, ageOf(secret, now)];
    },
  },
};

/** For a resource without its own printer: name and age, as a real server's default table. */
const DEFAULT_PRINTER: Printer = { columns: [NAME, AGE], cells: (o, now) => [o.metadata.name, ageOf(o, now)] };

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export function includeObjectOf(query: URLSearchParams): IncludeObject {
  const v = query.get('includeObject');
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}

function rowObject(def: ResourceDef, obj: KubeObject, include: IncludeObject): Record<string, unknown> | undefined {
  if (include === 'None') return undefined;
  if (include === 'Object') return { ...obj, kind: def.kind, apiVersion: 'v1' };
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
}

/** The Table for a list (or one object) of `def`. */
export function toTable(def: ResourceDef, items: KubeObject[], resourceVersion: string, include: IncludeObject): Record<string, unknown> {
  const printer = PRINTERS[def.name] ?? DEFAULT_PRINTER;
  // Ages compare with creationTimestamp, an epoch date.
  const now = Date.now();
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: printer.columns,
    rows: items.map((obj) => {
      const object = rowObject(def, obj, include);
      return { cells: printer.cells(obj, now), ...(object ? { object } : {}) };
    }),
  };
}
