/**
 * Typed client of the double's harness-only trouble API (trouble.ts): arm a
 * rule on one server, read it, remove it. A refused rule is a UsageError
 * carrying the server's message; a server that cannot be reached, or that
 * does not serve the harness API, is an EnvironmentError.
 */
import { request } from 'node:https';
import { request as httpRequest } from 'node:http';
import { EnvironmentError, UsageError } from '../../common/errors.js';
import { VAULT_TROUBLE_PATH, type TroubleSpec, type TroubleStatus } from './trouble.js';

export type { TroubleSpec, TroubleStatus } from './trouble.js';

/** One Vault double server: its API address (`https://ip:8200`) and the CA that signed its certificate. */
export interface VaultServerRef {
  address: string;
  caPem?: string;
}

const TIMEOUT_MS = 10_000;

function call<T>(server: VaultServerRef, method: string, path: string, body?: unknown): Promise<T> {
  const url = new URL(path, server.address);
  const text = body === undefined ? undefined : JSON.stringify(body);
  const headers: Record<string, string> = text === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) };
  const send = url.protocol === 'https:' ? request : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, { method, headers, ca: server.caPem, agent: false, timeout: TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        let parsed: { errors?: string[] } | undefined;
        try {
          parsed = raw === '' ? undefined : JSON.parse(raw);
        } catch {
          parsed = undefined;
        }
        const status = res.statusCode ?? 0;
        const context = { server: server.address, method, path, status };
        if (status === 400) return reject(new UsageError(`trouble rule refused by ${server.address}: ${parsed?.errors?.join('; ') ?? raw}`, context));
        if (status === 404 && path === VAULT_TROUBLE_PATH) return reject(new EnvironmentError(`${server.address} does not serve the harness API (VAULT_DOUBLE_HARNESS_API=1)`, context));
        if (status < 200 || status >= 300) return reject(new EnvironmentError(`${method} ${path} on ${server.address} answered ${status}: ${parsed?.errors?.join('; ') ?? raw}`, context));
        resolve(parsed as T);
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
    req.on('error', (err) => reject(new EnvironmentError(`cannot reach ${server.address} for ${method} ${path}: ${err.message}`, { server: server.address, method, path }, { cause: err })));
    req.end(text);
  });
}

/** Arms a rule: the next `spec.count` matching client requests to this server misbehave as `spec.mode` says. */
export function injectVaultTrouble(server: VaultServerRef, spec: TroubleSpec): Promise<TroubleStatus> {
  return call<TroubleStatus>(server, 'POST', VAULT_TROUBLE_PATH, spec);
}

/** One rule's status (remaining, applied, delaying). */
export function vaultTroubleStatus(server: VaultServerRef, id: string): Promise<TroubleStatus> {
  return call<TroubleStatus>(server, 'GET', `${VAULT_TROUBLE_PATH}/${encodeURIComponent(id)}`);
}

/** Removes one rule, or every rule of the server when `id` is absent; requests held by a delay go on at once. */
export async function clearVaultTrouble(server: VaultServerRef, id?: string): Promise<void> {
  await call<unknown>(server, 'DELETE', id === undefined ? VAULT_TROUBLE_PATH : `${VAULT_TROUBLE_PATH}/${encodeURIComponent(id)}`);
}
