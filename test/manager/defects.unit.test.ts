/**
 * Every broken variant must be caught by the same model-based property the
 * reference manager passes, and we name the check that caught it. A defect
 * that can only show in the embedded cluster would be listed here as such —
 * none is: all eight are caught in the model.
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
  'no-require-verification': { start: 'requested', caughtBy: ['I1'], why: 'a kill between the completing rekey/update and storing cluster-rekey loses the key in force' },
  'shuffle-recorded-before-copy': { start: 'requested', caughtBy: ['I5'], why: 'a kill during the copy leaves cluster-rekey-shuffle beside a partial cluster-key, which no step may repair: stuck for good' },
  'finalize-clears-milestones-first': { start: 'requested', caughtBy: ['I2'], why: 'a kill after the last milestone is deleted leaves cluster-key-bk (the old shards) behind with nothing in progress to remove it' },
  'unseal-cluster-key-only': { start: 'requested', caughtBy: ['I5', 'I4'], why: 'a server restarted after the rotation but before the shuffle never unseals again' },
  'recovery-trusts-rekey-without-audit': { start: 'requested', caughtBy: ['I5'], why: 'after a failover dropped the verification, the trusted cluster-rekey fails the audit: stuck for good' },
  'no-readback-of-stored-shards': { start: 'requested', caughtBy: ['I7'], why: 'the garbled fifth shard is never noticed; three-share checks pass' },
  'verified-before-vault-confirms': { start: 'requested', caughtBy: ['I5'], why: 'a kill or failover after the early milestone leaves cluster-key pointing at shards Vault never took' },
  'stale-rekey-status-after-failover': { start: 'requested', caughtBy: ['I5'], why: 'after a failover the manager keeps acting on a rekey the new active server does not have' },
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
