/**
 * Caches the rekey status and re-reads it only when its secrets changed or no
 * rekey was running — reasoning "nothing changed on my side". After a
 * failover the new active server has no rekey, but the cache still says one
 * is running, so the manager keeps acting on a rekey that no longer exists.
 */
import type { Behaviour } from '../context.js';

export const description = 'does not re-read the rekey status after the active server changes (cached while its secrets are unchanged)';

export function apply(base: Behaviour): Behaviour {
  return {
    ...base,
    async readRekeyStatus(ctx) {
      const names = [...(await ctx.store.list()).keys()].sort().join(',');
      const cached = ctx.memory.scratch.get('stale-status') as { names: string; status: Awaited<ReturnType<Behaviour['readRekeyStatus']>> } | undefined;
      if (cached && cached.names === names && cached.status.started) return cached.status;
      const status = await base.readRekeyStatus(ctx);
      ctx.memory.scratch.set('stale-status', { names, status });
      return status;
    },
  };
}
