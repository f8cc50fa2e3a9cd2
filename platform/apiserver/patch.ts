/**
 * The three PATCH flavours clients send: JSON merge patch (RFC 7386),
 * strategic merge patch (strategic-merge.ts, driven by the kind's schema),
 * and JSON patch (RFC 6902). All work on a copy and throw ApiError, so a
 * failing patch changes nothing.
 */
import type { Schema } from './schema.js';
import { ApiError, badRequest, unsupportedMediaType } from './status.js';
import { strategicMerge } from './strategic-merge.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const isObject = (v: unknown): v is Record<string, Json> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** RFC 7386: objects merge recursively, `null` deletes, everything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

interface JsonPatchOp {
  op: string;
  path: string;
  value?: unknown;
  from?: string;
}

/** Splits a JSON pointer into unescaped tokens (`~1` → `/`, `~0` → `~`). */
function pointer(path: unknown): string[] {
  if (typeof path !== 'string' || (path !== '' && !path.startsWith('/'))) throw badRequest(`json patch: invalid path ${JSON.stringify(path)}`);
  if (path === '') return [];
  return path.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(doc: unknown, tokens: string[], path: string): { parent: Record<string, unknown> | unknown[]; key: string } {
  let cur: unknown = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(t)];
    else if (isObject(cur)) cur = cur[t];
    else cur = undefined;
    if (cur === undefined) throw unprocessable(`json patch: path "${path}" does not exist`);
  }
  if (!Array.isArray(cur) && !isObject(cur)) throw unprocessable(`json patch: path "${path}" does not exist`);
  return { parent: cur, key: tokens[tokens.length - 1]! };
}

const unprocessable = (message: string) => new ApiError(422, 'Invalid', message);

function arrayIndex(arr: unknown[], key: string, path: string, forInsert: boolean): number {
  if (forInsert && key === '-') return arr.length;
  if (!/^\d+$/.test(key)) throw unprocessable(`json patch: "${key}" is not an array index in "${path}"`);
  const i = Number(key);
  if (i > arr.length || (!forInsert && i === arr.length)) throw unprocessable(`json patch: index ${i} out of range in "${path}"`);
  return i;
}

function getAt(doc: unknown, path: string): unknown {
  let cur: unknown = doc;
  for (const t of pointer(path)) {
    if (Array.isArray(cur)) cur = cur[Number(t)];
    else if (isObject(cur)) cur = Object.hasOwn(cur, t) ? cur[t] : undefined;
    else cur = undefined;
    if (cur === undefined) throw unprocessable(`json patch: path "${path}" does not exist`);
  }
  return cur;
}

function removeAt(doc: unknown, path: string): unknown {
  const tokens = pointer(path);
  if (tokens.length === 0) throw unprocessable('json patch: cannot remove the whole document');
  const { parent, key } = parentOf(doc, tokens, path);
  if (Array.isArray(parent)) return parent.splice(arrayIndex(parent, key, path, false), 1)[0];
  if (!Object.hasOwn(parent, key)) throw unprocessable(`json patch: path "${path}" does not exist`);
  const old = parent[key];
  delete parent[key];
  return old;
}

function addAt(doc: unknown, path: string, value: unknown, replace: boolean): unknown {
  const tokens = pointer(path);
  if (tokens.length === 0) return structuredClone(value);
  const { parent, key } = parentOf(doc, tokens, path);
  if (Array.isArray(parent)) {
    const i = arrayIndex(parent, key, path, !replace);
    parent.splice(i, replace ? 1 : 0, structuredClone(value));
  } else {
    if (replace && !Object.hasOwn(parent, key)) throw unprocessable(`json patch: replace of missing path "${path}"`);
    parent[key] = structuredClone(value);
  }
  return doc;
}

/** RFC 6902: add, remove, replace, move, copy, test — all or nothing. */
export function jsonPatch(target: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw badRequest('json patch: body must be a JSON array of operations');
  let doc = structuredClone(target);
  for (const raw of ops as JsonPatchOp[]) {
    if (!isObject(raw) || typeof raw.op !== 'string') throw badRequest('json patch: every operation needs an "op"');
    switch (raw.op) {
      case 'add':
      case 'replace':
        if (!('value' in raw)) throw badRequest(`json patch: "${raw.op}" needs a "value"`);
        doc = addAt(doc, raw.path, raw.value, raw.op === 'replace');
        break;
      case 'remove':
        removeAt(doc, raw.path);
        break;
      case 'move': {
        const moved = removeAt(doc, String(raw.from));
        doc = addAt(doc, raw.path, moved, false);
        break;
      }
      case 'copy':
        doc = addAt(doc, raw.path, getAt(doc, String(raw.from)), false);
        break;
      case 'test':
        if (JSON.stringify(getAt(doc, raw.path)) !== JSON.stringify(raw.value)) throw unprocessable(`json patch: test failed at "${raw.path}"`);
        break;
      default:
        throw badRequest(`json patch: unknown op "${raw.op}"`);
    }
  }
  return doc;
}

export const PATCH_TYPES = ['application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/json-patch+json'] as const;

/** Applies a parsed patch body of the given media type to a copy of `target`, an object of `schema`. */
export function applyPatch(contentType: string, target: unknown, patch: unknown, schema?: Schema): unknown {
  switch (contentType) {
    case 'application/merge-patch+json':
      if (!isObject(patch)) throw badRequest('merge patch: body must be a JSON object');
      return mergePatch(target, patch);
    case 'application/strategic-merge-patch+json':
      if (!isObject(patch)) throw badRequest('strategic merge patch: body must be a JSON object');
      return strategicMerge(target, patch, schema);
    case 'application/json-patch+json':
      return jsonPatch(target, patch);
    default:
      throw unsupportedMediaType(contentType);
  }
}
