/**
 * The harness's own Vault HTTP client: one server, reached over HTTPS (common/http-json.ts)
 * with the cluster CA (and a TLS server name when the URL host is not one of
 * the certificate's names). Status reads need no token; only the token calls
 * take one. Nothing here logs; errors carry the method, path, status and
 * Vault's (redacted) message, never a request body.
 */
import { HttpUnreachableError, requestJson } from '../../common/http-json.js';
import { redact } from '../../common/redact.js';
import type { Agent } from 'node:http';
import { VaultRequestError, VaultUnreachableError } from './errors.js';

/** How the harness reaches a Vault server's HTTP API from outside the cluster (each backend resolves these). */
export interface VaultEndpoint {
  pod: string;
  url: string; // https://ip:8200 (embedded) or a port-forward URL
  /** TLS server name to verify, when it differs from the URL host */
  servername?: string;
  /** keep-alive agent of a port-forward (its requests share connections); none: a connection per request */
  agent?: Agent;
}

export interface VaultClientOptions {
  url: string; // https://10.0.0.1:8200
  caCertPem?: string;
  servername?: string;
  /** per request; default 5000 ms */
  timeoutMs?: number;
  /** name for error messages (pod name) */
  name?: string;
  agent?: Agent;
}

export interface VaultResponse<T = unknown> {
  status: number;
  body: T;
}

export interface HealthStatus {
  initialized: boolean;
  sealed: boolean;
  standby: boolean;
  version?: string;
  /** the HTTP status (200 active, 429 standby, 503 sealed, 501 uninitialized) */
  code: number;
}

export interface SealStatus {
  initialized: boolean;
  sealed: boolean;
  t: number;
  n: number;
  progress: number;
}

export interface RekeyStatus {
  nonce: string;
  started: boolean;
  t: number;
  n: number;
  progress: number;
  required: number;
  verification_required: boolean;
  verification_nonce?: string;
}

export interface RekeyVerifyStatus {
  nonce: string;
  started: boolean;
  t: number;
  n: number;
  progress: number;
}

export interface LeaderStatus {
  ha_enabled: boolean;
  is_self: boolean;
  leader_address: string;
}

export class VaultClient {
  readonly name: string;
  constructor(private readonly options: VaultClientOptions) {
    this.name = options.name ?? options.url;
  }

  static forEndpoint(endpoint: VaultEndpoint, caCertPem: string, timeoutMs?: number): VaultClient {
    return new VaultClient({ url: endpoint.url, caCertPem, servername: endpoint.servername, timeoutMs, name: endpoint.pod, ...(endpoint.agent ? { agent: endpoint.agent } : {}) });
  }

  /** Raw call: resolves with any HTTP status; rejects only when the server cannot be reached or answers garbage. */
  async request<T = unknown>(method: string, path: string, body?: unknown, token?: string): Promise<VaultResponse<T>> {
    const url = new URL(`/v1/${path.replace(/^\/+/, '')}`, this.options.url);
    const res = await requestJson<T>(url, {
      method,
      ...(body !== undefined ? { json: body } : {}),
      headers: { accept: 'application/json', ...(token !== undefined ? { 'x-vault-token': token } : {}) },
      ...(this.options.caCertPem !== undefined ? { ca: this.options.caCertPem } : {}),
      ...(this.options.servername !== undefined ? { servername: this.options.servername } : {}),
      timeoutMs: this.options.timeoutMs ?? 5000,
      ...(this.options.agent !== undefined ? { agent: this.options.agent } : {}),
    }).catch((err: unknown) => {
      throw new VaultUnreachableError(this.name, method, path, err instanceof HttpUnreachableError ? err.cause : err);
    });
    if (res.text.trim() === '') return { status: res.status, body: {} as T };
    if (res.json === undefined) throw new VaultRequestError(this.name, method, path, res.status, `non-JSON answer: ${redact(res.text.slice(0, 200))}`);
    return { status: res.status, body: res.json };
  }

  /** Like request, but a status outside `ok` throws a VaultRequestError with Vault's message. */
  async call<T = unknown>(method: string, path: string, body?: unknown, token?: string, ok: number[] = [200, 204]): Promise<T> {
    const res = await this.request<T>(method, path, body, token);
    if (!ok.includes(res.status)) throw new VaultRequestError(this.name, method, path, res.status, errorText(res.body));
    return res.body;
  }

  async health(): Promise<HealthStatus> {
    const res = await this.request<Omit<HealthStatus, 'code'>>('GET', 'sys/health');
    if (![200, 429, 501, 503, 472, 473].includes(res.status)) throw new VaultRequestError(this.name, 'GET', 'sys/health', res.status, errorText(res.body));
    return { ...res.body, code: res.status };
  }

  sealStatus(): Promise<SealStatus> {
    return this.call('GET', 'sys/seal-status');
  }

  rekeyStatus(): Promise<RekeyStatus> {
    return this.call('GET', 'sys/rekey/init');
  }

  /** The pending verification, or undefined when Vault has none (400 `no rekey configuration found`). */
  async rekeyVerifyStatus(): Promise<RekeyVerifyStatus | undefined> {
    const res = await this.request<RekeyVerifyStatus>('GET', 'sys/rekey/verify');
    if (res.status === 200) return res.body;
    if (res.status === 400) return undefined;
    throw new VaultRequestError(this.name, 'GET', 'sys/rekey/verify', res.status, errorText(res.body));
  }

  leader(): Promise<LeaderStatus> {
    return this.call('GET', 'sys/leader');
  }

  /** True when the token is valid (lookup-self 200), false when Vault refuses it (403); anything else throws. */
  async tokenWorks(token: string): Promise<boolean> {
    const res = await this.request('GET', 'auth/token/lookup-self', undefined, token);
    if (res.status === 200) return true;
    if (res.status === 403 || res.status === 401) return false;
    throw new VaultRequestError(this.name, 'GET', 'auth/token/lookup-self', res.status, errorText(res.body));
  }
}

/** Vault's `{"errors":[...]}` as one line, redacted. */
export function errorText(body: unknown): string {
  const errors = (body as { errors?: unknown } | undefined)?.errors;
  if (Array.isArray(errors) && errors.length > 0) return redact(errors.map(String).join('; '));
  return '(no error message)';
}
