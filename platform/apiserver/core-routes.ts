/**
 * Routing of `/api/v1/...`: collection and object endpoints of every store
 * resource (secrets, pods), `?watch` streams, and the pod `log` subresource.
 * Each handler turns the request into one store call; all failures become
 * Status answers through ApiError.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { mediaType, parseJson, queryFlag, queryInt, sendJson } from './http-util.js';
import { applyPatch } from './patch.js';
import { servePodLog, type LogProvider } from './pod-log.js';
import { badRequest, conflict, methodNotAllowed, notFound, unknownPath, unsupportedMediaType } from './status.js';
import type { KubeObject, ObjectStore } from './store.js';
import { includeObjectOf, toTable, wantsTable } from './table.js';
import { serveWatch, type WatchRegistry } from './watch-stream.js';

export interface CoreContext {
  store: ObjectStore;
  maxBodyBytes: number;
  bookmarkIntervalMs: number;
  watches: WatchRegistry;
  logProvider: () => LogProvider | undefined;
}

/**
 * `segments` are the decoded path parts after `/api/v1`; `body` is the
 * request body, read by the caller before dispatch. Every write runs
 * synchronously from this call to its store commit (no await on the way),
 * so an admission check made just before the call still holds at the commit
 * (see write-gates.ts).
 */
export async function handleCore(
  ctx: CoreContext,
  req: IncomingMessage,
  res: ServerResponse,
  segments: string[],
  query: URLSearchParams,
  body: Buffer,
): Promise<void> {
  const method = req.method ?? 'GET';
  if (query.get('dryRun')) throw badRequest('dryRun is not supported by the embedded API server');
  if (segments[0] === 'namespaces' && segments.length <= 2) return namespaces(ctx, res, method, segments[1]);
  if (segments.length === 1) return collection(ctx, req, res, method, segments[0]!, undefined, query, body);
  if (segments[0] !== 'namespaces' || segments.length < 3) throw unknownPath();
  const [, namespace, resource, name, sub, ...rest] = segments as [string, string, string, string?, string?, ...string[]];
  if (name === undefined) return collection(ctx, req, res, method, resource, namespace, query, body);
  if (sub === undefined) return object(ctx, req, res, method, resource, namespace, name, query, body);
  if (resource === 'pods' && sub === 'log' && rest.length === 0) {
    if (method !== 'GET') throw methodNotAllowed(method);
    return servePodLog(req, res, ctx.store, ctx.logProvider(), namespace, name, query);
  }
  throw unknownPath();
}

function collection(
  ctx: CoreContext,
  req: IncomingMessage,
  res: ServerResponse,
  method: string,
  resource: string,
  namespace: string | undefined,
  query: URLSearchParams,
  raw: Buffer,
): void {
  const def = ctx.store.resource(resource);
  if (method === 'GET' && queryFlag(query, 'watch')) {
    serveWatch(req, res, { store: ctx.store, resource, namespace, query, registry: ctx.watches, bookmarkIntervalMs: ctx.bookmarkIntervalMs });
    return;
  }
  if (method === 'GET') {
    const list = ctx.store.list(resource, namespace, {
      ...(query.get('labelSelector') !== null ? { labelSelector: query.get('labelSelector')! } : {}),
      ...(query.get('fieldSelector') !== null ? { fieldSelector: query.get('fieldSelector')! } : {}),
    });
    if (wantsTable(req.headers.accept)) {
      sendJson(res, 200, toTable(def, list.items, list.resourceVersion, includeObjectOf(query)));
      return;
    }
    // Items of a real list carry no kind/apiVersion of their own.
    const items = list.items.map(({ kind: _k, apiVersion: _a, ...rest }) => rest);
    sendJson(res, 200, { kind: `${def.kind}List`, apiVersion: 'v1', metadata: { resourceVersion: list.resourceVersion }, items });
    return;
  }
  if (method === 'POST' && namespace !== undefined) {
    const body = asObject(jsonBody(req, raw, `create ${resource}`));
    const meta = (body.metadata ?? {}) as Record<string, unknown>;
    if (meta.namespace !== undefined && meta.namespace !== '' && meta.namespace !== namespace)
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    sendJson(res, 201, ctx.store.create(resource, { ...body, metadata: { ...meta, namespace } }));
    return;
  }
  throw methodNotAllowed(method);
}

