/**
 * Server states from Vault's sys/health, for everything that asks "is this
 * cluster up": a backend's deploy waiting for readiness, the runner's settle
 * and recovery checks, the poller's service samples. An unreachable server,
 * or one that answers something other than Vault's health, is `reachable: false`.
 */
import type { ServerState } from '../../common/record.js';
import { VaultClient, type VaultEndpoint } from './client.js';

export async function serverState(client: VaultClient): Promise<ServerState> {
  try {
    const h = await client.health();
    return { pod: client.name, reachable: true, initialized: h.initialized, sealed: h.sealed, active: h.code === 200 };
  } catch {
    return { pod: client.name, reachable: false };
  }
}

export function serverStates(endpoints: VaultEndpoint[], caCertPem: string, timeoutMs = 1000): Promise<ServerState[]> {
  return Promise.all(endpoints.map((e) => serverState(VaultClient.forEndpoint(e, caCertPem, timeoutMs))));
}

/** Settled = every expected server reachable, initialized, unsealed, and exactly one active. */
export function isSettled(states: ServerState[], expected: number): boolean {
  return (
    states.length === expected &&
    states.every((s) => s.reachable && s.initialized && s.sealed === false) &&
    states.filter((s) => s.active).length === 1
  );
}

/** What reaching Vault takes: its servers' endpoints and the CA they serve with (a cluster handle has both). */
export interface VaultAccess {
  vaultEndpoints(): Promise<VaultEndpoint[]>;
  caCertPem: string;
}

/** A client for the server that answers health as the active (200), or undefined when none does. */
export async function activeClient(handle: VaultAccess): Promise<VaultClient | undefined> {
  const clients = (await handle.vaultEndpoints()).map((e) => VaultClient.forEndpoint(e, handle.caCertPem, 5000));
  const health = await Promise.all(clients.map((c) => c.health().then((h) => h.code === 200, () => false)));
  return clients[health.indexOf(true)];
}

