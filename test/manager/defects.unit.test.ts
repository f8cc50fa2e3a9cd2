/**
 * Every broken variant must be caught by the same model-based property the
 * reference manager passes, and we name the check that caught it. A defect
 * that can only show in the embedded cluster would be listed here as such —
 * none is: all sixteen are caught in the model.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { DEFECTS } from '../../manager/defects/registry.js';
import { rekeyProperty, type StartState } from './model/property.js';

interface Expectation {
  start: StartState;
  /** the invariants that may legitimately be the first to catch it */
  caughtBy: string[];
  why: string;
}

const EXPECTED: Record<string, Expectation> = {
  'no-require-verification': { start: 'requested', caughtBy: ['I1', 'I8'], why: 'fault-free, no verification ever happens (I8); a kill between the completing rekey/update and storing cluster-rekey loses the key in force (I1)' },
  'shuffle-recorded-before-copy': { start: 'requested', caughtBy: ['I5', 'I8'], why: 'fault-free, cluster-rekey-shuffle comes before the copy is done (I8); a kill during the copy leaves it beside a partial cluster-key, which no step may repair: stuck for good (I5)' },
  'finalize-clears-milestones-first': { start: 'requested', caughtBy: ['I2', 'I8'], why: 'fault-free, the milestones go before the backup (I8); a kill after the last milestone is deleted leaves cluster-key-bk (the old shards) behind with nothing in progress to remove it (I2)' },
  'unseal-cluster-key-only': { start: 'requested', caughtBy: ['I5', 'I4'], why: 'a server restarted after the rotation but before the shuffle never unseals again' },
  'recovery-trusts-rekey-without-audit': { start: 'requested', caughtBy: ['I5'], why: 'after a failover dropped the verification, the trusted cluster-rekey fails the audit: stuck for good' },
  'no-readback-of-stored-shards': { start: 'requested', caughtBy: ['I7'], why: 'the garbled fifth shard is never noticed; three-share checks pass' },
  'verified-before-vault-confirms': { start: 'requested', caughtBy: ['I5', 'I8'], why: 'fault-free, cluster-rekey-verified comes before vault-rotated (I8); a kill or failover after the early milestone leaves cluster-key pointing at shards Vault never took (I5)' },
  'stale-rekey-status-after-failover': { start: 'requested', caughtBy: ['I5'], why: 'after a failover the manager keeps acting on a rekey the new active server does not have' },
  'audit-step-skipped': { start: 'requested', caughtBy: ['I8'], why: 'a fault-free run never shows the audit rekey (vault-audit-started) before cluster-rekey-audit' },
  'backup-after-delete': { start: 'requested', caughtBy: ['I8', 'I5'], why: 'cluster-key is deleted before cluster-key-bk exists (out of order); killed in between, the shuffle finds neither and stops for good' },
  'rekeys-to-threshold-2': { start: 'requested', caughtBy: ['I9'], why: 'Vault ends at 5 shares / threshold 2 and any two stored shards rebuild the key; every other check uses three' },
  'unseal-gives-up-after-one-failure': { start: 'requested', caughtBy: ['I5', 'I4'], why: 'a server restarted after the rotation rejects cluster-key once and is never tried with cluster-rekey: it stays sealed' },
  'backup-base64-with-newline': { start: 'requested', caughtBy: ['I10'], why: 'the strict reader rejects cluster-key-bk (whitespace inside the base64) the moment it is written; the manager\'s own read-back accepts it' },
  'request-consumed-before-shards-stored': { start: 'requested', caughtBy: ['I2', 'I8'], why: 'with the request gone the rekey looks complete: cluster-rekey remains, nothing rotated' },
  'authenticate-restarts-from-first-shard': { start: 'requested', caughtBy: ['I5'], why: 'killed mid-authentication, the manager resubmits an accepted shard and Vault refuses it every pass' },
  'audit-leaves-rekey-running': { start: 'requested', caughtBy: ['I2'], why: 'the passing audit\'s throw-away rekey is left pending in Vault after the rekey completes' },
};

describe('manager defects: each broken variant fails the model-based property', function () {
  this.timeout(120000);

  it('every registered defect has an expectation here (and no stale ones)', () => {
    expect(Object.keys(EXPECTED).sort()).to.deep.equal(DEFECTS.map((d) => d.name).sort());
  });

  for (const defect of DEFECTS) {
    const exp = EXPECTED[defect.name]!;
    it(`${defect.name} is caught by ${exp.caughtBy.join('/')} (${exp.start})`, async () => {
      const out = await fc.check(rekeyProperty(exp.start, defect.name), { numRuns: 400, seed: 20261123, includeErrorInReport: true });
      expect(out.failed, `defect ${defect.name} survived ${out.numRuns} runs: ${exp.why}`).to.equal(true);
      const message = out.errorInstance instanceof Error ? out.errorInstance.message : String(out.errorInstance);
      const caughtBy = message.split(' ')[0]!;
      console.log(`      ${defect.name}: caught by ${caughtBy} after ${out.numRuns} run(s), seed ${out.seed}, path "${out.counterexamplePath}": ${message.split('\n')[0]}`);
      expect(exp.caughtBy, message).to.include(caughtBy);
    });
  }
});
