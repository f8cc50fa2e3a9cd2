/**
 * The OpenAPI documents kubectl reads, derived from the kinds' schemas
 * (schema.ts), JSON only:
 *
 *  - `/openapi/v3`: the index of per-group-version documents, and
 *    `/openapi/v3/api/v1`, `/openapi/v3/apis/{group}/{version}`. kubectl
 *    1.27+ reads these first. Each PATCH operation names the
 *    `fieldValidation` query parameter, so kubectl's `--validate=strict`
 *    (the default) leaves validation to this server (schema.ts `decode`)
 *    instead of validating on the client; and it lists the strategic merge
 *    patch type with the kind's schema (merge keys and strategies), from
 *    which `kubectl apply` computes its patches.
 *  - `/openapi/v2`, the same in Swagger 2.0, as JSON or in the protobuf
 *    encoding client-go asks for (openapi-v2-proto.ts): kubectl 1.27 and
 *    1.28 read it before every `apply`.
 */
import { createHash } from 'node:crypto';
import { apiVersionOf, type ResourceDef } from './resources.js';
import type { Schema } from './schema.js';
import { groupVersions } from './discovery.js';
import type { ObjectStore } from './store.js';

type Doc = Record<string, unknown>;

const PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'];

/** `io.k8s.api.core.v1.ConfigMap`, `io.k8s.api.rbac.v1.Role`: the names real documents use. */
export function definitionName(def: Pick<ResourceDef, 'group' | 'version' | 'kind'>): string {
  const group = def.group === '' ? 'core' : def.group.split('.')[0]!;
  return `io.k8s.api.${group}.${def.version}.${def.kind}`;
}

/** One schema as OpenAPI (v3 and v2 alike: only keywords both share). */
export function toOpenApi(s: Schema): Doc {
  switch (s.type) {
    case 'string':
      return { type: 'string', ...(s.format ? { format: s.format } : {}) };
    case 'integer':
      return { type: 'integer', format: 'int64' };
    case 'boolean':
      return { type: 'boolean' };
    case 'int-or-string':
      return { 'x-kubernetes-int-or-string': true };
    case 'open':
      return { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
    case 'map':
      return { type: 'object', additionalProperties: toOpenApi(s.values) };
    case 'object':
      return {
        type: 'object',
        properties: Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, toOpenApi(v)])),
        ...(s.required ? { required: s.required } : {}),
      };
    case 'array': {
      const merge = s.merge;
      return {
        type: 'array',
        items: toOpenApi(s.items),
        ...(merge ? { 'x-kubernetes-patch-strategy': merge.retainKeys ? 'merge,retainKeys' : 'merge' } : {}),
        ...(merge?.key ? { 'x-kubernetes-patch-merge-key': merge.key, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': [merge.key] } : {}),
        ...(merge && !merge.key ? { 'x-kubernetes-list-type': 'set' } : {}),
        ...(!merge ? { 'x-kubernetes-list-type': 'atomic' } : {}),
      };
    }
  }
}

const gvk = (def: ResourceDef) => ({ group: def.group, version: def.version, kind: def.kind });

type Flavor = 'v2' | 'v3';

/** A query or path parameter in the flavour's shape (v3 nests the type in `schema`). */
function param(flavor: Flavor, name: string, where: 'query' | 'path', description: string): Doc {
  const typed = flavor === 'v3' ? { schema: { type: 'string' } } : { type: 'string' };
  return { name, in: where, description, ...(where === 'path' ? { required: true } : {}), ...typed };
}

function operation(flavor: Flavor, def: ResourceDef, action: string, extra: Doc = {}): Doc {
  const schema = flavor === 'v3' ? { $ref: `#/components/schemas/${definitionName(def)}` } : { $ref: `#/definitions/${definitionName(def)}` };
  const ok = flavor === 'v3' ? { description: 'OK', content: { 'application/json': { schema } } } : { description: 'OK', schema };
  return {
    operationId: `${action}${def.kind}`,
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': gvk(def),
    responses: { '200': ok },
    ...extra,
  };
}

