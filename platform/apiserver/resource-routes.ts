/**
 * Routing of `/api/v1/...` and `/apis/{group}/{version}/...`: collection and
 * object endpoints of every served resource (namespaced ones under
 * `namespaces/{ns}/`, cluster-scoped ones at the top), `?watch` streams, the
 * pod `log` subresource and the streaming pod subresources this cluster does
 * not serve. Each handler turns the request into one store call; all
 * failures become Status answers through ApiError.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { admitCreate, decodeObject, fieldValidationOf } from './admission.js';
import { mediaType, parseJson, queryFlag, queryInt, sendJson } from './http-util.js';
import type { NamespaceLifecycle } from './namespace-lifecycle.js';
import { applyPatch, PATCH_TYPES } from './patch.js';
import { servePodLog, type LogProvider } from './pod-log.js';
import { streamingUnsupported, STREAMING_SUBRESOURCES } from './pod-subresources.js';
import { apiVersionOf, type ResourceDef } from './resources.js';
import { ApiError, badRequest, conflict, methodNotAllowed, unknownPath, unsupportedMediaType } from './status.js';
import type { KubeObject, ObjectStore } from './store.js';
import { includeObjectOf, toTable, wantsTable } from './table.js';
import { serveWatch, type WatchRegistry } from './watch-stream.js';

export interface ResourceContext {
  store: ObjectStore;
  bookmarkIntervalMs: number;
  watches: WatchRegistry;
  logProvider: () => LogProvider | undefined;
  namespaces: NamespaceLifecycle;
}

interface Target {
  def: ResourceDef;
  namespace: string | undefined;
  name: string | undefined;
  sub: string | undefined;
}

/** The resource, namespace, name and subresource a path below a group/version names. */
function target(store: ObjectStore, group: string, version: string, segments: string[]): Target {
  const find = (resource: string | undefined) => {
    const def = store.resources().find((d) => d.name === resource && d.group === group && d.version === version);
    if (!def) throw new ApiError(404, 'NotFound', `the server could not find the requested resource${resource ? ` (resource "${resource}")` : ''}`);
    return def;
  };
  if (segments[0] === 'namespaces' && segments.length >= 3) {
    const [, namespace, resource, name, sub, ...rest] = segments;
    const def = find(resource);
    if (!def.namespaced || rest.length > 0) throw unknownPath();
    return { def, namespace, name, sub };
  }
  const [resource, name, sub, ...rest] = segments;
  const def = find(resource);
  // A namespaced resource without a namespace is only its all-namespaces list.
  if (rest.length > 0 || (def.namespaced && name !== undefined)) throw unknownPath();
  return { def, namespace: undefined, name, sub };
}

/**
 * `segments` are the decoded path parts after the group/version prefix;
 * `body` is the request body, read by the caller before dispatch. Every
 * write runs synchronously from this call to its store commit (no await on
 * the way), so an admission check made just before the call still holds at
 * the commit (see write-gates.ts).
 */
export async function handleResources(
  ctx: ResourceContext,
  req: IncomingMessage,
  res: ServerResponse,
  group: string,
  version: string,
  segments: string[],
  query: URLSearchParams,
  body: Buffer,
): Promise<void> {
  const method = req.method ?? 'GET';
  if (query.get('dryRun')) throw badRequest('dryRun is not supported by the embedded API server');
  const t = target(ctx.store, group, version, segments);
  if (t.name === undefined) return collection(ctx, req, res, method, t.def, t.namespace, query, body);
  if (t.sub === undefined) return object(ctx, req, res, method, t.def, t.namespace ?? '', t.name, query, body);
  if (t.def.name === 'pods' && t.sub === 'log') {
    if (method !== 'GET') throw methodNotAllowed(method);
    return servePodLog(req, res, ctx.store, ctx.logProvider(), t.namespace!, t.name, query);
  }
  if (t.def.name === 'pods' && STREAMING_SUBRESOURCES.has(t.sub)) {
    ctx.store.get('pods', t.namespace!, t.name);
    throw streamingUnsupported(t.sub, t.name);
  }
  throw unknownPath();
}

function collection(
  ctx: ResourceContext,
  req: IncomingMessage,
  res: ServerResponse,
  method: string,
  def: ResourceDef,
  namespace: string | undefined,
  query: URLSearchParams,
  raw: Buffer,
): void {
  const table = wantsTable(req.headers.accept);
  if (method === 'GET' && queryFlag(query, 'watch')) {
    const include = includeObjectOf(query);
    serveWatch(req, res, {
      store: ctx.store,
      resource: def.name,
      namespace,
      query,
      registry: ctx.watches,
      bookmarkIntervalMs: ctx.bookmarkIntervalMs,
      ...(table ? { encode: (o: KubeObject) => toTable(def, [o], o.metadata.resourceVersion, include) } : {}),
    });
    return;
  }
  if (method === 'GET') {
    const list = ctx.store.list(def.name, namespace, {
      ...(query.get('labelSelector') !== null ? { labelSelector: query.get('labelSelector')! } : {}),
      ...(query.get('fieldSelector') !== null ? { fieldSelector: query.get('fieldSelector')! } : {}),
    });
    if (table) {
      sendJson(res, 200, toTable(def, list.items, list.resourceVersion, includeObjectOf(query)));
      return;
    }
    // Items of a real list carry no kind/apiVersion of their own.
    const items = list.items.map(({ kind: _k, apiVersion: _a, ...rest }) => rest);
    sendJson(res, 200, { kind: `${def.kind}List`, apiVersion: apiVersionOf(def), metadata: { resourceVersion: list.resourceVersion }, items });
    return;
  }
  if (method === 'POST' && (namespace !== undefined || !def.namespaced)) {
    const body = asObject(jsonBody(req, raw, `create ${def.name}`));
    const meta = asObject(body.metadata ?? {});
    if (namespace !== undefined && meta.namespace !== undefined && meta.namespace !== '' && meta.namespace !== namespace)
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    const decoded = decodeObject(def, body, fieldValidationOf(query), res);
    admitCreate(ctx.store, def, namespace, String(meta.name ?? meta.generateName ?? ''));
    const metadata = { ...(decoded.metadata as Record<string, unknown> | undefined), ...(namespace !== undefined ? { namespace } : {}) };
    sendJson(res, 201, ctx.store.create(def.name, { ...decoded, metadata }));
    return;
  }
  throw methodNotAllowed(method);
}

