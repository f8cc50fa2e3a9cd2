/**
 * A minimal Vault HTTP client for the conformance suite: raw status, body and
 * headers, so tests can assert exact codes and error strings against the
 * double or a real Vault alike. Each reply keeps the wire form too (reason
 * phrase, header names and values as sent, the body's exact text) for the
 * byte-level checks of wire.ts.
 */
import { request } from 'node:https';
import { request as httpRequest } from 'node:http';

export interface VaultReply {
  status: number;
  // Parsed JSON body (undefined when empty).
  body: any;
  headers: Record<string, string | string[] | undefined>;
  /** The reason phrase of the status line, as sent. */
  statusMessage: string;
  /** Header lines in order, names spelled as sent. */
  rawHeaders: [string, string][];
  /** The body exactly as sent (after de-chunking, which rawHeaders would show). */
  text: string;
}

export interface CallOptions {
  token?: string;
  headers?: Record<string, string>;
  /** Send this text as the body instead of JSON-encoding `body` (malformed-input cases). */
  rawBody?: string;
}

export class VaultClient {
  constructor(
    readonly address: string,
    private readonly ca: string | undefined,
  ) {}

  call(method: string, path: string, body?: unknown, options: CallOptions = {}): Promise<VaultReply> {
    const url = new URL(`/v1/${path.replace(/^\//, '')}`, this.address);
    const text = options.rawBody ?? (body === undefined ? undefined : JSON.stringify(body));
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (options.token) headers['x-vault-token'] = options.token;
    if (text !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(text));
    }
    const send = url.protocol === 'https:' ? request : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(url, { method, headers, ca: this.ca, agent: false, timeout: 15_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown;
          try {
            parsed = raw === '' ? undefined : JSON.parse(raw);
          } catch {
            parsed = raw;
          }
          const rawHeaders: [string, string][] = [];
          for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) rawHeaders.push([res.rawHeaders[i]!, res.rawHeaders[i + 1]!]);
          resolve({ status: res.statusCode ?? 0, body: parsed, headers: res.headers, statusMessage: res.statusMessage ?? '', rawHeaders, text: raw });
        });
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${url} timed out`)));
      req.on('error', reject);
      req.end(text);
    });
  }

  get = (path: string, options?: CallOptions) => this.call('GET', path, undefined, options);
  put = (path: string, body: unknown = {}, options?: CallOptions) => this.call('PUT', path, body, options);
  post = (path: string, body: unknown = {}, options?: CallOptions) => this.call('POST', path, body, options);
  del = (path: string, options?: CallOptions) => this.call('DELETE', path, undefined, options);
}

/** Polls `probe` until it returns a value other than undefined; a deadline, not a sleep, bounds it. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000, everyMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
