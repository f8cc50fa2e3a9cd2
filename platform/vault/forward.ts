/**
 * Request forwarding: a standby relays forwarded paths to the active
 * over HTTPS (trusting the cluster CA) and passes its answer back as is. When
 * it cannot, or the client asked not to be forwarded, it answers 307 to the
 * active's address; with no live active, 500.
 */
import { request } from 'node:https';
import type { VaultCore } from './core.js';
import { NO_ACTIVE, VaultApiError, sealedError } from './errors.js';
import type { ApiReply, ApiRequest, ForwardHook } from './http.js';
import { knownActive } from './status.js';

export const FORWARDED_HEADER = 'x-rekey-chaos-forwarded';
const PASSED_HEADERS = ['x-vault-token', 'authorization', 'content-type', 'x-vault-request'];

function relay(address: string, req: ApiRequest, ca: string): Promise<ApiReply> {
  const url = new URL(req.path, address);
  const headers: Record<string, string> = { [FORWARDED_HEADER]: '1', 'content-length': String(req.rawBody.length) };
  for (const name of PASSED_HEADERS) {
    const v = req.headers[name];
    if (typeof v === 'string') headers[name] = v;
  }
  return new Promise((resolve, reject) => {
    const out = request(url, { method: req.method, headers, ca, timeout: 10_000, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const replyHeaders: Record<string, string> = {};
        if (typeof res.headers['content-type'] === 'string') replyHeaders['content-type'] = res.headers['content-type'];
        if (typeof res.headers.location === 'string') replyHeaders.location = res.headers.location;
        resolve({ status: res.statusCode ?? 502, body: body === '' ? undefined : body, headers: replyHeaders });
      });
      res.on('error', reject);
    });
    out.on('timeout', () => out.destroy(new Error('forwarding timed out')));
    out.on('error', reject);
    out.end(req.rawBody);
  });
}

export function makeForwardHook(core: VaultCore, caPem: string): ForwardHook {
  return async (req) => {
    if (core.sealed) throw sealedError();
    if (core.isActive()) return undefined;
    // Already forwarded once: the active changed under us; never forward twice.
    if (req.headers[FORWARDED_HEADER] !== undefined) throw new VaultApiError(500, NO_ACTIVE);
    const active = knownActive(core);
    if (!active || active.holder === core.pod) throw new VaultApiError(500, NO_ACTIVE);
    const location = new URL(req.path, active.address).toString();
    if (req.headers['x-vault-no-request-forwarding'] !== undefined) return { status: 307, headers: { location } };
    try {
      return await relay(active.address, req, caPem);
    } catch {
      return { status: 307, headers: { location } };
    }
  };
}
