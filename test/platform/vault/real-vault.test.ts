/**
 * The same conformance suite against a real Vault 1.14 HA cluster (raft,
 * Shamir), for checking the double's fidelity on a host with Docker. Skipped
 * when VAULT_ADDR is unset.
 *
 * Environment:
 *  - VAULT_ADDR         server 0 (the one the suite initializes), e.g. https://127.0.0.1:8200
 *  - VAULT_ADDRS        optional, comma-separated addresses of servers 0,1,2 as the test
 *                       host reaches them (default: VAULT_ADDR three times, which only
 *                       makes sense behind per-server ports; set it for a real cluster)
 *  - VAULT_CACERT       optional PEM file of the CA (for https)
 *  - VAULT_LEADER_API_ADDR  the address followers use in raft/join (default: VAULT_ADDRS[0])
 * The cluster must be fresh (uninitialized, followers not joined) and have no
 * retry_join. Process-fault cases skip themselves (no restart hook here).
 */
import { readFileSync } from 'node:fs';
import { defineConformance } from './conformance.js';
import { VaultClient } from './support/client.js';
import type { ConformanceTarget } from './support/target.js';

const addr = process.env.VAULT_ADDR;

(addr ? describe : describe.skip)('vault conformance: a real Vault (VAULT_ADDR)', function () {
  this.timeout(60_000);
  const addrs = (process.env.VAULT_ADDRS ?? '').split(',').filter(Boolean);
  const ca = process.env.VAULT_CACERT ? readFileSync(process.env.VAULT_CACERT, 'utf8') : undefined;
  const servers = [0, 1, 2].map((i) => new VaultClient(addrs[i] ?? addr!, ca));
  const target: ConformanceTarget = {
    name: 'real vault',
    server: (i) => servers[i]!,
    leaderApiAddr: process.env.VAULT_LEADER_API_ADDR ?? addrs[0] ?? addr!,
    leaderCaCert: ca,
  };
  defineConformance(() => target);
});
