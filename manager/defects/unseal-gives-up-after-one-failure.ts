/**
 * Treats a rejected unseal as a broken server ("the shards are right, so
 * the server must be bad; stop hammering it"): it tries only the first
 * candidate set, and after one failure never tries that server again while
 * the process lives. A server restarted after the rotation but before the
 * shuffle rejects cluster-key (the old key) and is abandoned, although
 * cluster-rekey would have unsealed it; every rekey step then waits for it.
 */
import type { Behaviour } from '../context.js';
import { unsealWith } from '../unseal.js';

export const description = 'gives up on a server for good after one failed unseal (first set rejected) instead of trying the next set and retrying';

const GIVEN_UP = 'given-up-servers';

export function apply(base: Behaviour): Behaviour {
  return {
    ...base,
    async unsealServer(ctx, server, snap) {
      const givenUp = (ctx.memory.scratch.get(GIVEN_UP) as Set<string> | undefined) ?? new Set<string>();
      ctx.memory.scratch.set(GIVEN_UP, givenUp);
      if (givenUp.has(server.name)) return false;
      const first = ctx.behaviour.unsealCandidates(ctx, snap)[0];
      const outcome = first === undefined ? 'failed' : await unsealWith(ctx, server, snap.sets[first].shares as Uint8Array[]);
      if (outcome === 'unsealed' || outcome === 'pending') {
        ctx.memory.lastWorkingSet = first;
        ctx.log.info(`unsealed ${server.name} with ${first}`);
        return true;
      }
      givenUp.add(server.name);
      ctx.log.error(`unseal of ${server.name} failed; giving up on it`);
      return false;
    },
  };
}
