/**
 * Server-side printing: the `meta.k8s.io/v1` Table a real API server answers
 * when a client (kubectl get) asks `Accept: application/json;as=Table;...`.
 * kubectl prints such a table as it is, so each kind's printer (in its
 * module under kinds/) has the columns a user expects from `kubectl get`.
 * Priority-1 columns appear only with `-o wide`. Watches asked for a Table
 * (`kubectl get -w`) carry a one-row Table as each event's object.
 */
import { apiVersionOf, type KubeObject, type ResourceDef } from './resources.js';

export interface ColumnDefinition {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format: string;
  description: string;
  priority: number;
}

export type Cell = string | number | boolean;

/** The columns of `kubectl get <resource>` and how to fill them for one object. */
export interface Printer {
  columns: ColumnDefinition[];
  cells(obj: KubeObject, now: number): Cell[];
}

export const column = (name: string, type: ColumnDefinition['type'], description: string, priority = 0, format = ''): ColumnDefinition => ({
  name,
  type,
  format,
  description,
  priority,
});

export const NAME = column('Name', 'string', 'Name must be unique within a namespace.', 0, 'name');
export const AGE = column('Age', 'string', 'Time since the object was created (from metadata.creationTimestamp).');

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

export function ageOf(obj: KubeObject, now: number): string {
  const created = Date.parse(obj.metadata.creationTimestamp ?? '');
  return Number.isNaN(created) ? '<unknown>' : shortAge(now - created);
}

/** For a resource without printer columns of its own: name and age, as a real server's default table. */
export const DEFAULT_PRINTER: Printer = { columns: [NAME, AGE], cells: (o, now) => [o.metadata.name, ageOf(o, now)] };

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export function includeObjectOf(query: URLSearchParams): IncludeObject {
  const v = query.get('includeObject');
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}

function rowObject(def: ResourceDef, obj: KubeObject, include: IncludeObject): Record<string, unknown> | undefined {
  if (include === 'None') return undefined;
  if (include === 'Object') return { ...obj, kind: def.kind, apiVersion: apiVersionOf(def) };
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
}

/** The Table for a list (or one object) of `def`. */
export function toTable(def: ResourceDef, items: KubeObject[], resourceVersion: string, include: IncludeObject): Record<string, unknown> {
  const printer = def.printer;
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
