/**
 * HTTP plumbing of the double: body parsing as Vault's Go decoder does it
 * (case-insensitive field names, `failed to parse JSON input`), method
 * dispatch (PUT = POST, 405 otherwise) and the `{"errors":[...]}` envelope,
 * with anything wrapping `Vault is sealed` forced to 503; replies written as
 * Vault's Go server writes them (go-wire.ts).
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { SEALED, VaultApiError } from './errors.js';
import { canonicalHeaderName, encodeJsonDocument, goStatusText } from './go-wire.js';
import { warn } from './log.js';

export interface ApiRequest {
  method: 'GET' | 'PUT' | 'DELETE' | 'HEAD';
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** JSON body with lower-cased field names. */
  body: Record<string, unknown>;
  rawBody: Buffer;
  token: string | undefined;
}

export interface ApiReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Handler = (req: ApiRequest) => Promise<ApiReply> | ApiReply;

export interface Route {
  path: string;
  /** Vault forwards these from a standby to the active. */
  forward?: boolean;
  methods: Partial<Record<ApiRequest['method'], Handler>>;
}

/** Runs before a forwarded route's handler; returns a reply to send instead (forwarded answer, 307, 503, 500). */
export type ForwardHook = (req: ApiRequest) => Promise<ApiReply | undefined>;

/**
 * A harness-only wrapper around request handling (the milestone gates of
 * gates.ts, the transient trouble of trouble.ts; absent unless the harness
 * API is enabled). `extension` answers its own paths; `admit` sees each
 * routed client request before it is forwarded or handled and may answer it
 * instead, reset its connection, or delay it; `run` wraps every request this
 * server handles itself and may hold it, or drop it (undefined: the client
 * went away, nothing was done).
 */
export interface RequestGuard {
  extension(method: ApiRequest['method'], pathname: string, rawBody: Buffer): ApiReply | undefined;
  admit?(method: ApiRequest['method'], pathname: string, headers: IncomingHttpHeaders): Promise<ApiReply | 'reset' | undefined>;
  run?(method: ApiRequest['method'], pathname: string, res: ServerResponse, handle: () => Promise<ApiReply | undefined>): Promise<ApiReply | undefined>;
}

/** One guard made of several: the first extension that answers, the first admit that acts, runs nested in order (outermost first). */
export function composeGuards(guards: RequestGuard[]): RequestGuard {
  return {
    extension: (method, pathname, rawBody) => {
      for (const g of guards) {
        const reply = g.extension(method, pathname, rawBody);
        if (reply) return reply;
      }
      return undefined;
    },
    admit: async (method, pathname, headers) => {
      for (const g of guards) {
        const action = await g.admit?.(method, pathname, headers);
        if (action) return action;
      }
      return undefined;
    },
    run: (method, pathname, res, handle) => guards.reduceRight((next, g) => (g.run ? () => g.run!(method, pathname, res, next) : next), handle)(),
  };
}

/** Resets the client's TCP connection (RST, not FIN): below TLS, on the raw socket a TLS server socket wraps. */
function resetConnection(res: ServerResponse): void {
  const socket = res.socket;
  if (!socket) return;
  const tcp = (socket as Socket & { _parent?: Socket | null })._parent ?? socket;
  try {
    tcp.resetAndDestroy();
  } catch {
    socket.destroy();
  }
  socket.destroy();
}

