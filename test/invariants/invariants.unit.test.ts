import { expect } from 'chai';
import type { RunRecord } from '../../common/record.js';
import { expectedRekeySequence } from '../../common/milestones.js';
import { checkI1, checkI2, checkI3, checkI4, checkI5, checkI6, checkI7, checkInvariants, checkRecord, outcomeOf } from '../../harness/invariants/index.js';
import { corrupt, makeSet, type TestSet } from '../observe/shard-fixtures.js';
import { simulateRun } from './simulate.js';

/** The undisturbed sequence with the shuffle done before verification: cluster-key deleted while only half backed up, old key in effect. */
function prematureShuffle(): string[] {
  const seq = expectedRekeySequence();
  const cut = seq.indexOf('vault-verify-progress-1');
  const broken = [...seq.slice(0, cut), 'cluster-key-bk-0', 'cluster-key-bk-1', 'cluster-key-0-deleted'];
  return broken;
}

function clone(record: RunRecord): RunRecord {
  return structuredClone(record);
}

describe('invariants I1–I10 over hand-built records', () => {
  let oldSet: TestSet;
  let newSet: TestSet;
  let good: RunRecord;
  let goodNoFeed: RunRecord;
  before(async () => {
    oldSet = await makeSet();
    newSet = await makeSet();
    good = await simulateRun(oldSet, newSet);
    goodNoFeed = await simulateRun(oldSet, newSet, { feed: false });
  });

  it('an undisturbed rekey passes every invariant and the outcome is passed', () => {
    const results = checkInvariants(good);
    for (const r of results) expect(r.status, `${r.id}: ${r.message}`).to.equal('passed');
    expect(outcomeOf(good, results)).to.equal('passed');
    expect(checkRecord(goodNoFeed).outcome).to.equal('passed');
  });

  describe('I1 custody', () => {
    it('exact: fails at the instant cluster-key loses a shard before the backup is complete, with the old key in effect', async () => {
      const bad = await simulateRun(oldSet, newSet, { sequence: prematureShuffle() });
      const r = checkI1(bad);
      expect(r.status).to.equal('failed');
      const deletion = bad.timeline.find((e) => e.name === 'cluster-key-0-deleted')!;
      expect(r.at).to.equal(deletion.t);
      expect(r.evidence).to.include({ mode: 'exact', keyInEffect: oldSet.keyFp, lastSecretChange: 'cluster-key-0-deleted' });
      const sets = r.evidence.sets as Record<string, { state: string; present: number[] }>;
      expect(sets['cluster-key']!.state).to.equal('partial');
      expect(sets['cluster-key-bk']!.present).to.deep.equal([0, 1]);
      expect(sets['cluster-rekey']!.state).to.equal('complete');
    });

    it('exact: fails when a server that is down still needs the old key after the backup is deleted', () => {
      const bad = clone(good);
      const bkDeleted = bad.timeline.find((e) => e.name === 'cluster-key-bk-0-deleted')!.t;
      const rotated = bad.keyFeed![1]!;
      rotated.servers = { 'sva-vault-0': newSet.keyFp, 'sva-vault-1': newSet.keyFp, 'sva-vault-2': oldSet.keyFp };
      bad.service.push({ t: rotated.t - 1, servers: [{ pod: 'sva-vault-2', reachable: false }] });
      const r = checkI1(bad);
      expect(r.status).to.equal('failed');
      expect(r.at).to.equal(bkDeleted);
      expect(r.evidence).to.include({ server: 'sva-vault-2', keyNeeded: oldSet.keyFp });
      // the same feed passes when that server is back up and unsealed before the backup goes
      bad.service.push({ t: bkDeleted - 1, servers: [{ pod: 'sva-vault-2', reachable: true, sealed: false }] });
      expect(checkI1(bad).status).to.equal('passed');
    });

    it('exact: fails when the key in effect is a key no stored set holds (new shards never stored)', () => {
      const bad = clone(good);
      bad.keyFeed![1]!.keyFp = 'ffffffffffff';
      const r = checkI1(bad);
      expect(r.status).to.equal('failed');
      expect(r.at).to.equal(bad.keyFeed![1]!.t);
      expect(r.evidence.keyInEffect).to.equal('ffffffffffff');
    });

    it('exact: an inconsistent set (corrupted share) does not count as holding its key', () => {
      const bad = clone(good);
      const first = bad.ledger[0]!;
      first.sets['cluster-key'] = { ...first.sets['cluster-key'], consistent: false };
      const r = checkI1(bad);
      expect(r.status).to.equal('failed');
      expect(r.at).to.equal(first.t);
    });

    it('bracketed (no feed): passes the good run and fails the premature shuffle before verified', async () => {
      expect(checkI1(goodNoFeed)).to.include({ status: 'passed' });
      expect(checkI1(goodNoFeed).evidence).to.include({ mode: 'bracketed', oldKey: oldSet.keyFp, newKey: newSet.keyFp });
      const bad = await simulateRun(oldSet, newSet, { sequence: prematureShuffle(), feed: false });
      const r = checkI1(bad);
      expect(r.status).to.equal('failed');
      expect(r.evidence).to.include({ keyMissing: oldSet.keyFp, lastSecretChange: 'cluster-key-0-deleted' });
    });

    it('bracketed: fails when the new set is lost after verified (new key in effect)', async () => {
      const seq = expectedRekeySequence();
      const cut = seq.indexOf('cluster-key-bk-0');
      const bad = await simulateRun(oldSet, newSet, { sequence: [...seq.slice(0, cut), 'cluster-rekey-2-deleted'], feed: false });
      const r = checkI1(bad);
      expect(r.status).to.equal('failed');
      expect(r.evidence).to.include({ keyMissing: newSet.keyFp, lastSecretChange: 'cluster-rekey-2-deleted' });
    });

    it('fails rather than passes when there is no ledger', () => {
      const bad = clone(good);
      bad.ledger = [];
      expect(checkI1(bad).status).to.equal('failed');
    });
  });

  it('I2 fails on a leftover artefact, a missing shard, a missing audit, and a cluster-key Vault rejects', () => {
    const leftover = clone(good);
    leftover.final.secrets.push('cluster-key-bk-0');
    expect(checkI2(leftover)).to.include({ status: 'failed', message: 'rekey artefacts remain: cluster-key-bk-0' });
    const missing = clone(good);
    missing.final.secrets = missing.final.secrets.filter((s) => s !== 'cluster-key-3');
    expect(checkI2(missing).message).to.include('cluster-key-3');
    const noAudit = clone(good);
    noAudit.audits = noAudit.audits.filter((a) => a.prefix !== 'cluster-key');
    expect(checkI2(noAudit).status).to.equal('failed');
    const rejected = clone(good);
    rejected.audits.find((a) => a.prefix === 'cluster-key')!.current = false;
    expect(checkI2(rejected).status).to.equal('failed');
  });

  it('I3 fails when the key did not change, or when the initial shards still authenticate', () => {
    const unchanged = clone(good);
    unchanged.audits.find((a) => a.prefix === 'cluster-key')!.keyFp = oldSet.keyFp;
    expect(checkI3(unchanged).message).to.include('still the initial key');
    const stillValid = clone(good);
    stillValid.audits.find((a) => a.prefix === 'initial')!.current = true;
    expect(checkI3(stillValid)).to.include({ status: 'failed' });
    expect(checkI3(stillValid).message).to.include('still authenticate');
  });

  it('I4 fails on a sealed server, two active servers, or a dead root token', () => {
    const sealed = clone(good);
    sealed.final.servers[2]!.sealed = true;
    expect(checkI4(sealed).message).to.include('sva-vault-2 sealed');
    const twoActive = clone(good);
    twoActive.final.servers[1]!.active = true;
    expect(checkI4(twoActive).message).to.include('exactly one active');
    const token = clone(good);
    token.final.rootTokenWorks = false;
    expect(checkI4(token).message).to.equal('the root token no longer works');
  });

  it('I5 fails when the rekey never completed or completed beyond the bound after the last fault', () => {
    const never = clone(good);
    delete never.completedAt;
    expect(checkI5(never).status).to.equal('failed');
    expect(outcomeOf(never, checkInvariants(never))).to.equal('timeout');
    const late = clone(good);
    late.faults = [{ index: 0, kind: 'delete-pod', target: 'sva-vault-0', targetSpec: 'active', trigger: 'cluster-rekey-verified', appliedAt: good.requestedAt! + 10, landed: true }];
    late.completedAt = late.faults[0]!.appliedAt! + late.plan.timeoutMs + 1;
    const r = checkI5(late);
    expect(r.status).to.equal('failed');
    expect(r.at).to.equal(late.faults[0]!.appliedAt! + late.plan.timeoutMs);
  });

  it('I5 calls a record that completed before its request inconsistent instead of passing it', () => {
    const backwards = clone(good);
    backwards.completedAt = -1e308;
    const r = checkI5(backwards);
    expect(r.status).to.equal('failed');
    expect(r.message).to.match(/^the record is inconsistent: completed .* ms before the request$/);
    expect(checkI5(good).status).to.equal('passed');
  });

  it('I6 fails on a WARNING in a fault-free run, ignores the known stability warning, and skips faulted runs', () => {
    const noisy = clone(good);
    noisy.managerProblems = ['2026-11-23T15:04:05.123Z WARNING stability pre-check not implemented', '2026-11-23T15:04:06.000Z ERROR cluster-key audit failed'];
    const r = checkI6(noisy);
    expect(r.status).to.equal('failed');
    expect(r.evidence.count).to.equal(1);
    noisy.managerProblems = noisy.managerProblems.slice(0, 1);
    expect(checkI6(noisy).status).to.equal('passed');
    const faulted = clone(good);
    faulted.plan.faults = [{ index: 0, trigger: { atMs: 10 }, fault: { kind: 'delete-pod', targets: ['active'] }, targetSeed: 1 }];
    faulted.managerProblems = ['2026-11-23T15:04:06.000Z ERROR something'];
    expect(checkI6(faulted).status).to.equal('skipped');
  });

  it('I6 is not checked, saying why, when the backend could not collect the manager log', () => {
    const blind = clone(good);
    blind.logsUnavailable = 'the kind backend has no collectLogs capability';
    const r = checkI6(blind);
    expect(r.status).to.equal('skipped');
    expect(r.message).to.match(/not collected: the kind backend has no collectLogs capability/);
  });

  it('I7 fails on a set whose fifth share is corrupted, naming the six failing subsets and the suspect share', async () => {
    const bad = await simulateRun(oldSet, newSet, { finalSet: corrupt(newSet, 4) });
    // Vault's threshold checks (I2's audit of the first three shares) still pass: only I7 catches it
    expect(checkI2(bad).status).to.equal('passed');
    const r = checkI7(bad);
    expect(r.status).to.equal('failed');
    expect(r.message).to.match(/^6 of 10 subsets/);
    expect(r.evidence.suspects).to.deep.equal([4]);
    expect(checkRecord(bad).outcome).to.equal('failed');
  });

  it('I7 fails when the audit did not cover all ten subsets', () => {
    const partial = clone(good);
    const audit = partial.audits.find((a) => a.prefix === 'cluster-key')!;
    audit.subsets = audit.subsets!.slice(0, 9);
    expect(checkI7(partial).status).to.equal('failed');
  });

  it('the outcome is not-hit (never passed) when a fault missed, and failed beats not-hit', () => {
    const missed = clone(good);
    missed.plan.faults = [{ index: 0, trigger: { after: 'cluster-rekey-verified', offsetMs: 0, occurrence: 1 }, fault: { kind: 'kill-process', targets: ['manager'] }, targetSeed: 3 }];
    missed.faults = [{ index: 0, kind: 'kill-process', target: 'sva-vault-manager-0', targetSpec: 'manager', trigger: 'cluster-rekey-verified', landed: false, missReason: 'next milestone came first' }];
    expect(checkRecord(missed).outcome).to.equal('not-hit');
    const neverInjected = clone(missed);
    neverInjected.faults = [];
    expect(checkRecord(neverInjected).outcome).to.equal('not-hit');
    missed.final.rootTokenWorks = false;
    expect(checkRecord(missed).outcome).to.equal('failed');
  });

  it('a scenario that selects fewer invariants skips the others', () => {
    const some = clone(good);
    some.scenario.invariants = ['I1', 'I2'];
    some.final.rootTokenWorks = false; // would fail I4, which is not selected
    const results = checkInvariants(some);
    // I8, I9 and I10 are checked whatever the scenario lists (ALWAYS_CHECKED)
    expect(results.map((r) => r.status)).to.deep.equal(['passed', 'passed', 'skipped', 'skipped', 'skipped', 'skipped', 'skipped', 'passed', 'passed', 'passed']);
    expect(outcomeOf(some, results)).to.equal('passed');
  });
});
