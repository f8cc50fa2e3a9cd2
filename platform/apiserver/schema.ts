/**
 * A small structural schema per served kind: the one description from which
 * the server derives three things that must agree with each other —
 *
 *  - decoding a request body like Go's JSON decoder into the typed object
 *    (a wrong JSON type is a 400; unknown fields are dropped, and reported per
 *    `fieldValidation`: Strict → 400, Warn → a `Warning` header, Ignore → silent),
 *  - the OpenAPI v3 documents kubectl reads (openapi.ts), and
 *  - the strategic-merge-patch metadata (merge keys, strategies) both kubectl
 *    (from those documents) and the server (strategic-merge.ts) use, so a
 *    patch kubectl computes means the same thing on this server.
 *
 * Parts this server does not model field by field (a pod's spec and status)
 * are `open`: any JSON object, kept as sent (OpenAPI's
 * x-kubernetes-preserve-unknown-fields).
 */
import { badRequest } from './status.js';

export type Schema =
  | { type: 'string'; format?: 'byte' | 'date-time' }
  | { type: 'integer' }
  | { type: 'boolean' }
  /** Kubernetes' IntOrString and resource.Quantity: a JSON string or number. */
  | { type: 'int-or-string' }
  | { type: 'object'; properties: Record<string, Schema>; required?: string[] }
  | { type: 'map'; values: Schema }
  | { type: 'array'; items: Schema; merge?: ListMerge }
  | { type: 'open' };

/** How a strategic merge patch combines a list (absent: the patch's list replaces the old one). */
export interface ListMerge {
  /** Elements are matched by this field (lists of objects); absent for a set of scalars. */
  key?: string;
  /** `retainKeys` too: a patched element keeps only the fields the patch names (volumes). */
  retainKeys?: boolean;
}

export const str = (format?: 'byte' | 'date-time'): Schema => (format ? { type: 'string', format } : { type: 'string' });
export const int = (): Schema => ({ type: 'integer' });
export const bool = (): Schema => ({ type: 'boolean' });
export const intOrString = (): Schema => ({ type: 'int-or-string' });
export const open = (): Schema => ({ type: 'open' });
export const obj = (properties: Record<string, Schema>, required?: string[]): Schema => ({ type: 'object', properties, ...(required ? { required } : {}) });
export const mapOf = (values: Schema): Schema => ({ type: 'map', values });
export const list = (items: Schema, merge?: ListMerge): Schema => ({ type: 'array', items, ...(merge ? { merge } : {}) });
export const strings = (): Schema => list(str());

/** ObjectMeta as clients may write it (server-set fields included: clients send them back). */
export const objectMeta: Schema = obj({
  name: str(),
  generateName: str(),
  namespace: str(),
  uid: str(),
  resourceVersion: str(),
  generation: int(),
  creationTimestamp: str('date-time'),
  deletionTimestamp: str('date-time'),
  deletionGracePeriodSeconds: int(),
  labels: mapOf(str()),
  annotations: mapOf(str()),
  ownerReferences: list(
    obj({ apiVersion: str(), kind: str(), name: str(), uid: str(), controller: bool(), blockOwnerDeletion: bool() }, ['apiVersion', 'kind', 'name', 'uid']),
    { key: 'uid' },
  ),
  finalizers: list(str(), {}),
  managedFields: list(open()),
  selfLink: str(),
});

/** The whole object schema of a kind: apiVersion, kind, metadata, then the kind's own fields. */
export function kindSchema(fields: Record<string, Schema>): Schema {
  return obj({ apiVersion: str(), kind: str(), metadata: objectMeta, ...fields });
}

/** What decoding a body found: the object as a typed server keeps it, and the fields it dropped. */
export interface Decoded {
  value: Record<string, unknown>;
  unknownFields: string[];
}

const jsonType = (v: unknown) => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v === 'number' ? 'number' : typeof v);

const goType: Record<Schema['type'], string> = {
  string: 'string',
  integer: 'int64',
  boolean: 'bool',
  'int-or-string': 'IntOrString',
  object: 'struct',
  map: 'map[string]',
  array: 'slice',
  open: 'object',
};

/**
 * Decodes `value` as an object of `schema`: throws a 400 naming the field on
 * a JSON type a typed decoder could not take, drops `null` members (a typed
 * object has no "null" field, only an absent one) and unknown fields.
 * `kind` words the error the way a real server does.
 */
export function decode(kind: string, version: string, value: Record<string, unknown>, schema: Schema): Decoded {
  const unknownFields: string[] = [];
  const walk = (v: unknown, s: Schema, path: string): unknown => {
    const mismatch = () =>
      badRequest(`${kind} in version "${version}" cannot be handled as a ${kind}: json: cannot unmarshal ${jsonType(v)} into Go struct field ${kind}.${path} of type ${goType[s.type]}`);
    switch (s.type) {
      case 'open':
        return v;
      case 'string':
        if (typeof v !== 'string') throw mismatch();
        return v;
      case 'integer':
        if (typeof v !== 'number' || !Number.isInteger(v)) throw mismatch();
        return v;
      case 'boolean':
        if (typeof v !== 'boolean') throw mismatch();
        return v;
      case 'int-or-string':
        if (typeof v !== 'string' && typeof v !== 'number') throw mismatch();
        return v;
      case 'array': {
        if (!Array.isArray(v)) throw mismatch();
        return v.map((item, i) => (item === null ? item : walk(item, s.items, `${path}[${i}]`)));
      }
      case 'map':
      case 'object': {
        if (v === null || typeof v !== 'object' || Array.isArray(v)) throw mismatch();
        const out: Record<string, unknown> = {};
        for (const [k, member] of Object.entries(v as Record<string, unknown>)) {
          if (member === null) continue;
          const where = path === '' ? k : s.type === 'map' ? `${path}[${k}]` : `${path}.${k}`;
          const sub = s.type === 'map' ? s.values : s.properties[k];
          if (sub === undefined) {
            unknownFields.push(where);
            continue;
          }
          out[k] = walk(member, sub, where);
        }
        return out;
      }
    }
  };
  return { value: walk(value, schema, '') as Record<string, unknown>, unknownFields };
}

/** The schema one step down: a property of an object, the values of a map, the items of a list. */
export function child(s: Schema | undefined, key: string | number): Schema | undefined {
  if (!s) return undefined;
  if (s.type === 'object') return typeof key === 'string' ? s.properties[key] : undefined;
  if (s.type === 'map') return s.values;
  if (s.type === 'array') return s.items;
  return undefined;
}
