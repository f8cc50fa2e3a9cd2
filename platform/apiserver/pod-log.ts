/**
 * `GET /api/v1/namespaces/{ns}/pods/{name}/log`. The API server does not
 * know where container output lives; the node agent registers a
 * `LogProvider` that yields it. With `follow` the provider keeps yielding
 * until the container ends; a client disconnect aborts `signal`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { queryFlag, queryInt, sendError } from './http-util.js';
import { badRequest } from './status.js';
import type { KubeObject, ObjectStore } from './store.js';

export interface LogRequest {
  namespace: string;
  pod: KubeObject;
  /** Undefined when the client named none (the provider picks the only container or answers 400). */
  container: string | undefined;
  follow: boolean;
  previous: boolean;
  tailLines: number | undefined;
  signal: AbortSignal;
}

export type LogChunks = AsyncIterable<string | Uint8Array>;
/** Throws ApiError (e.g. 400 for an unknown container) or returns the log text as chunks. */
export type LogProvider = (request: LogRequest) => LogChunks | Promise<LogChunks>;

export async function servePodLog(
  req: IncomingMessage,
  res: ServerResponse,
  store: ObjectStore,
  provider: LogProvider | undefined,
  namespace: string,
  name: string,
  query: URLSearchParams,
): Promise<void> {
  const controller = new AbortController();
  const onClose = () => controller.abort();
  req.on('close', onClose);
  res.on('close', onClose);
  let chunks: LogChunks;
  try {
    const pod = store.get('pods', namespace, name);
    if (!provider) throw badRequest(`pod "${name}" has no log source: no node agent has registered a log provider`);
    chunks = await provider({
      namespace,
      pod,
      container: query.get('container') ?? undefined,
      follow: queryFlag(query, 'follow'),
      previous: queryFlag(query, 'previous'),
      tailLines: queryInt(query, 'tailLines'),
      signal: controller.signal,
    });
  } catch (err) {
    sendError(res, err);
    return;
  }
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
  try {
    for await (const chunk of chunks) {
      if (controller.signal.aborted) break;
      res.write(chunk);
    }
  } catch {
    // The stream already started: all that is left is to end it; the client sees a short log.
  } finally {
    req.off('close', onClose);
    if (!res.writableEnded) res.end();
  }
}
