/**
 * Just enough of Vault's /v1/sys/health for the runner to know when a
 * deployment is ready and when a cluster has settled (all unsealed, exactly
 * one active). Audits and rekey status go through harness/vault-client.
 */
import https from 'node:https';
import type { ServerState } from '../../common/record.js';
import type { VaultEndpoint } from '../backends/backend.js';

interface HealthBody {
  initialized?: boolean;
  sealed?: boolean;
  standby?: boolean;
}

export function vaultHealth(endpoint: VaultEndpoint, caPem: string, timeoutMs = 1000): Promise<ServerState> {
  return new Promise((resolve) => {
    const url = new URL('/v1/sys/health?standbyok=true&sealedcode=200&uninitcode=200', endpoint.url);
    const req = https.get(url, { ca: caPem, timeout: timeoutMs, ...(endpoint.servername ? { servername: endpoint.servername } : {}) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        try {
          const h = JSON.parse(body) as HealthBody;
          resolve({ pod: endpoint.pod, reachable: true, initialized: h.initialized === true, sealed: h.sealed !== false, active: h.sealed === false && h.standby === false });
        } catch {
          resolve({ pod: endpoint.pod, reachable: false });
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ pod: endpoint.pod, reachable: false }));
  });
}

export async function serverStates(endpoints: VaultEndpoint[], caPem: string): Promise<ServerState[]> {
  return Promise.all(endpoints.map((e) => vaultHealth(e, caPem)));
}

/** Settled = every expected server reachable, initialized, unsealed, and exactly one active. */
export function isSettled(states: ServerState[], expected: number): boolean {
  return (
    states.length === expected &&
    states.every((s) => s.reachable && s.initialized && s.sealed === false) &&
    states.filter((s) => s.active).length === 1
  );
}
