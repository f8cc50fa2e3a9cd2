/**
 * The unseal state machine (docs/procedure.md, "The unseal machine"). A server seen sealed
 * starts a countdown of `unsealWaitIntervals` passes; when it expires the
 * manager resets the server's unseal progress and submits a shard set: first
 * the one that last worked, then cluster-key, cluster-rekey, cluster-key-bk.
 * A set Vault rejects as the wrong key is skipped for the next; any other
 * failure means "try again on a later pass".
 */
import { SET_PREFIXES, THRESHOLD, type SetPrefix } from '../common/secrets.js';
import type { ManagerContext } from './context.js';
import { describeError } from './log.js';
import type { ServerPod, VaultResponse } from './ports.js';
import type { Snapshot } from './sets.js';
import { errorText, healthState, isAuthFailure, toHex } from './vault/answers.js';

export type UnsealOutcome = 'unsealed' | 'pending' | 'rejected' | 'failed';

/** The reference order: last-working set first, then the fixed order; complete sets only. */
export function referenceUnsealCandidates(ctx: ManagerContext, snap: Snapshot): SetPrefix[] {
  const order: SetPrefix[] = [];
  const last = ctx.memory.lastWorkingSet;
  if (last) order.push(last);
  for (const p of SET_PREFIXES) if (!order.includes(p)) order.push(p);
  return order.filter((p) => snap.sets[p].state === 'complete');
}

/** Reset, then THRESHOLD shards of the set. */
export async function unsealWith(ctx: ManagerContext, server: ServerPod, shares: readonly Uint8Array[]): Promise<UnsealOutcome> {
  const target = { pod: server.name, ip: server.ip! };
  const reset = await ctx.vault.unseal(target, { reset: true });
  if (reset.status === 400 && errorText(reset).includes('vault is unsealed')) return 'unsealed';
  if (reset.status !== 200) return failed(ctx, server, 'reset', reset);
  let last: VaultResponse = reset;
  for (let i = 0; i < THRESHOLD; i++) {
    last = await ctx.vault.unseal(target, { key: toHex(shares[i]!) });
    if (last.status === 200 && last.body?.sealed === false) return 'unsealed';
    if (isAuthFailure(last)) return 'rejected';
    if (last.status !== 200) return failed(ctx, server, `share ${i}`, last);
  }
  // A raft follower that has just joined answers sealed:true, progress 0 and unseals asynchronously.
  return last.body?.sealed === true && last.body?.progress === 0 ? 'pending' : 'failed';
}

function failed(ctx: ManagerContext, server: ServerPod, what: string, res: VaultResponse): UnsealOutcome {
  ctx.log.warning(`unseal of ${server.name}: ${what} answered ${res.status} ${errorText(res)}; will retry`);
  return 'failed';
}

/** Tries the candidate sets in order on one server. */
export async function unsealServer(ctx: ManagerContext, server: ServerPod, snap: Snapshot): Promise<boolean> {
  const candidates = ctx.behaviour.unsealCandidates(ctx, snap);
  if (candidates.length === 0) {
    ctx.log.error(`${server.name} is sealed and no complete shard set is stored`);
    return false;
  }
  for (const prefix of candidates) {
    const outcome = await unsealWith(ctx, server, snap.sets[prefix].shares as Uint8Array[]);
    if (outcome === 'unsealed' || outcome === 'pending') {
      ctx.memory.lastWorkingSet = prefix;
      ctx.log.info(`${outcome === 'unsealed' ? 'unsealed' : 'submitted shards to joining'} ${server.name} with ${prefix}`);
      return true;
    }
    if (outcome === 'failed') return false;
    ctx.log.warning(`${server.name} rejected ${prefix} (wrong key); trying the next set`);
  }
  ctx.log.error(`no stored shard set unseals ${server.name} (tried ${candidates.join(', ')})`);
  return false;
}

/** One pass of the state machine over every server whose health was read this pass. */
export async function runUnsealMachine(ctx: ManagerContext, servers: ServerPod[], health: Map<string, VaultResponse | undefined>, snap: Snapshot): Promise<void> {
  for (const server of servers) {
    const res = health.get(server.name);
    const state = res ? healthState(res) : 'unknown';
    if (state !== 'sealed' || !server.ip) {
      if (state === 'active' || state === 'standby') ctx.memory.sealedCountdown.delete(server.name);
      continue;
    }
    const left = ctx.memory.sealedCountdown.get(server.name);
    if (left === undefined) ctx.log.info(`${server.name} is sealed; unsealing after ${ctx.config.unsealWaitIntervals} passes`);
    const remaining = left ?? ctx.config.unsealWaitIntervals;
    if (remaining > 0) {
      ctx.memory.sealedCountdown.set(server.name, remaining - 1);
      continue;
    }
    try {
      if (await ctx.behaviour.unsealServer(ctx, server, snap)) ctx.memory.sealedCountdown.delete(server.name);
      else ctx.memory.sealedCountdown.set(server.name, 0);
    } catch (err) {
      ctx.memory.sealedCountdown.set(server.name, 0);
      if (isKill(err)) throw err;
      ctx.log.warning(`unseal of ${server.name} failed: ${describeError(err)}; will retry`);
    }
  }
}

/** Test seams throw errors named `Killed` to model kill -9; nothing may swallow them. */
export function isKill(err: unknown): boolean {
  return err instanceof Error && err.name === 'Killed';
}