const MAX_BODY = 1 << 20;

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new VaultApiError(413, 'request body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function parseJson(raw: Buffer): Record<string, unknown> {
  const text = raw.toString('utf8').trim();
  if (text === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new VaultApiError(400, `failed to parse JSON input: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new VaultApiError(400, 'failed to parse JSON input: body must be a JSON object');
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k.toLowerCase()] = v;
  return out;
}

export function tokenOf(headers: IncomingHttpHeaders): string | undefined {
  const direct = headers['x-vault-token'];
  if (typeof direct === 'string' && direct !== '') return direct;
  const auth = headers.authorization;
  if (typeof auth === 'string' && /^Bearer\s+/i.test(auth)) return auth.replace(/^Bearer\s+/i, '');
  return undefined;
}

/**
 * Writes a reply with the bytes Vault's Go server would: the status text of
 * net/http, `Cache-Control: no-store` on everything, JSON documents ending in
 * "\n" with `Content-Type: application/json`, a 204 carrying the content type
 * but no body, and no headers Go does not send. String bodies (a standby
 * relaying the active's answer) go out verbatim.
 */
function send(res: ServerResponse, reply: ApiReply, head: boolean): void {
  res.statusCode = reply.status;
  res.statusMessage = goStatusText(reply.status);
  res.setHeader('Cache-Control', 'no-store');
  for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(canonicalHeaderName(name), value);
  // Go names the connection only when closing it; Node would add `Connection: keep-alive` and `Keep-Alive`.
  if (res.shouldKeepAlive) res.removeHeader('Connection');
  if (reply.body === undefined) {
    // Vault's respondOk(nil) sets the JSON type before its 204; a 307 or a relayed empty answer keeps its own headers.
    if (reply.status === 204 && !res.hasHeader('Content-Type')) res.setHeader('Content-Type', 'application/json');
    res.end();
    return;
  }
  const text = typeof reply.body === 'string' ? reply.body : encodeJsonDocument(reply.body);
  if (!res.hasHeader('Content-Type')) res.setHeader('Content-Type', 'application/json');
  // Ending with the whole text lets Node set Content-Length (Go does for small bodies); HEAD gets neither body nor length, as from Go.
  res.end(head ? undefined : text);
}

export function errorReply(err: unknown): ApiReply {
  if (err instanceof VaultApiError) {
    const status = err.message.includes(SEALED) ? 503 : err.status;
    return { status, body: { errors: err.status === 405 ? [] : [err.message] }, headers: err.headers };
  }
  warn(`internal error: ${(err as Error).message}`);
  return { status: 500, body: { errors: [(err as Error).message ?? 'internal error'] } };
}

/** The request listener: route, forward when asked, answer with Vault's envelope. */
export function makeListener(routes: Route[], forwardHook: ForwardHook, guard?: RequestGuard) {
  const byPath = new Map(routes.map((r) => [r.path, r]));
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const head = req.method === 'HEAD';
    try {
      const url = new URL(req.url ?? '/', 'http://double');
      const pathname = url.pathname.replace(/\/+$/, '');
      const route = byPath.get(pathname);
      const raw = await readBody(req);
      const method = (req.method === 'POST' ? 'PUT' : req.method) as ApiRequest['method'];
      const extension = guard?.extension(method, pathname, raw);
      if (extension) return send(res, extension, head);
      if (!route) return send(res, { status: 404, body: { errors: [] } }, head);
      const handler = route.methods[method];
      if (!handler) return send(res, { status: 405, body: { errors: [] } }, head);
      const action = await guard?.admit?.(method, pathname, req.headers);
      if (action === 'reset') return resetConnection(res);
      if (action) return send(res, action, head);
      const apiReq: ApiRequest = { method, path: url.pathname + url.search, query: url.searchParams, headers: req.headers, body: {}, rawBody: raw, token: tokenOf(req.headers) };
      if (route.forward) {
        const forwarded = await forwardHook(apiReq);
        if (forwarded) return send(res, forwarded, head);
      }
      const handle = async () => {
        apiReq.body = method === 'PUT' ? parseJson(raw) : {};
        return handler(apiReq);
      };
      const reply = guard?.run ? await guard.run(method, pathname, res, handle) : await handle();
      if (reply === undefined) {
        res.destroy();
        return;
      }
      send(res, reply, head);
    } catch (err) {
      if (!res.headersSent) send(res, errorReply(err), head);
      else res.destroy();
    }
  };
}

/** Field helpers for request bodies. */
export function str(body: Record<string, unknown>, name: string): string | undefined {
  const v = body[name];
  return typeof v === 'string' ? v : undefined;
}
export function bool(body: Record<string, unknown>, name: string): boolean {
  return body[name] === true || body[name] === 'true';
}
export function int(body: Record<string, unknown>, name: string): number {
  const v = body[name];
  if (v === undefined || v === null) return 0;
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw new VaultApiError(400, `failed to parse JSON input: field ${name} must be an integer`);
  return n;
}
