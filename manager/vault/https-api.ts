/**
 * VaultApi over HTTPS with node:https: servers addressed by pod DNS name
 * (`<ip-dashed>.<ns>.pod.cluster.local:8200`), the active server by the
 * active service (`<FN>-active.<ns>.svc.cluster.local:8200`), the CA from
 * MANAGER_CA_CERT, every call bounded by the API timeout. A non-2xx answer
 * is returned (status + errors) for the steps to interpret; only transport
 * failures throw (VaultUnreachableError).
 */
import { request } from 'node:https';
import { createSecureContext, type SecureContext } from 'node:tls';
import { podAddress } from '../bootstrap.js';
import { VaultUnreachableError } from '../errors.js';
import type { RekeyInitRequest, VaultApi, VaultResponse, VaultTarget } from '../ports.js';
import { makeLookup } from './resolve.js';

export interface HttpsVaultOptions {
  namespace: string;
  fullName: string;
  ca: string | undefined;
  hosts: Record<string, string>;
  timeoutMs: number;
  port?: number;
}

export class HttpsVaultApi implements VaultApi {
  private readonly lookup;
  /**
   * One TLS context from the CA for every call: passing the PEM per request made each connection
   * parse it into a new context (CPU, and native memory held until a major GC). Same CA, same checks.
   */
  private readonly tls: { secureContext: SecureContext } | Record<string, never>;
  constructor(private readonly opts: HttpsVaultOptions) {
    this.lookup = makeLookup(opts.hosts);
    this.tls = opts.ca ? { secureContext: createSecureContext({ ca: opts.ca }) } : {};
  }

  hostFor(target: VaultTarget): string {
    return target === 'active' ? `${this.opts.fullName}-active.${this.opts.namespace}.svc.cluster.local` : podAddress(target.ip, this.opts.namespace);
  }

  private call(target: VaultTarget, method: string, path: string, body?: unknown): Promise<VaultResponse> {
    const host = this.hostFor(target);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host,
          servername: host,
          port: this.opts.port ?? 8200,
          method,
          path: `/v1/${path}`,
          ...this.tls,
          lookup: this.lookup as never,
          timeout: this.opts.timeoutMs,
          agent: false,
          headers: payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {},
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (err) => reject(new VaultUnreachableError(`${method} ${path} on ${host}: ${err.message}`, { host, path })));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: Record<string, unknown> | undefined;
            try {
              parsed = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
            } catch {
              parsed = undefined;
            }
            const errors = Array.isArray(parsed?.errors) ? (parsed!.errors as unknown[]).map(String) : [];
            resolve({ status: res.statusCode ?? 0, body: parsed, errors });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.opts.timeoutMs} ms`)));
      req.on('error', (err) => reject(new VaultUnreachableError(`${method} ${path} on ${host}: ${err.message}`, { host, path })));
      req.end(payload);
    });
  }

  health(t: VaultTarget) {
    return this.call(t, 'GET', 'sys/health');
  }
  sealStatus(t: VaultTarget) {
    return this.call(t, 'GET', 'sys/seal-status');
  }
  unseal(t: VaultTarget, body: { key?: string; reset?: boolean }) {
    return this.call(t, 'POST', 'sys/unseal', body);
  }
  init(t: VaultTarget, shares: number, threshold: number) {
    return this.call(t, 'POST', 'sys/init', { secret_shares: shares, secret_threshold: threshold });
  }
  rekeyStatus(t: VaultTarget) {
    return this.call(t, 'GET', 'sys/rekey/init');
  }
  rekeyInit(t: VaultTarget, req: RekeyInitRequest) {
    return this.call(t, 'POST', 'sys/rekey/init', req);
  }
  rekeyCancel(t: VaultTarget) {
    return this.call(t, 'DELETE', 'sys/rekey/init');
  }
  rekeyUpdate(t: VaultTarget, key: string, nonce: string) {
    return this.call(t, 'POST', 'sys/rekey/update', { key, nonce });
  }
  rekeyVerifyStatus(t: VaultTarget) {
    return this.call(t, 'GET', 'sys/rekey/verify');
  }
  rekeyVerify(t: VaultTarget, key: string, nonce: string) {
    return this.call(t, 'POST', 'sys/rekey/verify', { key, nonce });
  }
  raftJoin(t: VaultTarget, leaderApiAddr: string, leaderCaCert: string | undefined) {
    return this.call(t, 'POST', 'sys/storage/raft/join', { leader_api_addr: leaderApiAddr, ...(leaderCaCert ? { leader_ca_cert: leaderCaCert } : {}) });
  }
}