/** The endpoints of one resource. The write operations name `fieldValidation`, which this server honours (admission.ts). */
function paths(flavor: Flavor, def: ResourceDef): Record<string, Doc> {
  const base = def.group === '' ? `/api/${def.version}` : `/apis/${def.group}/${def.version}`;
  const collection = def.namespaced ? `${base}/namespaces/{namespace}/${def.name}` : `${base}/${def.name}`;
  const scope = def.namespaced ? [param(flavor, 'namespace', 'path', 'object name and auth scope')] : [];
  const writeParams = [
    param(flavor, 'fieldValidation', 'query', 'Ignore, Warn or Strict: what to do with unknown fields of the body.'),
    param(flavor, 'fieldManager', 'query', 'Name of the actor making the change (accepted, not tracked).'),
  ];
  const v3Body = (content: Record<string, Doc>) => (flavor === 'v3' ? { requestBody: { required: true, content } } : {});
  const objectBody = v3Body({ 'application/json': { schema: { $ref: `#/components/schemas/${definitionName(def)}` } } });
  const patchBody = v3Body(Object.fromEntries(PATCH_TYPES.map((t) => [t, { schema: { type: 'object' } }])));
  const out: Record<string, Doc> = {
    [collection]: {
      parameters: scope,
      get: operation(flavor, def, 'list'),
      post: operation(flavor, def, 'post', { parameters: writeParams, ...objectBody }),
    },
    [`${collection}/{name}`]: {
      parameters: [...scope, param(flavor, 'name', 'path', `name of the ${def.kind}`)],
      get: operation(flavor, def, 'get'),
      put: operation(flavor, def, 'put', { parameters: writeParams, ...objectBody }),
      patch: operation(flavor, def, 'patch', { parameters: writeParams, ...(flavor === 'v2' ? { consumes: PATCH_TYPES } : {}), ...patchBody }),
      delete: operation(flavor, def, 'delete'),
    },
  };
  if (def.namespaced) out[`${base}/${def.name}`] = { get: operation(flavor, def, 'list') };
  return out;
}

function schemaOf(def: ResourceDef): Doc {
  return { ...toOpenApi(def.schema), description: `${def.kind} as served by the rekey-chaos embedded API server.`, 'x-kubernetes-group-version-kind': [gvk(def)] };
}

/** The v3 document of one group/version, or undefined when it is not served. */
export function openApiV3(store: ObjectStore, group: string, version: string, gitVersion: string): Doc | undefined {
  const defs = store.resources().filter((d) => d.group === group && d.version === version);
  if (defs.length === 0) return undefined;
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: gitVersion },
    paths: Object.assign({}, ...defs.map((d) => paths('v3', d))),
    components: { schemas: Object.fromEntries(defs.map((d) => [definitionName(d), schemaOf(d)])) },
  };
}

/** The path of a group/version's v3 document below `/openapi/v3/`: `api/v1`, `apis/rbac.authorization.k8s.io/v1`. */
const v3Key = (gv: { group: string; version: string }) => (gv.group === '' ? `api/${gv.version}` : `apis/${apiVersionOf(gv)}`);

/** `/openapi/v3`: where each group/version document is; the hash changes whenever the document does. */
export function openApiV3Index(store: ObjectStore, gitVersion: string): Doc {
  const entries = groupVersions(store).map((gv) => {
    const doc = JSON.stringify(openApiV3(store, gv.group, gv.version, gitVersion));
    const hash = createHash('sha512').update(doc).digest('hex').toUpperCase();
    return [v3Key(gv), { serverRelativeURL: `/openapi/v3/${v3Key(gv)}?hash=${hash}` }];
  });
  return { paths: Object.fromEntries(entries) };
}

/** The group/version a `/openapi/v3/...` sub-path names, or undefined. */
export function parseV3Key(rest: string): { group: string; version: string } | undefined {
  const parts = rest.split('/').filter((p) => p !== '');
  if (parts.length === 2 && parts[0] === 'api') return { group: '', version: parts[1]! };
  if (parts.length === 3 && parts[0] === 'apis') return { group: parts[1]!, version: parts[2]! };
  return undefined;
}

/** `/openapi/v2` (Swagger 2.0): every served resource's endpoints and definition. */
export function openApiV2(store: ObjectStore, gitVersion: string): Doc {
  // The kind schemas hold no references, so they serve as v2 definitions as they are.
  return {
    swagger: '2.0',
    info: { title: 'Kubernetes', version: gitVersion },
    paths: Object.assign({}, ...store.resources().map((d) => paths('v2', d))),
    definitions: Object.fromEntries(store.resources().map((d) => [definitionName(d), schemaOf(d)])),
  };
}
