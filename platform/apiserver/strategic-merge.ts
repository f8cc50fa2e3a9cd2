/**
 * Strategic merge patch (`application/strategic-merge-patch+json`) as
 * Kubernetes applies it, driven by the kind's schema (schema.ts): maps merge
 * recursively and `null` deletes; a list with merge metadata merges element
 * by element (matched on its merge key, or as a set of scalars), every other
 * list is replaced whole. The directives kubectl's three-way patches carry
 * are honoured: `$patch: replace|delete|merge` on a map or list element,
 * `$retainKeys`, `$setElementOrder/<list>` and `$deleteFromPrimitiveList/<list>`.
 */
import { child, type Schema } from './schema.js';
import { badRequest } from './status.js';

type Json = Record<string, unknown>;

const isMap = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
const SET_ORDER = '$setElementOrder/';
const DELETE_FROM = '$deleteFromPrimitiveList/';

/** Applies `patch` to a copy of `target`; `schema` is the target's schema (undefined: plain merge). */
export function strategicMerge(target: unknown, patch: Json, schema: Schema | undefined): Json {
  const merged = mergeMap(isMap(target) ? structuredClone(target) : {}, patch, schema);
  if (merged === undefined) throw badRequest('strategic merge patch: "$patch: delete" of the whole object is not allowed');
  return merged;
}

function directive(patch: Json): string | undefined {
  const d = patch.$patch;
  if (d === undefined) return undefined;
  if (d !== 'replace' && d !== 'delete' && d !== 'merge') throw badRequest(`strategic merge patch: unknown patch type "${String(d)}" in $patch`);
  return d;
}

/** A patch value stored as is (a new element, a replaced list): no directive survives into the object. */
function withoutDirectives(v: unknown): unknown {
  if (Array.isArray(v)) return v.filter((e) => !(isMap(e) && e.$patch !== undefined && Object.keys(e).length === 1)).map(withoutDirectives);
  if (!isMap(v)) return v;
  const out: Json = {};
  for (const [k, member] of Object.entries(v)) {
    if (k === '$patch' || k === '$retainKeys' || k.startsWith(SET_ORDER) || k.startsWith(DELETE_FROM) || member === null) continue;
    out[k] = withoutDirectives(member);
  }
  return out;
}

function mergeMap(original: Json, patch: Json, schema: Schema | undefined): Json | undefined {
  const how = directive(patch);
  if (how === 'delete') return undefined;
  if (how === 'replace') return withoutDirectives(patch) as Json;
  const out: Json = { ...original };
  const orders: Array<[string, unknown[]]> = [];
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch' || key === '$retainKeys') continue;
    if (key.startsWith(SET_ORDER)) {
      if (Array.isArray(value)) orders.push([key.slice(SET_ORDER.length), value]);
      continue;
    }
    if (key.startsWith(DELETE_FROM)) {
      const field = key.slice(DELETE_FROM.length);
      if (Array.isArray(value) && Array.isArray(out[field])) out[field] = (out[field] as unknown[]).filter((e) => !value.some((d) => same(d, e)));
      continue;
    }
    if (value === null) {
      delete out[key];
      continue;
    }
    const sub = child(schema, key);
    if (isMap(value) && isMap(out[key])) {
      const merged = mergeMap(out[key] as Json, value, sub);
      if (merged === undefined) delete out[key];
      else out[key] = merged;
    } else if (isMap(value)) {
      const merged = mergeMap({}, value, sub);
      if (merged !== undefined) out[key] = merged;
    } else if (Array.isArray(value) && sub?.type === 'array' && sub.merge) {
      out[key] = mergeList(Array.isArray(out[key]) ? (out[key] as unknown[]) : [], value, sub);
    } else {
      out[key] = withoutDirectives(value);
    }
  }
  for (const [field, order] of orders) if (Array.isArray(out[field])) out[field] = reorder(out[field] as unknown[], order, keyOfList(schema, field));
  const retain = patch.$retainKeys;
  if (Array.isArray(retain)) for (const k of Object.keys(out)) if (!retain.includes(k)) delete out[k];
  return out;
}

function keyOfList(schema: Schema | undefined, field: string): string | undefined {
  const s = child(schema, field);
  return s?.type === 'array' ? s.merge?.key : undefined;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function mergeList(original: unknown[], patch: unknown[], schema: Extract<Schema, { type: 'array' }>): unknown[] {
  if (patch.some((e) => isMap(e) && e.$patch === 'replace')) return withoutDirectives(patch) as unknown[];
  const key = schema.merge?.key;
  if (key === undefined) {
    // A set of scalars: the union, old elements first.
    const out = [...original];
    for (const e of patch) if (!out.some((o) => same(o, e))) out.push(e);
    return out;
  }
  const out = [...original];
  for (const element of patch) {
    if (!isMap(element)) throw badRequest(`strategic merge patch: an element of a list merged on "${key}" must be an object`);
    if (!(key in element)) throw badRequest(`strategic merge patch: an element of a list merged on "${key}" lacks "${key}"`);
    const at = out.findIndex((o) => isMap(o) && same(o[key], element[key]));
    const how = directive(element);
    if (how === 'delete') {
      if (at >= 0) out.splice(at, 1);
      continue;
    }
    if (at < 0) out.push(withoutDirectives(element));
    else out[at] = mergeMap(out[at] as Json, element, schema.items) ?? out[at];
  }
  return out;
}

/** `$setElementOrder`: the named elements in the given order, any others after them in their old order. */
function reorder(items: unknown[], order: unknown[], key: string | undefined): unknown[] {
  const id = (e: unknown) => JSON.stringify(key !== undefined && isMap(e) ? e[key] : e);
  const rank = new Map(order.map((o, i) => [id(o), i]));
  const ranked = items.filter((e) => rank.has(id(e))).sort((a, b) => rank.get(id(a))! - rank.get(id(b))!);
  return [...ranked, ...items.filter((e) => !rank.has(id(e)))];
}
