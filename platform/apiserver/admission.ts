/**
 * What the API path checks before a write reaches the store, beyond the
 * kind's own validation (which every writer gets, the node agent included):
 *
 *  - decoding the body against the kind's schema, with `fieldValidation`
 *    (Strict → 400, Warn (the default) → `Warning` headers, Ignore); unknown
 *    fields are never stored, as on a real server;
 *  - namespace lifecycle: no object goes into a namespace that does not
 *    exist (404, `namespaces "x" not found`) or is being deleted (403);
 *  - pods: the embedded cluster runs only its own workloads, which the node
 *    agent creates through the store; a pod created through the API (kubectl
 *    run) would never run, so it is refused with 403 instead of lingering.
 */
import type { ServerResponse } from 'node:http';
import { apiVersionOf, type KubeObject, type ResourceDef } from './resources.js';
import { decode } from './schema.js';
import { ApiError, badRequest, forbidden, notFound } from './status.js';
import type { ObjectStore } from './store.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export function fieldValidationOf(query: URLSearchParams): FieldValidation {
  const v = query.get('fieldValidation');
  if (v === null || v === '') return 'Warn';
  const known = (['Strict', 'Warn', 'Ignore'] as const).find((k) => k.toLowerCase() === v.toLowerCase());
  if (!known) throw badRequest(`fieldValidation parameter unsupported: ${v}; use Ignore, Warn or Strict`);
  return known;
}

/** The body as the kind's typed object; unknown fields reported per `mode` and dropped. */
export function decodeObject(def: ResourceDef, body: Record<string, unknown>, mode: FieldValidation, res: ServerResponse): Record<string, unknown> {
  const { value, unknownFields } = decode(def.kind, apiVersionOf(def), body, def.schema);
  if (unknownFields.length === 0 || mode === 'Ignore') return value;
  const each = unknownFields.map((f) => `unknown field ${JSON.stringify(f)}`);
  if (mode === 'Strict') throw badRequest(`${def.kind} in version "${apiVersionOf(def)}" cannot be handled as a ${def.kind}: strict decoding error: ${each.join(', ')}`);
  const previous = res.getHeader('Warning');
  const list = Array.isArray(previous) ? previous : previous === undefined ? [] : [String(previous)];
  res.setHeader('Warning', [...list, ...each.map((w) => `299 - ${JSON.stringify(w)}`)]);
  return value;
}

/** The namespace object, or a 404 worded as Kubernetes words it. */
export function requireNamespace(store: ObjectStore, namespace: string): KubeObject {
  try {
    return store.get('namespaces', '', namespace);
  } catch (err) {
    if (err instanceof ApiError && err.code === 404) throw notFound('namespaces', namespace);
    throw err;
  }
}

export const EXTERNAL_PODS_REFUSED =
  'the rekey-chaos embedded cluster runs only its own workloads (its node agent creates their pods); a pod created through the API would never run';

/** Checks a create through the API of `obj` (a `def`) in `namespace`. */
export function admitCreate(store: ObjectStore, def: ResourceDef, namespace: string | undefined, name: string): void {
  if (def.name === 'pods') throw forbidden(`pods "${name}" is forbidden: ${EXTERNAL_PODS_REFUSED}`, { name, kind: 'pods' });
  if (namespace === undefined) return;
  const ns = requireNamespace(store, namespace);
  if ((ns.status as { phase?: string } | undefined)?.phase === 'Terminating' || ns.metadata.deletionTimestamp)
    throw forbidden(`${def.name} "${name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`, { name, kind: def.name });
}
