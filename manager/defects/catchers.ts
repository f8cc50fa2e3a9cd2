/**
 * Which scenario catches which broken manager variant on the embedded
 * backend: the one list that the opt-in coverage test
 * (test/harness/slow/coverage.test.ts, via catches.ts) and the bench's
 * mutation score (bench/mutation.ts) both read, so they cannot drift apart.
 *
 * Kept beside the registry: a new defect without a catcher fails the
 * coverage test's "names every registered defect" check and the bench's
 * candidate check.
 *
 * The first candidate is the verified catcher (3 of 3 runs on the embedded
 * backend with milestone gates; see the `why`). The rest are fall-backs the
 * bench tries in order if it does not fail, for scenarios that aim at the
 * same window. Milestone scenarios rely on the gates (harness/run/gating.ts):
 * the cluster is held right after the milestone, so the fault lands inside
 * windows a few ms wide.
 */
import type { InvariantId } from '../../common/scenario.js';

export interface DefectCatcher {
  /** catalogue scenario ids, the verified catcher first */
  candidates: string[];
  /** the invariants the catcher's failure names, each with its instant */
  invariants: InvariantId[];
  why: string;
}

export const DEFECT_CATCHERS: Record<string, DefectCatcher> = {
  'no-require-verification': {
    candidates: ['F1', 'M-vault-auth-complete-kill-manager', 'M-vault-auth-complete-delete-manager'],
    invariants: ['I1'],
    why: 'Vault rotates when authentication completes, before the new shards are stored: the key in effect is in no set at the rotation instant (exact, from the feed)',
  },
  'no-readback-of-stored-shards': {
    candidates: ['F1', 'M-cluster-rekey-4-kill-manager'],
    invariants: ['I1', 'I7'],
    why: 'the garbled fifth shard makes cluster-rekey inconsistent (I1 at the rotation) and fails the six subsets holding share 4 (I7 at the audit)',
  },
  'unseal-cluster-key-only': {
    candidates: ['M-vault-rotated-kill-standby', 'M-cluster-rekey-verified-kill-standby', 'M-vault-rotated-delete-standby', 'M-cluster-rekey-verified-delete-standby'],
    invariants: ['I5', 'I4'],
    why: 'the standby restarted after the rotation needs the new key, which cluster-key holds only once the shuffle is done: it stays sealed and the procedure never completes',
  },
  'recovery-trusts-rekey-without-audit': {
    candidates: ['M-cluster-rekey-4-kill-active', 'M-cluster-rekey-4-delete-manager+active', 'M-cluster-rekey-4-kill-manager+active', 'M-vault-verify-progress-1-kill-manager+active'],
    invariants: ['I5', 'I3', 'I7'],
    why: 'the failover drops the pending verification; recovery trusts cluster-rekey, which Vault never took: its audit fails for good',
  },
  'verified-before-vault-confirms': {
    candidates: ['M-cluster-rekey-verified-delete-active', 'M-cluster-rekey-verified-kill-manager', 'M-cluster-rekey-verified-kill-manager+active'],
    invariants: ['I5', 'I3', 'I7'],
    why: 'the milestone is written before verification; the failover then drops the verification, and cluster-key ends up holding shards Vault never took',
  },
  'stale-rekey-status-after-failover': {
    candidates: ['M-vault-auth-progress-1-kill-active', 'M-vault-verify-progress-1-kill-active'],
    invariants: ['I5', 'I2', 'I3'],
    why: 'the gate holds the manager inside its authenticate burst; the kill of the active fails the pass over, and the manager keeps submitting to a rekey the new active does not have (its cached status): stuck for good',
  },
  'shuffle-recorded-before-copy': {
    candidates: ['M-cluster-rekey-shuffle-kill-manager', 'M-cluster-rekey-shuffle-delete-manager'],
    invariants: ['I5', 'I2'],
    why: 'the gate holds the manager right after it recorded the shuffle, before the copy; killed there, it comes back to cluster-rekey-shuffle beside an empty cluster-key, which no step repairs: stuck, cluster-key incomplete',
  },
  'finalize-clears-milestones-first': {
    candidates: ['M-cluster-rekey-audit-deleted-kill-manager', 'M-cluster-rekey-audit-deleted-delete-manager'],
    invariants: ['I2'],
    why: 'the gate holds the manager right after it deleted the last milestone, before the backup; killed there, nothing is in progress any more and cluster-key-bk (the old shards) remains',
  },
};
