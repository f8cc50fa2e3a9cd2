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
  /**
   * Set when the catcher has not been run on a cluster yet: what was checked
   * instead (the model-based property, hand-built records). The bench and the
   * coverage test still try the candidates; a miss there is a finding.
   */
  unverified?: string;
}

const MODEL_ONLY = 'not yet run on a cluster: caught by the model-based property (test/manager/defects.unit.test.ts) and, for the invariant named, by hand-built records (test/invariants)';

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
  'audit-step-skipped': {
    candidates: ['F1'],
    invariants: ['I8'],
    why: 'fault-free, the feed shows no audit rekey (vault-audit-started) between cluster-rekey-shuffle and cluster-rekey-audit',
  },
  'backup-after-delete': {
    candidates: ['F1', 'M-cluster-key-0-deleted-kill-manager', 'M-cluster-key-0-deleted-delete-manager'],
    invariants: ['I8', 'I5'],
    why: 'fault-free, cluster-key-0-deleted comes before cluster-key-bk-0 (I8); killed after the delete, the shuffle finds neither set and stops for good (I5)',
  },
  'rekeys-to-threshold-2': {
    candidates: ['F1'],
    invariants: ['I9'],
    why: 'seal-status after the rekey says threshold 2, and every 2-subset of the final cluster-key authenticates (needs the policy audit wired into the runner)',
  },
  'unseal-gives-up-after-one-failure': {
    candidates: ['T1-unseal-errors', 'M-vault-rotated-kill-standby', 'M-cluster-rekey-verified-kill-standby', 'M-vault-rotated-delete-standby', 'M-cluster-rekey-verified-delete-standby'],
    invariants: ['I5', 'I4'],
    why: 'T1 kills a standby at the rotation and fails its first three sys/unseal calls once it is back sealed: the variant abandons the server after the first 500, so it stays sealed and the procedure waits for ever (the reference manager retries on later passes and unseals it)',
  },
  'backup-base64-with-newline': {
    candidates: ['F1'],
    invariants: ['I10'],
    why: 'the ledger reads cluster-key-bk-0 with the strict reader the moment it is written: whitespace inside the base64 value',
  },
  'request-consumed-before-shards-stored': {
    candidates: ['F1'],
    invariants: ['I2', 'I3', 'I8'],
    why: 'the request disappears when Vault issues the new shards: the rekey "completes" with cluster-rekey left over, the old key still in use and no verification on the timeline',
  },
  'authenticate-restarts-from-first-shard': {
    candidates: ['M-vault-auth-progress-1-kill-manager', 'M-vault-auth-progress-2-kill-manager', 'M-vault-auth-progress-1-delete-manager'],
    invariants: ['I5'],
    why: 'the gate holds the manager after Vault accepted a share; killed there, the new manager resubmits share 0, which Vault refuses every pass',
  },
  'audit-leaves-rekey-running': {
    candidates: ['F1'],
    invariants: ['I2', 'I3', 'I7'],
    why: "the passing audit's throw-away rekey stays pending: the harness's end-of-iteration audits find a rekey running and cannot conclude",
  },
};
