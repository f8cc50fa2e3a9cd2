/** Unseals only with cluster-key: no last-working hint, no fallback to cluster-rekey or cluster-key-bk. */
import type { Behaviour } from '../context.js';

export const description = 'unseals only with cluster-key (no fallback), so a server sealed mid-rekey stays sealed';

export function apply(base: Behaviour): Behaviour {
  return {
    ...base,
    unsealCandidates: (_ctx, snap) => (snap.sets['cluster-key'].state === 'complete' ? ['cluster-key'] : []),
  };
}
