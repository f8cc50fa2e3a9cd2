/**
 * What the conformance suite needs from a Vault cluster under test: the three
 * server clients, and — where the backend can do it — process faults.
 * The double's fixture implements all of it; a real Vault (VAULT_ADDR)
 * implements only the API part, and the fault tests skip themselves there.
 */
import type { VaultClient } from './client.js';

export interface ConformanceTarget {
  name: string;
  /** Server i (0 bootstraps; 1 and 2 join it). */
  server(i: number): VaultClient;
  /** The address followers give to `raft/join` as `leader_api_addr`. */
  leaderApiAddr: string;
  leaderCaCert?: string;
  /** kill -9 server i and start it again on the same address (it comes back sealed). */
  restart?(i: number): Promise<void>;
  kill?(i: number): Promise<void>;
  start?(i: number): Promise<void>;
  /** Every stdout line the servers wrote (for the secrets-hygiene check). */
  logs?(): string[];
}
