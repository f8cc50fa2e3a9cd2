/**
 * `GET /api/v1/namespaces/{ns}/pods/{name}/log`. The API server does not
 * know where container output lives; the node agent registers a
 * `LogProvider` that yields it. With `follow` the provider keeps yielding
 * until the container ends; a client disconnect aborts `signal`.
 *
 * `timestamps=true` (kubectl logs --timestamps) prefixes every line with an
 * RFC 3339 time with nanoseconds, as the kubelet does. A provider that knows
 * when a line was written yields it as a `TimedLogLine`; for plain chunks
 * the time is when this server received the chunk from the provider. The
 * node agent's log files hold no times, so for them that is the time the log
 * was read: close to the write for lines that arrive while following, the
 * time of the request for the lines already in the file.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { StringDecoder } from 'node:string_decoder';
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
  /** The client wants each line's time; a provider that knows it yields TimedLogLines. */
  timestamps: boolean;
  signal: AbortSignal;
}

/** One line (without its newline) and when it was written, in nanoseconds since the epoch. */
export interface TimedLogLine {
  line: string;
  writtenAtNs: bigint;
}

export type LogChunks = AsyncIterable<string | Uint8Array | TimedLogLine>;
/** Throws ApiError (e.g. 400 for an unknown container) or returns the log text as chunks. */
export type LogProvider = (request: LogRequest) => LogChunks | Promise<LogChunks>;

const isTimed = (c: unknown): c is TimedLogLine => typeof c === 'object' && c !== null && 'writtenAtNs' in c;

/** Go's time.RFC3339Nano in UTC: nine fraction digits at most, trailing zeros dropped. */
export function rfc3339Nano(epochNs: bigint): string {
  const seconds = epochNs / 1_000_000_000n;
  const base = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  const fraction = String(epochNs % 1_000_000_000n).padStart(9, '0').replace(/0+$/, '');
  return `${base}${fraction === '' ? '' : `.${fraction}`}Z`;
}

// The wall clock once, then the monotonic clock: nanosecond resolution without float rounding.
const wallAtAnchorNs = BigInt(Date.now()) * 1_000_000n;
const hrAtAnchor = process.hrtime.bigint();
/** Now, in nanoseconds since the epoch. */
export const nowNs = (): bigint => wallAtAnchorNs + (process.hrtime.bigint() - hrAtAnchor);

/** Turns provider chunks into timestamped lines, each stamped when its end arrived (a last partial line: its last piece). */
async function* stamped(chunks: LogChunks): AsyncIterable<string> {
  let partial = '';
  let partialAt = 0n;
  // A multi-byte character may be split across chunks.
  const utf8 = new StringDecoder('utf8');
  for await (const chunk of chunks) {
    if (isTimed(chunk)) {
      yield `${rfc3339Nano(chunk.writtenAtNs)} ${chunk.line}\n`;
      continue;
    }
    const at = nowNs();
    const lines = (partial + (typeof chunk === 'string' ? chunk : utf8.write(Buffer.from(chunk)))).split('\n');
    partial = lines.pop()!;
    if (partial !== '') partialAt = at;
    if (lines.length > 0) yield lines.map((line) => `${rfc3339Nano(at)} ${line}\n`).join('');
  }
  if (partial !== '') yield `${rfc3339Nano(partialAt)} ${partial}\n`;
}

async function* plain(chunks: LogChunks): AsyncIterable<string | Uint8Array> {
  for await (const chunk of chunks) yield isTimed(chunk) ? `${chunk.line}\n` : chunk;
}

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
  const timestamps = queryFlag(query, 'timestamps');
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
      timestamps,
      signal: controller.signal,
    });
  } catch (err) {
    sendError(res, err);
    return;
  }
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
  try {
    for await (const chunk of timestamps ? stamped(chunks) : plain(chunks)) {
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
