/**
 * The checks every write gets whatever its kind: the body is an object of
 * this kind and apiVersion, names are DNS subdomains, labels have valid keys
 * and values.
 */
import { apiVersionOf, type KubeObject, type ResourceDef } from './resources.js';
import { LABEL_KEY_RE, LABEL_VALUE_RE } from './selectors.js';
import { badRequest, invalid } from './status.js';

const NAME_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A deep copy of `input` as an object of `def`, with kind and apiVersion set. */
export function normalizeInput(def: ResourceDef, input: unknown): KubeObject {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw badRequest(`${def.kind} body must be a JSON object`);
  const obj = structuredClone(input) as KubeObject;
  if (obj.metadata === undefined) obj.metadata = {} as KubeObject['metadata'];
  if (obj.metadata === null || typeof obj.metadata !== 'object' || Array.isArray(obj.metadata)) throw badRequest(`${def.kind}.metadata must be an object`);
  const apiVersion = apiVersionOf(def);
  if (obj.kind !== undefined && obj.kind !== def.kind) throw badRequest(`expected kind ${def.kind}, got ${String(obj.kind)}`);
  if (obj.apiVersion !== undefined && obj.apiVersion !== apiVersion) throw badRequest(`expected apiVersion ${apiVersion}, got ${String(obj.apiVersion)}`);
  obj.kind = def.kind;
  obj.apiVersion = apiVersion;
  return obj;
}

export function checkName(def: ResourceDef, name: unknown, field = 'metadata.name'): asserts name is string {
  const shown = typeof name === 'string' ? name : '';
  if (typeof name !== 'string' || name === '') throw invalid(def.kind, shown, field, 'Required value: name or generateName is required', 'FieldValueRequired');
  if (name.length > 253 || !NAME_RE.test(name))
    throw invalid(def.kind, shown, field, `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`);
}

export function checkLabels(def: ResourceDef, obj: KubeObject): void {
  const labels = obj.metadata.labels;
  if (labels === undefined || labels === null) {
    delete obj.metadata.labels;
    return;
  }
  if (typeof labels !== 'object' || Array.isArray(labels)) throw badRequest(`${def.kind}.metadata.labels must be an object`);
  for (const [k, v] of Object.entries(labels)) {
    if (!LABEL_KEY_RE.test(k)) throw invalid(def.kind, obj.metadata.name, `metadata.labels`, `Invalid value: "${k}": not a valid label key`);
    if (typeof v !== 'string' || !LABEL_VALUE_RE.test(v)) throw invalid(def.kind, obj.metadata.name, `metadata.labels`, `Invalid value: "${String(v)}": not a valid label value`);
  }
}