function object(
  ctx: CoreContext,
  req: IncomingMessage,
  res: ServerResponse,
  method: string,
  resource: string,
  namespace: string,
  name: string,
  query: URLSearchParams,
  raw: Buffer,
): void {
  const def = ctx.store.resource(resource);
  const keepStatus = (current: KubeObject, next: KubeObject) => {
    if (def.hasStatus) next.status = current.status;
    return next;
  };
  switch (method) {
    case 'GET': {
      const found = ctx.store.get(resource, namespace, name);
      if (wantsTable(req.headers.accept)) sendJson(res, 200, toTable(def, [found], found.metadata.resourceVersion, includeObjectOf(query)));
      else sendJson(res, 200, found);
      return;
    }
    case 'PUT': {
      const body = asObject(jsonBody(req, raw, `update ${resource}`)) as KubeObject;
      const meta = (body.metadata ?? {}) as Record<string, unknown>;
      if (meta.name !== undefined && meta.name !== name) throw badRequest(`the name of the object (${String(meta.name)}) does not match the name on the URL (${name})`);
      const expected = typeof meta.resourceVersion === 'string' ? meta.resourceVersion : undefined;
      const updated = ctx.store.update(resource, namespace, name, (current) => keepStatus(current, { ...body, metadata: { ...meta } } as KubeObject), {
        ...(expected !== undefined ? { expectedResourceVersion: expected } : {}),
      });
      sendJson(res, 200, updated);
      return;
    }
    case 'PATCH': {
      const type = mediaType(req.headers['content-type']);
      if (!['application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/json-patch+json'].includes(type))
        throw unsupportedMediaType(type);
      const patch = jsonBody(req, raw, `patch ${resource}`);
      const current = ctx.store.get(resource, namespace, name);
      const patched = asObject(applyPatch(type, current, patch)) as KubeObject;
      const rv = (patched.metadata as Record<string, unknown> | undefined)?.resourceVersion;
      const updated = ctx.store.update(resource, namespace, name, (fresh) => keepStatus(fresh, patched), {
        ...(typeof rv === 'string' ? { expectedResourceVersion: rv } : {}),
      });
      sendJson(res, 200, updated);
      return;
    }
    case 'DELETE': {
      const options = deleteOptions(raw, query);
      const current = ctx.store.get(resource, namespace, name);
      const pre = options.preconditions;
      if (pre?.uid !== undefined && pre.uid !== current.metadata.uid) throw conflict(resource, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid}`);
      if (pre?.resourceVersion !== undefined && pre.resourceVersion !== current.metadata.resourceVersion)
        throw conflict(resource, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion}`);
      const result = ctx.store.requestDelete(resource, namespace, name, options.gracePeriodSeconds);
      // Pods answer with the pod (graceful deletion); other resources with a Success Status, as a real server does.
      if (def.hasStatus) sendJson(res, 200, result);
      else sendJson(res, 200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name, kind: resource, uid: result.metadata.uid } });
      return;
    }
    default:
      throw methodNotAllowed(method);
  }
}

/**
 * Namespaces are implicit here: every name is an Active namespace (objects may
 * be created in any). kubectl reads one after a 404 to word its error, and
 * lists them for completion.
 */
function namespaces(ctx: CoreContext, res: ServerResponse, method: string, name: string | undefined): void {
  if (method !== 'GET') throw methodNotAllowed(method);
  const ns = (n: string) => ({
    kind: 'Namespace',
    apiVersion: 'v1',
    metadata: { name: n, uid: namespaceUid(n), resourceVersion: '0', creationTimestamp: STARTED_AT, labels: { 'kubernetes.io/metadata.name': n } },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  });
  if (name !== undefined) {
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name) || name.length > 63) throw notFound('namespaces', name);
    sendJson(res, 200, ns(name));
    return;
  }
  const names = new Set(['default', 'kube-system']);
  for (const def of ctx.store.resources()) for (const o of ctx.store.list(def.name, undefined).items) names.add(o.metadata.namespace);
  const items = [...names].sort().map((n) => {
    const { kind: _k, apiVersion: _a, ...rest } = ns(n);
    return rest;
  });
  sendJson(res, 200, { kind: 'NamespaceList', apiVersion: 'v1', metadata: { resourceVersion: ctx.store.currentResourceVersion() }, items });
}

const STARTED_AT = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
const namespaceUid = (name: string) => {
  const h = createHash('sha256').update(`namespace/${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
};

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
