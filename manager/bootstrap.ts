/**
 * First-time initialization of a new cluster: init on server 0, store the
 * shards and the root token and read them back before relying on them,
 * unseal server 0, then raft-join every other uninitialized server to server
 * 0 and unseal it with the leader's shards. Returns true when it acted, so
 * the pass does nothing else.
 */
import { readFile } from 'node:fs/promises';
import { keyFingerprint } from '../common/fingerprint.js';
import { combine } from '../common/shamir.js';
import { ROOT_TOKEN_SECRET, SHARES, THRESHOLD } from '../common/secrets.js';
import type { ManagerContext } from './context.js';
import { StepError, SecretExistsError } from './errors.js';
import type { ServerPod, VaultResponse } from './ports.js';
import { readSnapshot, writeSetValidated, type Snapshot } from './sets.js';
import { unsealWith } from './unseal.js';
import { errorText, healthState } from './vault/answers.js';

/** `10.1.2.3` → `10-1-2-3.<ns>.pod.cluster.local` (kube-dns pod A record). */
export function podAddress(ip: string, namespace: string): string {
  return `${ip.replace(/[.:]/g, '-')}.${namespace}.pod.cluster.local`;
}

function decodeKeys(res: VaultResponse): Uint8Array[] {
  const hex = res.body?.keys;
  if (!Array.isArray(hex) || hex.length !== SHARES || !hex.every((k) => typeof k === 'string' && /^[0-9a-f]+$/i.test(k))) {
    throw new StepError('init answer does not carry 5 hex keys', { status: res.status });
  }
  return hex.map((k) => new Uint8Array(Buffer.from(k as string, 'hex')));
}

async function storeRootToken(ctx: ManagerContext, token: string): Promise<void> {
  try {
    await ctx.store.create(ROOT_TOKEN_SECRET, token);
  } catch (err) {
    if (!(err instanceof SecretExistsError)) throw err;
  }
  if ((await ctx.store.get(ROOT_TOKEN_SECRET)) !== token) throw new StepError('read-back of cluster-key-root does not match');
}

async function initialize(ctx: ManagerContext, server0: ServerPod, snap: Snapshot): Promise<void> {
  if (snap.secrets.has(ROOT_TOKEN_SECRET) || snap.sets['cluster-key'].present.length > 0) {
    // Initializing would orphan whatever those secrets protect; a human must decide.
    ctx.log.error(`${server0.name} is not initialized but cluster-key secrets exist; refusing to initialize`);
    return;
  }
  ctx.log.info(`initializing Vault on ${server0.name}`);
  const res = await ctx.vault.init({ pod: server0.name, ip: server0.ip! }, SHARES, THRESHOLD);
  if (res.status !== 200) throw new StepError(`init failed: ${res.status} ${errorText(res)}`, { status: res.status });
  const shares = decodeKeys(res);
  const token = res.body?.root_token;
  if (typeof token !== 'string' || token.length === 0) throw new StepError('init answer carries no root token');
  await writeSetValidated(ctx.store, 'cluster-key', shares);
  await storeRootToken(ctx, token);
  ctx.log.info(`stored cluster-key (key ${keyFingerprint(await combine(shares.slice(0, THRESHOLD)))}) and cluster-key-root`);
  const outcome = await unsealWith(ctx, server0, shares);
  ctx.log.info(`unseal of ${server0.name} after init: ${outcome}`);
}

async function joinAndUnseal(ctx: ManagerContext, server: ServerPod, leader: ServerPod): Promise<void> {
  const snap = await readSnapshot(ctx.store);
  if (snap.sets['cluster-key'].state !== 'complete') {
    ctx.log.error(`cannot join ${server.name}: cluster-key is not complete`);
    return;
  }
  const leaderAddr = `https://${podAddress(leader.ip!, ctx.config.namespace)}:8200`;
  const ca = ctx.config.caCertPath ? await readFile(ctx.config.caCertPath, 'utf8') : undefined;
  ctx.log.info(`joining ${server.name} to the raft cluster of ${leader.name}`);
  const res = await ctx.vault.raftJoin({ pod: server.name, ip: server.ip! }, leaderAddr, ca);
  if (res.status !== 200) {
    ctx.log.warning(`raft join of ${server.name} answered ${res.status} ${errorText(res)}; will retry`);
    return;
  }
  const outcome = await unsealWith(ctx, server, snap.sets['cluster-key'].shares as Uint8Array[]);
  ctx.log.info(`unseal of ${server.name} after join: ${outcome}`);
}

export async function bootstrap(ctx: ManagerContext, servers: ServerPod[], health: Map<string, VaultResponse | undefined>, snap: Snapshot): Promise<boolean> {
  const server0 = servers.find((s) => s.ordinal === 0);
  if (!server0?.ip) return false;
  const h0 = health.get(server0.name);
  const s0 = h0 ? healthState(h0) : 'unknown';
  if (s0 === 'uninitialized') {
    await initialize(ctx, server0, snap);
    return true;
  }
  if (s0 !== 'active' && s0 !== 'standby') return false;
  let acted = false;
  for (const server of servers) {
    if (server === server0 || !server.ip) continue;
    const h = health.get(server.name);
    if (h && healthState(h) === 'uninitialized') {
      await joinAndUnseal(ctx, server, server0);
      acted = true;
    }
  }
  return acted;
}
