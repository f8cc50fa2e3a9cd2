/**
 * I8 procedure conformance over hand-built records: the undisturbed
 * sequence passes for both manager kinds; a skipped step or two swapped
 * steps fail naming the milestone.
 */
import { expect } from 'chai';
import { expectedRekeySequence, managerKindOf, PROCEDURE_MILESTONES } from '../../common/milestones.js';
import type { RunRecord } from '../../common/record.js';
import { checkI8, checkRecord } from '../../harness/invariants/index.js';
import { findConformanceProblem } from '../../harness/invariants/i8-procedure.js';
import { makeSet, type TestSet } from '../observe/shard-fixtures.js';
import { simulateRun } from './simulate.js';

const without = (seq: string[], ...names: string[]) => seq.filter((n) => !names.includes(n));

/** The shuffle deleting cluster-key before it wrote the backup. */
function backupAfterDelete(): string[] {
  const seq = expectedRekeySequence();
  const backups = seq.filter((n) => /^cluster-key-bk-\d$/.test(n));
  const deletes = seq.filter((n) => /^cluster-key-\d-deleted$/.test(n));
  const rest = without(seq, ...backups, ...deletes);
  const at = rest.indexOf('cluster-rekey-verified') + 1;
  return [...rest.slice(0, at), ...deletes, ...backups, ...rest.slice(at)];
}

describe('I8 procedure conformance', () => {
  let oldSet: TestSet;
  let newSet: TestSet;
  let good: RunRecord;
  before(async () => {
    oldSet = await makeSet();
    newSet = await makeSet();
    good = await simulateRun(oldSet, newSet);
  });

  it('the undisturbed rekey passes, with and without the feed, for the reference and the StarlingX manager', async () => {
    expect(checkI8(good)).to.include({ status: 'passed' });
    expect(checkI8(good).evidence).to.include({ managerKind: 'reference', vaultEvents: 'required (feed)' });
    const stx = { ...structuredClone(good), manager: 'chart:/tmp/stx/vault-manager', managerKind: undefined };
    expect(checkI8(stx).evidence).to.include({ managerKind: 'starlingx' });
    expect(checkI8(stx).status).to.equal('passed');
    const noFeed = await simulateRun(oldSet, newSet, { feed: false });
    noFeed.timeline.forEach((e) => e.source === 'vault-feed' && (e.source = 'vault-poll'));
    expect(checkI8(noFeed)).to.include({ status: 'passed' });
    expect(checkI8(noFeed).evidence).to.include({ vaultEvents: 'not judged (no feed)' });
  });

  it('fails when the audit step was skipped (no audit rekey before cluster-rekey-audit), naming the milestone', async () => {
    const bad = await simulateRun(oldSet, newSet, { sequence: without(expectedRekeySequence(), 'vault-audit-started', 'vault-audit-complete') });
    const r = checkI8(bad);
    expect(r.status).to.equal('failed');
    expect(r.message).to.equal('required milestone vault-audit-started never occurred after cluster-rekey-shuffle (reference procedure)');
    expect(r.evidence).to.include({ milestone: 'vault-audit-started' });
    // every other invariant passes: only I8 sees it
    const all = checkRecord(bad);
    expect(all.invariants.filter((i) => i.status === 'failed').map((i) => i.id)).to.deep.equal(['I8']);
    expect(all.outcome).to.equal('failed');
  });

  it('fails when the shuffle deletes cluster-key before it backs it up, at the instant of the early delete', async () => {
    const bad = await simulateRun(oldSet, newSet, { sequence: backupAfterDelete() });
    const r = checkI8(bad);
    expect(r.status).to.equal('failed');
    expect(r.evidence).to.include({ milestone: 'cluster-key-0-deleted', after: 'cluster-key-bk-4' });
    expect(r.at).to.equal(bad.timeline.find((e) => e.name === 'cluster-key-0-deleted')!.t);
  });

  it('without the feed a missing secret milestone still fails', async () => {
    const bad = await simulateRun(oldSet, newSet, { sequence: without(expectedRekeySequence(), 'cluster-rekey-shuffle'), feed: false });
    bad.timeline.forEach((e) => e.source === 'vault-feed' && (e.source = 'vault-poll'));
    expect(checkI8(bad).message).to.match(/^required milestone cluster-rekey-shuffle never occurred/);
  });

  it('applies to fault-free runs only, and cannot be shown for a manager without a table', () => {
    const faulted = structuredClone(good);
    faulted.plan.faults = [{ index: 0, trigger: { atMs: 10 }, fault: { kind: 'delete-pod', targets: ['active'] }, targetSeed: 1 }];
    expect(checkI8(faulted).status).to.equal('skipped');
    const unknown = structuredClone(good);
    unknown.manager = 'image:someone/else';
    expect(checkI8(unknown)).to.include({ status: 'failed' });
  });

  it('is checked even when the scenario lists only older invariants', () => {
    const some = structuredClone(good);
    some.scenario.invariants = ['I1'];
    some.timeline = some.timeline.filter((e) => e.name !== 'cluster-rekey-audit');
    expect(checkRecord(some).invariants.find((i) => i.id === 'I8')!.status).to.equal('failed');
  });

  it('findConformanceProblem: a repeated milestone matches after its predecessor, not before', () => {
    const ev = (name: string, t: number) => ({ name, t });
    expect(findConformanceProblem([ev('b', 1), ev('a', 2), ev('b', 3)], ['a', 'b']).problem).to.equal(undefined);
    expect(findConformanceProblem([ev('b', 1), ev('a', 2)], ['a', 'b']).problem).to.deep.equal({ kind: 'out-of-order', milestone: 'b', after: 'a', t: 1, afterT: 2 });
    expect(findConformanceProblem([], ['a']).problem).to.deep.equal({ kind: 'missing', milestone: 'a' });
  });

  it('orders secret events by their commit instant, so a watch 500 ms late reorders nothing', () => {
    // The feed says auth completed at 100; the secret was committed at 110 but received at 610,
    // after a later audit's auth-complete at 400: by receive time it would be out of order.
    const events = [
      { name: 'vault-auth-complete', t: 100 },
      { name: 'vault-auth-complete', t: 400 },
      { name: 'cluster-rekey-0', t: 610, detail: { committedAt: 110 } },
      { name: 'cluster-rekey-audit', t: 900, detail: { committedAt: 420 } },
    ];
    expect(findConformanceProblem(events, ['vault-auth-complete', 'cluster-rekey-0', 'vault-auth-complete', 'cluster-rekey-audit']).problem).to.equal(undefined);
    const received = events.map(({ name, t }) => ({ name, t }));
    expect(findConformanceProblem(received, ['vault-auth-complete', 'cluster-rekey-0', 'vault-auth-complete', 'cluster-rekey-audit']).problem).to.not.equal(undefined);
  });

  it('the table has a list for every kind, each a valid milestone sequence; specs map to kinds', () => {
    for (const list of Object.values(PROCEDURE_MILESTONES)) expect(list.length).to.equal(expectedRekeySequence().length - 1);
    expect(managerKindOf('reference')).to.equal('reference');
    expect(managerKindOf('chart:/x,values=/y')).to.equal('starlingx');
    expect(managerKindOf('script:/rendered/init.sh')).to.equal('starlingx');
    expect(managerKindOf('something')).to.equal(undefined);
  });
});
