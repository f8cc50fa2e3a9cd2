/**
 * A minimal Vault HTTP client for the conformance suite: raw status, body and
 * headers, so tests can assert exact codes and error strings against the
 * double or a real Vault alike.
 */
import { requestJson } from '../../../../common/http-json.js';

export interface VaultReply {
  status: number;
  // Parsed JSON body (undefined when empty).
  body: any;
  headers: Record<string, string | string[] | undefined>;
}

export interface CallOptions {
  token?: string;
  headers?: Record<string, string>;
}

export class VaultClient {
  constructor(
    readonly address: string,
    private readonly ca: string | undefined,
  ) {}

  async call(method: string, path: string, body?: unknown, options: CallOptions = {}): Promise<VaultReply> {
    const url = new URL(`/v1/${path.replace(/^\//, '')}`, this.address);
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (options.token) headers['x-vault-token'] = options.token;
    const res = await requestJson(url, {
      method,
      headers,
      timeoutMs: 15_000,
      ...(body !== undefined ? { json: body } : {}),
      ...(this.ca !== undefined ? { ca: this.ca } : {}),
    });
    // Exact answers for conformance: a body that is not JSON is kept as its text.
    return { status: res.status, body: res.json ?? (res.text === '' ? undefined : res.text), headers: res.headers };
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