function object(
  ctx: ResourceContext,
  req: IncomingMessage,
  res: ServerResponse,
  method: string,
  def: ResourceDef,
  namespace: string,
  name: string,
  query: URLSearchParams,
  raw: Buffer,
): void {
  const keepStatus = (current: KubeObject, next: KubeObject) => {
    if (def.hasStatus) next.status = current.status;
    return next;
  };
  switch (method) {
    case 'GET': {
      const found = ctx.store.get(def.name, namespace, name);
      if (wantsTable(req.headers.accept)) sendJson(res, 200, toTable(def, [found], found.metadata.resourceVersion, includeObjectOf(query)));
      else sendJson(res, 200, found);
      return;
    }
    case 'PUT': {
      const body = decodeObject(def, asObject(jsonBody(req, raw, `update ${def.name}`)), fieldValidationOf(query), res) as KubeObject;
      const meta = (body.metadata ?? {}) as Record<string, unknown>;
      if (meta.name !== undefined && meta.name !== name) throw badRequest(`the name of the object (${String(meta.name)}) does not match the name on the URL (${name})`);
      const expected = typeof meta.resourceVersion === 'string' ? meta.resourceVersion : undefined;
      const updated = ctx.store.update(def.name, namespace, name, (current) => keepStatus(current, { ...body, metadata: { ...meta } } as KubeObject), {
        ...(expected !== undefined ? { expectedResourceVersion: expected } : {}),
      });
      sendJson(res, 200, updated);
      return;
    }
    case 'PATCH': {
      const type = mediaType(req.headers['content-type']);
      if (!(PATCH_TYPES as readonly string[]).includes(type)) throw unsupportedMediaType(type);
      const mode = fieldValidationOf(query);
      const patch = jsonBody(req, raw, `patch ${def.name}`);
      const current = ctx.store.get(def.name, namespace, name);
      const patched = decodeObject(def, asObject(applyPatch(type, current, patch, def.schema)), mode, res) as KubeObject;
      const rv = (patched.metadata as Record<string, unknown> | undefined)?.resourceVersion;
      const updated = ctx.store.update(def.name, namespace, name, (fresh) => keepStatus(fresh, patched), {
        ...(typeof rv === 'string' ? { expectedResourceVersion: rv } : {}),
      });
      sendJson(res, 200, updated);
      return;
    }
    case 'DELETE': {
      const options = deleteOptions(raw, query);
      const current = ctx.store.get(def.name, namespace, name);
      const pre = options.preconditions;
      if (pre?.uid !== undefined && pre.uid !== current.metadata.uid) throw conflict(def.name, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid}`);
      if (pre?.resourceVersion !== undefined && pre.resourceVersion !== current.metadata.resourceVersion)
        throw conflict(def.name, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion}`);
      // Namespaces and pods answer with the object (their deletion takes a while); others with a Success Status, as a real server does.
      if (def.name === 'namespaces') return sendJson(res, 200, ctx.namespaces.delete(name));
      const result = ctx.store.requestDelete(def.name, namespace, name, options.gracePeriodSeconds);
      if (def.name === 'pods') sendJson(res, 200, result);
      else sendJson(res, 200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name, ...(def.group ? { group: def.group } : {}), kind: def.name, uid: result.metadata.uid } });
      return;
    }
    default:
      throw methodNotAllowed(method);
  }
}

interface DeleteOptions {
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
}

/** Merges `gracePeriodSeconds` from the query with a DeleteOptions body (the body wins, as in Kubernetes). */
function deleteOptions(raw: Buffer, query: URLSearchParams): DeleteOptions {
  const out: DeleteOptions = {};
  const fromQuery = queryInt(query, 'gracePeriodSeconds');
  if (fromQuery !== undefined) out.gracePeriodSeconds = fromQuery;
  if (raw.length === 0) return out;
  const body = asObject(parseJson(raw, 'DeleteOptions'));
  if (body.dryRun !== undefined && (!Array.isArray(body.dryRun) || body.dryRun.length > 0)) throw badRequest('dryRun is not supported by the embedded API server');
  if (body.gracePeriodSeconds !== undefined && body.gracePeriodSeconds !== null) {
    if (typeof body.gracePeriodSeconds !== 'number' || !Number.isInteger(body.gracePeriodSeconds) || body.gracePeriodSeconds < 0)
      throw badRequest('DeleteOptions.gracePeriodSeconds must be a non-negative integer');
    out.gracePeriodSeconds = body.gracePeriodSeconds;
  }
  if (body.preconditions !== undefined && body.preconditions !== null) out.preconditions = asObject(body.preconditions) as DeleteOptions['preconditions'];
  return out;
}

function jsonBody(req: IncomingMessage, body: Buffer, what: string): unknown {
  const type = mediaType(req.headers['content-type']);
  if (req.method !== 'PATCH' && type !== '' && type !== 'application/json') throw unsupportedMediaType(type);
  return parseJson(body, what);
}

function asObject(v: unknown): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw badRequest('request body must be a JSON object');
  return v as Record<string, unknown>;
}
