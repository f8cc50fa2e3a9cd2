/**
 * One pass of the main loop (docs/procedure.md, "One pass"): look at the pods and
 * each server's health, bootstrap a new cluster, run the unseal state
 * machine, and — when a rekey is in progress and every pre-check passes —
 * run at most ONE rekey step.
 */
import type { ManagerContext } from './context.js';
import { bootstrap } from './bootstrap.js';
import { KubeApiError, StepError, VaultUnreachableError } from './errors.js';
import { describeError } from './log.js';
import type { VaultResponse } from './ports.js';
import { finalize } from './rekey/finalize.js';
import { serversAgree, serversReady } from './rekey/prechecks.js';
import { recovery } from './rekey/recovery.js';
import { shuffle } from './rekey/shuffle.js';
import { selectStep, type StepName } from './rekey/steps.js';
import { readSnapshot, rekeyInProgress } from './sets.js';
import { isKill, runUnsealMachine } from './unseal.js';

export type PassResult = 'waiting' | 'bootstrap' | 'idle' | 'not-ready' | StepName | 'step-failed';

/** Logs a waiting reason at INFO when it changes, at DEBUG while it repeats. */
function noteWait(ctx: ManagerContext, reason: string): void {
  const last = ctx.memory.scratch.get('wait');
  ctx.memory.scratch.set('wait', reason);
  if (last === reason) ctx.log.debug(`waiting: ${reason}`);
  else ctx.log.info(`waiting: ${reason}`);
}

export async function runPass(ctx: ManagerContext): Promise<PassResult> {
  const managers = await ctx.pods.countManagers();
  if (managers > 1) {
    ctx.log.warning(`${managers} manager pods exist; waiting until only one is left`);
    return 'waiting';
  }
  const servers = await ctx.pods.listServers();
  const health = new Map<string, VaultResponse | undefined>();
  for (const s of servers) {
    if (!s.ip) continue;
    try {
      health.set(s.name, await ctx.vault.health({ pod: s.name, ip: s.ip }));
    } catch (err) {
      if (!(err instanceof VaultUnreachableError)) throw err;
      ctx.log.debug(`health of ${s.name}: ${describeError(err)}`);
    }
  }
  const snap = await readSnapshot(ctx.store);
  if (await bootstrap(ctx, servers, health, snap)) return 'bootstrap';
  await runUnsealMachine(ctx, servers, health, snap);
  if (!rekeyInProgress(snap)) {
    ctx.memory.scratch.delete('wait');
    return 'idle';
  }
  const ready = await serversReady(servers, health);
  const agree = ready.ok ? await serversAgree(ctx, servers) : ready;
  if (!agree.ok) {
    noteWait(ctx, agree.reason);
    return 'not-ready';
  }
  ctx.memory.scratch.delete('wait');
  const status = await ctx.behaviour.readRekeyStatus(ctx);
  const step = selectStep(snap, status);
  ctx.log.debug(`step: ${step}`);
  switch (step) {
    case 'idle':
      break;
    case 'finalize':
      await finalize(ctx);
      break;
    case 'audit':
      await ctx.behaviour.auditThenFinalize(ctx, snap);
      break;
    case 'shuffle':
      await shuffle(ctx, snap);
      break;
    case 'verify':
      await ctx.behaviour.verify(ctx, snap, status);
      break;
    case 'authenticate':
      await ctx.behaviour.authenticate(ctx, snap, status);
      break;
    case 'initialize':
      await ctx.behaviour.initialize(ctx, snap, status);
      break;
    case 'backup-blocks-initialize':
      throw new StepError('a rekey is requested but cluster-key-bk exists without a shuffle; not starting');
    case 'recovery':
      await recovery(ctx, snap, status);
      break;
  }
  return step;
}

/** A pass that reports its own failures: typed step errors as ERROR, unreachable APIs as WARNING. Kills propagate. */
export async function runPassLogged(ctx: ManagerContext): Promise<PassResult> {
  try {
    return await runPass(ctx);
  } catch (err) {
    if (isKill(err)) throw err;
    if (err instanceof VaultUnreachableError || err instanceof KubeApiError) ctx.log.warning(`pass interrupted: ${describeError(err)}`);
    else ctx.log.error(`pass failed: ${describeError(err)}`);
    return 'step-failed';
  }
}
