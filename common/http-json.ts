/**
 * One JSON-over-HTTP(S) request, the helper every harness client and test
 * uses instead of hand-writing node:https plumbing: the body encoded with its
 * length (Node sends a DELETE body unframed otherwise), a CA to trust, an
 * optional TLS server name, a bearer token, a timeout, no connection reuse
 * (a test that kills a server must not see a pooled socket to it) unless the
 * caller hands in an agent of its own (a port-forward, whose every new
 * connection costs a WebSocket upgrade, and whose pooled sockets die with the
 * forward).
 *
 * It resolves with whatever status the server answered (callers decide what
 * an error is) and rejects only when there is no answer: connection refused,
 * TLS failure, timeout. Neither the body nor the headers ever reach an error
 * message (they may carry shards or tokens).
 */
import { request as httpRequest, type Agent, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { EnvironmentError } from './errors.js';

export interface JsonRequestOptions {
  method?: string;
  /** encoded as JSON; `content-type: application/json` is set */
  json?: unknown;
  /** sent as given (a test of malformed bodies); wins over `json` */
  body?: string | Buffer;
  headers?: Record<string, string>;
  /** `authorization: Bearer <token>` */
  bearer?: string;
  /** PEM of the CA to trust (https) */
  ca?: string;
  /** TLS server name to verify, when it differs from the URL host */
  servername?: string;
  /** no answer within this long rejects (default 10 s) */
  timeoutMs?: number;
  /** connection pooling the caller owns; default none (a fresh connection per request) */
  agent?: Agent;
}

export interface JsonResponse<T = unknown> {
  status: number;
  /** the parsed body; undefined when empty or not JSON */
  json: T | undefined;
  text: string;
  headers: IncomingHttpHeaders;
}

/** No answer at all (connection, TLS, timeout). The URL is reported without its query. */
export class HttpUnreachableError extends EnvironmentError {
  constructor(method: string, url: URL, cause: unknown) {
    const where = `${url.origin}${url.pathname}`;
    super(`${method} ${where} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { method, url: where }, { cause });
  }
}

export function requestJson<T = unknown>(target: string | URL, options: JsonRequestOptions = {}): Promise<JsonResponse<T>> {
  const url = typeof target === 'string' ? new URL(target) : target;
  const method = options.method ?? 'GET';
  const timeoutMs = options.timeoutMs ?? 10_000;
  const payload = options.body ?? (options.json === undefined ? undefined : JSON.stringify(options.json));
  const headers: Record<string, string> = {};
  if (options.json !== undefined && options.body === undefined) headers['content-type'] = 'application/json';
  if (options.bearer !== undefined) headers['authorization'] = `Bearer ${options.bearer}`;
  if (payload !== undefined) headers['content-length'] = String(Buffer.byteLength(payload));
  Object.assign(headers, options.headers);
  const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
  return new Promise((resolve, reject) => {
    const fail = (err: unknown) => reject(new HttpUnreachableError(method, url, err));
    const req = send(
      url,
      { method, headers, agent: options.agent ?? false, timeout: timeoutMs, ...(options.ca !== undefined ? { ca: options.ca } : {}), ...(options.servername !== undefined ? { servername: options.servername } : {}) },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', fail);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: T | undefined;
          try {
            json = text.trim() === '' ? undefined : (JSON.parse(text) as T);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, json, text, headers: res.headers });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', fail);
    req.end(payload);
  });
}
