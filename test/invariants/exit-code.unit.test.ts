/**
 * "Not hit" is never green: the exit-code decision, and the list of
 * milestones a run's faults aimed at but never reached.
 */
import { expect } from 'chai';
import { exitCodeForOutcomes } from '../../common/exit-code.js';
import type { Outcome, RunRecord } from '../../common/record.js';
import type { PlannedFault } from '../../common/scenario.js';
import { describeUnreached, unreachedMilestones } from '../../harness/invariants/unreached.js';
import { makeSet } from '../observe/shard-fixtures.js';
import { simulateRun } from './simulate.js';

const counts = (c: Partial<Record<Outcome, number>>) => ({ passed: 0, failed: 0, 'not-hit': 0, timeout: 0, 'environment-error': 0, ...c });

describe('exit code and unreached milestones', () => {
  it('0 only when everything passed; any not-hit, failure or timeout is 1; environment alone is 3', () => {
    expect(exitCodeForOutcomes(counts({ passed: 4 }))).to.equal(0);
    expect(exitCodeForOutcomes(counts({}))).to.equal(0);
    expect(exitCodeForOutcomes(counts({ passed: 9, 'not-hit': 1 }))).to.equal(1);
    expect(exitCodeForOutcomes(counts({ failed: 1 }))).to.equal(1);
    expect(exitCodeForOutcomes(counts({ timeout: 1 }))).to.equal(1);
    expect(exitCodeForOutcomes(counts({ 'environment-error': 2, passed: 1 }))).to.equal(3);
    // a finding outweighs a broken environment, and a not-hit is a finding
    expect(exitCodeForOutcomes(counts({ 'environment-error': 1, 'not-hit': 1 }))).to.equal(1);
    expect(exitCodeForOutcomes({ 'not-hit': 1 })).to.equal(1);
  });

  describe('unreachedMilestones', () => {
    let base: RunRecord;
    before(async () => {
      base = await simulateRun(await makeSet(), await makeSet());
    });
    const fault = (index: number, after: string, occurrence = 1): PlannedFault => ({ index, trigger: { after, offsetMs: 0, occurrence }, fault: { kind: 'kill-process', targets: ['manager'] }, targetSeed: 1 });

    it('lists a milestone the run never reached, and not one it reached', () => {
      const r = structuredClone(base);
      r.timeline = r.timeline.filter((e) => e.name !== 'cluster-rekey-shuffle');
      r.plan.faults = [fault(0, 'cluster-rekey-verified'), fault(1, 'cluster-rekey-shuffle'), { index: 2, trigger: { atMs: 5 }, fault: { kind: 'delete-pod', targets: ['active'] }, targetSeed: 2 }];
      const unreached = unreachedMilestones(r);
      expect(unreached).to.deep.equal([{ fault: 1, milestone: 'cluster-rekey-shuffle', occurrence: 1, seen: 0 }]);
      expect(describeUnreached(unreached)).to.deep.equal(['fault 1 aimed at cluster-rekey-shuffle, which never occurred']);
    });

    it('counts occurrences: a second occurrence that never came is unreached', () => {
      const r = structuredClone(base);
      r.plan.faults = [fault(0, 'cluster-key-0-deleted', 2)];
      expect(describeUnreached(unreachedMilestones(r))).to.deep.equal(['fault 0 aimed at occurrence 2 of cluster-key-0-deleted, which occurred 1 time(s)']);
      r.timeline.push({ t: r.endedAt, name: 'cluster-key-0-deleted', source: 'secret' });
      expect(unreachedMilestones(r)).to.deep.equal([]);
    });

    it('the runner\'s own rekey-complete counts as reached', () => {
      const r = structuredClone(base);
      r.plan.faults = [fault(0, 'rekey-complete')];
      expect(unreachedMilestones(r)).to.deep.equal([]);
    });
  });
});
