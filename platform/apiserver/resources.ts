/**
 * What the store knows per resource: kind, selectable fields, and the
 * validation/defaulting a real API server applies on write. Adding a resource
 * is adding an entry here.
 */
import type { FieldGetter } from './selectors.js';
import { badRequest, invalid } from './status.js';

export interface ObjectMeta {
  name: string;
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

/** A stored object: any core/v1 shape with mandatory metadata. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

export interface ResourceDef {
  /** Plural resource name as in URLs (`secrets`). */
  name: string;
  kind: string;
  shortNames: string[];
  fields: Record<string, FieldGetter>;
  /** True when `status` is a subresource: writes through the main resource keep the stored status. */
  hasStatus?: boolean;
  /** Validates and defaults an object about to be written; `previous` is set on update. Throws ApiError. */
  prepare(obj: KubeObject, previous: KubeObject | undefined): void;
}

const path = (obj: Record<string, unknown>, ...keys: string[]): string | undefined => {
  let cur: unknown = obj;
  for (const k of keys) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur === undefined || cur === null ? undefined : String(cur);
};

const metaFields: Record<string, FieldGetter> = {
  'metadata.name': (o) => path(o, 'metadata', 'name'),
  'metadata.namespace': (o) => path(o, 'metadata', 'namespace'),
};

const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const DATA_KEY_RE = /^[-._a-zA-Z0-9]+$/;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function prepareSecret(obj: KubeObject, previous: KubeObject | undefined): void {
  const name = obj.metadata.name;
  if (obj.data !== undefined && obj.data !== null && !isPlainObject(obj.data)) throw badRequest('Secret.data must be an object of base64 strings');
  const data: Record<string, string> = { ...((obj.data as Record<string, unknown> | undefined) ?? {}) } as Record<string, string>;
  for (const [key, value] of Object.entries(data)) {
    // A real server fails to decode the JSON in this case, hence 400 rather than 422.
    if (typeof value !== 'string' || !BASE64_RE.test(value))
      throw badRequest(`Secret in version "v1" cannot be handled as a Secret: illegal base64 data in data["${key}"]`);
  }
  if (obj.stringData !== undefined) {
    if (!isPlainObject(obj.stringData)) throw badRequest('Secret.stringData must be an object of strings');
    for (const [key, value] of Object.entries(obj.stringData)) {
      if (typeof value !== 'string') throw badRequest(`Secret.stringData["${key}"] must be a string`);
      data[key] = Buffer.from(value, 'utf8').toString('base64');
    }
    delete obj.stringData;
  }
  for (const key of Object.keys(data)) {
    if (!DATA_KEY_RE.test(key)) throw invalid('Secret', name, `data[${key}]`, 'a valid config key must consist of alphanumeric characters, "-", "_" or "."');
  }
  if (Object.keys(data).length > 0) obj.data = data;
  else delete obj.data;
  if (obj.type === undefined || obj.type === '') obj.type = previous?.type ?? 'Opaque';
  if (typeof obj.type !== 'string') throw invalid('Secret', name, 'type', 'must be a string');
  if (previous && previous.type !== obj.type) throw invalid('Secret', name, 'type', 'field is immutable');
}

// --- configmaps: minimal validation (keys as for Secrets; data strings, binaryData base64) ---
function prepareConfigMap(obj: KubeObject): void {
  const name = obj.metadata.name;
  for (const field of ['data', 'binaryData'] as const) {
    const value = obj[field];
    if (value === undefined || value === null) {
      delete obj[field];
      continue;
    }
    if (!isPlainObject(value)) throw badRequest(`ConfigMap.${field} must be an object of strings`);
    for (const [key, v] of Object.entries(value)) {
      if (typeof v !== 'string') throw badRequest(`ConfigMap.${field}["${key}"] must be a string`);
      if (field === 'binaryData' && !BASE64_RE.test(v)) throw badRequest(`ConfigMap.binaryData["${key}"]: illegal base64 data`);
      if (!DATA_KEY_RE.test(key)) throw invalid('ConfigMap', name, `${field}[${key}]`, 'a valid config key must consist of alphanumeric characters, "-", "_" or "."');
    }
  }
}
// --- end configmaps ---------------------------------------------------------------------

function preparePod(obj: KubeObject): void {
  if (obj.spec !== undefined && !isPlainObject(obj.spec)) throw badRequest('Pod.spec must be an object');
  if (obj.status !== undefined && !isPlainObject(obj.status)) throw badRequest('Pod.status must be an object');
  obj.spec ??= {};
  obj.status ??= { phase: 'Pending' };
}

export const builtinResources: ResourceDef[] = [
  {
    name: 'secrets',
    kind: 'Secret',
    shortNames: [],
    fields: { ...metaFields, type: (o) => path(o, 'type') },
    prepare: prepareSecret,
  },
  // --- configmaps: minimal entry (added with the node agent's configMap volumes; a fuller
  // definition may replace this block) -------------------------------------------------
  {
    name: 'configmaps',
    kind: 'ConfigMap',
    shortNames: ['cm'],
    fields: { ...metaFields },
    prepare: prepareConfigMap,
  },
  // --- end configmaps ---------------------------------------------------------------------
  {
    name: 'pods',
    kind: 'Pod',
    shortNames: ['po'],
    hasStatus: true,
    fields: {
      ...metaFields,
      'spec.nodeName': (o) => path(o, 'spec', 'nodeName'),
      'status.phase': (o) => path(o, 'status', 'phase'),
      'status.podIP': (o) => path(o, 'status', 'podIP'),
    },
    prepare: preparePod,
  },
];
