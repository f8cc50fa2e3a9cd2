/**
 * Which scenario catches which broken manager variant on the embedded
 * backend, and which invariants its failure names (each with an instant).
 * Found by running the variants against the families and the milestone
 * matrix; coverage.test.ts re-runs every entry.
 */

export const FAMILIES = ['F1', 'F2', 'F3', 'F4', 'F5', 'F6', 'F7', 'F8', 'F9', 'F10'];

export interface Catcher {
  /** a scenario id of the catalogue: a family or a generated milestone scenario */
  scenario: string;
  /** invariants that must fail, each naming its instant */
  invariants: string[];
  why: string;
}

export const CATCHES: Record<string, Catcher> = {
  'no-require-verification': {
    scenario: 'F1',
    invariants: ['I1'],
    why: 'Vault rotates when authentication completes, before the new shards are stored: the key in effect is in no set at the rotation instant (exact, from the feed)',
  },
  'no-readback-of-stored-shards': {
    scenario: 'F1',
    invariants: ['I1', 'I7'],
    why: 'the garbled fifth shard makes cluster-rekey inconsistent (I1 at the rotation) and fails the six subsets holding share 4 (I7 at the audit)',
  },
  'unseal-cluster-key-only': {
    scenario: 'M-vault-rotated-kill-standby',
    invariants: ['I5', 'I4'],
    why: 'the standby restarted after the rotation needs the new key, which cluster-key holds only once the shuffle is done: it stays sealed and the procedure never completes',
  },
  'recovery-trusts-rekey-without-audit': {
    scenario: 'M-cluster-rekey-4-kill-active',
    invariants: ['I5', 'I3', 'I7'],
    why: 'the failover drops the pending verification; recovery trusts cluster-rekey, which Vault never took: its audit fails for good',
  },
  'verified-before-vault-confirms': {
    scenario: 'M-cluster-rekey-verified-delete-active',
    invariants: ['I5', 'I3', 'I7'],
    why: 'the milestone is written before verification; the failover then drops the verification, and cluster-key ends up holding shards Vault never took',
  },
};

/**
 * Variants no scenario catches reliably on the embedded backend, and why.
 * The first two mishandle only a state the reference procedure never creates
 * from a clean start (`cluster-rekey-verified` recorded while Vault still
 * uses the old key); D's model-based test (test/manager/defects.test.ts)
 * catches them from that seeded state, and the harness has no way to start an
 * iteration there. The third needs a failover inside a burst of a few ms.
 */
export const UNREACHABLE: Record<string, string> = {
  'delete-key-before-backup-validated':
    'trusts a partial backup only matters when cluster-rekey is not the key in effect; from a clean start verified always means Vault rotated, and a server that missed the rotation is unsealed (with cluster-key) before any shuffle step',
  'finalize-before-audit': 'skips the audit of cluster-key, which after a correct shuffle always holds the key in effect; only a premature verified milestone makes that audit fail',
  'stale-rekey-status-after-failover':
    'needs a failover between the status read of a pass and the end of that pass (inside the authenticate or verify burst, a few ms). M-vault-verify-progress-1-kill-active caught it once in three runs (I5, I2, I3: stuck on a rekey the new active does not have); trigger-to-kill latency (p50 ~44 ms) usually lands after the burst',
};
