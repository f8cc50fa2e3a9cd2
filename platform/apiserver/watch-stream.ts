/**
 * `?watch=true` on a list URL: a chunked stream of JSON lines
 * `{"type":…,"object":…}`. A resourceVersion older than the retained history
 * is answered the way a real server does, with HTTP 200 and one `ERROR` event
 * whose object is a 410 Status (clients then re-list). Streams end on
 * `timeoutSeconds`, on client disconnect, on server close, or when a test
 * drops them to exercise resumption.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { queryFlag, queryInt, sendError } from './http-util.js';
import { parseFieldSelector, parseLabelSelector } from './selectors.js';
import { apiVersionOf } from './resources.js';
import { ApiError } from './status.js';
import type { KubeObject, ObjectStore } from './store.js';

export interface WatchRegistry {
  add(close: () => void): void;
  delete(close: () => void): void;
}

export interface WatchStreamOptions {
  store: ObjectStore;
  resource: string;
  namespace: string | undefined;
  query: URLSearchParams;
  registry: WatchRegistry;
  bookmarkIntervalMs: number;
  /** What an event carries for an object (default: the object; a one-row Table for `kubectl get -w`). */
  encode?: (object: KubeObject) => unknown;
}

export function serveWatch(req: IncomingMessage, res: ServerResponse, o: WatchStreamOptions): void {
  let timeoutSeconds: number | undefined;
  try {
    timeoutSeconds = queryInt(o.query, 'timeoutSeconds');
    // Selectors and the resource itself are validated before the 200 goes out, so those errors are plain Status answers.
    const def = o.store.resource(o.resource);
    parseLabelSelector(o.query.get('labelSelector') ?? undefined);
    parseFieldSelector(o.query.get('fieldSelector') ?? undefined, def.fields, o.resource);
  } catch (err) {
    sendError(res, err);
    return;
  }
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
  const write = (type: string, object: unknown) => {
    if (!res.writableEnded && !res.destroyed) res.write(JSON.stringify({ type, object }) + '\n');
  };

  const encode = o.encode ?? ((object: KubeObject) => object);
  let stopWatch: (() => void) | undefined;
  let timeoutTimer: NodeJS.Timeout | undefined;
  let bookmarkTimer: NodeJS.Timeout | undefined;
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    stopWatch?.();
    clearTimeout(timeoutTimer);
    clearTimeout(bookmarkTimer);
    o.registry.delete(close);
    if (!res.writableEnded) res.end();
  };
  o.registry.add(close);
  req.on('close', close);
  res.on('close', close);

  try {
    stopWatch = o.store.watch(o.resource, o.namespace, { ...selectors(o.query), resourceVersion: o.query.get('resourceVersion') ?? undefined }, (e) => write(e.type, encode(e.object)));
  } catch (err) {
    if (err instanceof ApiError) write('ERROR', err.status);
    else write('ERROR', new ApiError(500, 'InternalError', `watch failed: ${(err as Error).message}`).status);
    close();
    return;
  }
  if (timeoutSeconds !== undefined && timeoutSeconds > 0) timeoutTimer = setTimeout(close, timeoutSeconds * 1000);
  if (queryFlag(o.query, 'allowWatchBookmarks')) {
    const def = o.store.resource(o.resource);
    const tick = () => {
      // Delivery is synchronous, so every event up to the current version has been written (or filtered out).
      write('BOOKMARK', { kind: def.kind, apiVersion: apiVersionOf(def), metadata: { resourceVersion: o.store.currentResourceVersion() } });
      bookmarkTimer = setTimeout(tick, o.bookmarkIntervalMs);
    };
    bookmarkTimer = setTimeout(tick, o.bookmarkIntervalMs);
  }
}

function selectors(query: URLSearchParams): { labelSelector?: string; fieldSelector?: string } {
  return {
    ...(query.get('labelSelector') !== null ? { labelSelector: query.get('labelSelector')! } : {}),
    ...(query.get('fieldSelector') !== null ? { fieldSelector: query.get('fieldSelector')! } : {}),
  };
}
