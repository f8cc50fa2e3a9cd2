/**
 * Shared steps of the Vault suites: the exact error strings, a wrong-but-
 * well-formed share set, unseal with reset, and the rekey-init audit.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { split } from '../../../../common/shamir.js';
import { waitFor, type VaultClient, type VaultReply } from './client.js';
import type { DoubleCluster } from './double-cluster.js';

export const AUTH_FAILED = 'cipher: message authentication failed';
export const UNSEAL_WRONG = `unable to retrieve stored keys: invalid key: failed to decrypt keys from storage: ${AUTH_FAILED}`;
export const REKEY_WRONG = `failed to read root key: invalid key: failed to decrypt keys from storage: ${AUTH_FAILED}`;
export const ROOT_WRONG = `root generation aborted: unable to authenticate: unable to retrieve stored keys: invalid key: failed to decrypt keys from storage: ${AUTH_FAILED}`;

/** Three shares of some other key: a well-formed set that is wrong at the threshold. */
export async function foreignShares(): Promise<string[]> {
  return (await split(randomBytes(32), 5, 3)).slice(0, 3).map((s) => Buffer.from(s).toString('hex'));
}

export async function unsealWith(c: VaultClient, keys: string[]): Promise<VaultReply> {
  let reply = await c.put('sys/unseal', { reset: true });
  for (const key of keys.slice(0, 3)) {
    reply = await c.put('sys/unseal', { key });
    if (reply.status !== 200) return reply;
  }
  return reply;
}

export async function waitUnsealed(c: VaultClient): Promise<void> {
  await waitFor(`${c.address} unsealed`, async () => ((await c.get('sys/seal-status')).body?.sealed === false ? true : undefined));
}

/** Rekey-init audit: start with verification, submit the set, always cancel. */
export async function rekeyAudit(c: VaultClient, keys: string[]): Promise<VaultReply> {
  const init = await c.put('sys/rekey/init', { secret_shares: 5, secret_threshold: 3, require_verification: true });
  expect(init.status, JSON.stringify(init.body)).to.equal(200);
  let last = init;
  try {
    for (const key of keys.slice(0, init.body.required)) {
      last = await c.put('sys/rekey/update', { key, nonce: init.body.nonce });
      if (last.status !== 200) break;
    }
  } finally {
    expect((await c.del('sys/rekey/init')).status).to.equal(204);
  }
  return last;
}

/** Initializes server 0 (5 shares, threshold 3), joins and unseals servers 1 and 2; returns the unseal keys. */
export async function initAndUnsealAll(cluster: DoubleCluster): Promise<string[]> {
  const keys = (await cluster.server(0).put('sys/init', { secret_shares: 5, secret_threshold: 3 })).body.keys as string[];
  await unsealWith(cluster.server(0), keys);
  for (const i of [1, 2]) {
    await cluster.server(i).put('sys/storage/raft/join', { leader_api_addr: cluster.leaderApiAddr });
    await unsealWith(cluster.server(i), keys);
    await waitUnsealed(cluster.server(i));
  }
  return keys;
}

