/**
 * Secrets and ConfigMaps: maps of named values with Kubernetes' key rules
 * (IsConfigMapKey), base64 for binary values (Secret.data,
 * ConfigMap.binaryData), the 1 MiB size limit and `immutable`.
 */
import { badRequest, invalidFields, type FieldProblem } from '../status.js';
import { AGE, ageOf, column, NAME } from '../table.js';
import { isPlainObject, metaFields, path, sameJson, type KubeObject, type ResourceDef } from '../resources.js';
import { bool, kindSchema, mapOf, str } from '../schema.js';

const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const CONFIG_KEY_RE = /^[-._a-zA-Z0-9]+$/;
/** Secrets and ConfigMaps share Kubernetes' MaxSecretSize. */
const MAX_DATA_BYTES = 1024 * 1024;

/** What is wrong with a data key, in Kubernetes' words (empty: a valid key). */
export function configKeyProblems(key: string): string[] {
  const out: string[] = [];
  if (key.length > 253) out.push('must be no more than 253 characters');
  if (!CONFIG_KEY_RE.test(key))
    out.push("a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')");
  if (key === '.') out.push("must not be '.'");
  else if (key === '..') out.push("must not be '..'");
  else if (key.startsWith('..')) out.push("must not start with '..'");
  return out;
}

function keyProblems(field: string, map: Record<string, unknown>): FieldProblem[] {
  return Object.keys(map).flatMap((key) => {
    const why = configKeyProblems(key);
    return why.length === 0 ? [] : [{ field: `${field}[${key}]`, problem: `Invalid value: ${JSON.stringify(key)}: ${why.join('; ')}` }];
  });
}

/** A map of strings; a non-string value or a bad base64 one fails decoding, hence 400 as on a real server. */
function stringMap(kind: string, obj: KubeObject, field: string, base64: boolean): Record<string, string> {
  const raw = obj[field];
  if (raw === undefined || raw === null) return {};
  if (!isPlainObject(raw)) throw badRequest(`${kind} in version "v1" cannot be handled as a ${kind}: ${field} must be an object of strings`);
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value !== 'string') throw badRequest(`${kind} in version "v1" cannot be handled as a ${kind}: ${field}["${key}"] must be a string`);
    if (base64 && !BASE64_RE.test(value)) throw badRequest(`${kind} in version "v1" cannot be handled as a ${kind}: illegal base64 data in ${field}["${key}"]`);
  }
  return raw as Record<string, string>;
}

const setOrDrop = (obj: KubeObject, field: string, map: Record<string, string>) => {
  if (Object.keys(map).length > 0) obj[field] = map;
  else delete obj[field];
};

/** `immutable: true` freezes the given fields and itself. */
function immutableProblems(obj: KubeObject, previous: KubeObject | undefined, fields: string[]): FieldProblem[] {
  if (obj.immutable !== undefined && typeof obj.immutable !== 'boolean') return [{ field: 'immutable', problem: 'Invalid value: must be a boolean' }];
  if (previous?.immutable !== true) return [];
  const frozen = 'Forbidden: field is immutable when `immutable` is set';
  const problems: FieldProblem[] = fields.filter((f) => !sameJson(obj[f], previous[f])).map((f) => ({ field: f, problem: frozen, reason: 'FieldValueForbidden' }));
  if (obj.immutable !== true) problems.push({ field: 'immutable', problem: frozen, reason: 'FieldValueForbidden' });
  return problems;
}

function size(...maps: Array<Record<string, string>>): number {
  return maps.reduce((n, m) => n + Object.entries(m).reduce((k, [key, v]) => k + key.length + v.length, 0), 0);
}

function prepareSecret(obj: KubeObject, previous: KubeObject | undefined): void {
  const data = { ...stringMap('Secret', obj, 'data', true) };
  const stringData = stringMap('Secret', obj, 'stringData', false);
  for (const [key, value] of Object.entries(stringData)) data[key] = Buffer.from(value, 'utf8').toString('base64');
  delete obj.stringData;
  setOrDrop(obj, 'data', data);
  if (obj.type === undefined || obj.type === '') obj.type = previous?.type ?? 'Opaque';
  const problems = keyProblems('data', data);
  if (typeof obj.type !== 'string') problems.push({ field: 'type', problem: 'Invalid value: must be a string' });
  else if (previous && previous.type !== obj.type) problems.push({ field: 'type', problem: `Invalid value: ${JSON.stringify(obj.type)}: field is immutable` });
  const bytes = Object.values(data).reduce((n, v) => n + Buffer.from(v, 'base64').length, 0);
  if (bytes > MAX_DATA_BYTES) problems.push({ field: 'data', problem: `Too long: must have at most ${MAX_DATA_BYTES} bytes`, reason: 'FieldValueTooLong' });
  problems.push(...immutableProblems(obj, previous, ['data', 'type']));
  if (problems.length > 0) throw invalidFields('Secret', obj.metadata.name, problems);
}

function prepareConfigMap(obj: KubeObject, previous: KubeObject | undefined): void {
  const data = stringMap('ConfigMap', obj, 'data', false);
  const binary = stringMap('ConfigMap', obj, 'binaryData', true);
  setOrDrop(obj, 'data', data);
  setOrDrop(obj, 'binaryData', binary);
  const problems = [...keyProblems('data', data), ...keyProblems('binaryData', binary)];
  for (const key of Object.keys(binary))
    if (Object.hasOwn(data, key)) problems.push({ field: `binaryData[${key}]`, problem: `Invalid value: ${JSON.stringify(key)}: duplicate of key present in data`, reason: 'FieldValueDuplicate' });
  if (size(data, binary) > MAX_DATA_BYTES) problems.push({ field: '[]', problem: `Too long: must have at most ${MAX_DATA_BYTES} bytes`, reason: 'FieldValueTooLong' });
  problems.push(...immutableProblems(obj, previous, ['data', 'binaryData']));
  if (problems.length > 0) throw invalidFields('ConfigMap', obj.metadata.name, problems);
}

const count = (o: KubeObject, ...fields: string[]) => fields.reduce((n, f) => n + Object.keys((o[f] ?? {}) as object).length, 0);

export const secrets: ResourceDef = {
  name: 'secrets',
  kind: 'Secret',
  group: '',
  version: 'v1',
  namespaced: true,
  shortNames: [],
  fields: { ...metaFields, type: (o) => path(o, 'type') },
  schema: kindSchema({ data: mapOf(str('byte')), stringData: mapOf(str()), type: str(), immutable: bool() }),
  printer: {
    columns: [NAME, column('Type', 'string', 'The type of the secret.'), column('Data', 'integer', 'The number of keys in the data of the secret.'), AGE],
    cells: (s, now) => [s.metadata.name, String(s.type ?? 'Opaque'), count(s, 'data'), ageOf(s, now)],
  },
  prepare: prepareSecret,
};

export const configMaps: ResourceDef = {
  name: 'configmaps',
  kind: 'ConfigMap',
  group: '',
  version: 'v1',
  namespaced: true,
  shortNames: ['cm'],
  fields: { ...metaFields },
  schema: kindSchema({ data: mapOf(str()), binaryData: mapOf(str('byte')), immutable: bool() }),
  printer: {
    columns: [NAME, column('Data', 'integer', 'The number of keys in the data and binaryData of the config map.'), AGE],
    cells: (c, now) => [c.metadata.name, count(c, 'data', 'binaryData'), ageOf(c, now)],
  },
  prepare: prepareConfigMap,
};
