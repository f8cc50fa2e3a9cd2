/**
 * What the server knows per resource: where it lives (group, version,
 * namespaced or not), its schema (schema.ts), selectable fields, how
 * `kubectl get` prints it, and the validation/defaulting a real API server
 * applies on write. Each kind is described in one module under `kinds/`;
 * adding a resource is adding such a module to `kinds/index.ts`.
 */
import type { Schema } from './schema.js';
import type { FieldGetter } from './selectors.js';
import type { Printer } from './table.js';

export interface ObjectMeta {
  name: string;
  /** Absent on cluster-scoped objects (namespaces); always set on namespaced ones. */
  namespace: string;
  uid: string;
  resourceVersion: string;
  creationTimestamp: string;
  generateName?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  [key: string]: unknown;
}

/** A stored object: any served shape with mandatory metadata. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

/** The other objects of the same resource, for validation that looks across them (a free cluster IP). */
export type Peers = () => KubeObject[];

export interface ResourceDef {
  /** Plural resource name as in URLs (`secrets`). */
  name: string;
  kind: string;
  /** API group; '' is the legacy core group served under `/api/v1`. */
  group: string;
  version: string;
  namespaced: boolean;
  shortNames: string[];
  /** Discovery categories (`all` makes `kubectl get all` include the resource). */
  categories?: string[];
  fields: Record<string, FieldGetter>;
  /** True when `status` is a subresource: writes through the main resource keep the stored status. */
  hasStatus?: boolean;
  /** The whole object's schema (apiVersion, kind, metadata and the kind's fields). */
  schema: Schema;
  printer: Printer;
  /** Subresources listed in discovery, as `pods/log`. */
  subresources?: Array<{ name: string; verbs: string[] }>;
  /** Validates and defaults an object about to be written; `previous` is set on update. Throws ApiError. */
  prepare(obj: KubeObject, previous: KubeObject | undefined, peers: Peers): void;
}

/** `v1` for the core group, `group/version` otherwise. */
export const apiVersionOf = (def: Pick<ResourceDef, 'group' | 'version'>): string => (def.group === '' ? def.version : `${def.group}/${def.version}`);

/** A nested field as a string (for field selectors), undefined when absent. */
export const path = (obj: Record<string, unknown>, ...keys: string[]): string | undefined => {
  let cur: unknown = obj;
  for (const k of keys) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur === undefined || cur === null ? undefined : String(cur);
};

export const metaFields: Record<string, FieldGetter> = {
  'metadata.name': (o) => path(o, 'metadata', 'name'),
  'metadata.namespace': (o) => path(o, 'metadata', 'namespace'),
};

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Same JSON value (key order of objects matters not). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameJson(x, b[i]));
  if (!isPlainObject(a) || !isPlainObject(b)) return false;
  const ka = Object.keys(a).filter((k) => a[k] !== undefined);
  const kb = Object.keys(b).filter((k) => b[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => sameJson(a[k], b[k]));
}
