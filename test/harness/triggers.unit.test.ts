import { expect } from 'chai';
import { nowMs } from '../../common/clock.js';
import type { TimelineEvent } from '../../common/record.js';
import type { PlannedFault } from '../../common/scenario.js';
import type { FaultApplication } from '../../harness/faults/inject.js';
import { decideLanding, nextMilestoneAfter } from '../../harness/run/landing.js';
import { MemoryTimeline } from '../../harness/run/timeline-source.js';
import { armFaults } from '../../harness/run/triggers.js';

const ev = (t: number, name: string, source: TimelineEvent['source'] = 'secret'): TimelineEvent => ({ t, name, source });

const planned = (index: number, trigger: PlannedFault['trigger']): PlannedFault => ({
  index,
  trigger,
  fault: { kind: 'kill-process', targets: ['manager'] },
  targetSeed: 7,
});

/** An apply function that records calls and resolves at a controllable instant. */
function fakeApply(delayMs = 0) {
  const calls: { index: number; at: number }[] = [];
  const apply = async (p: PlannedFault): Promise<FaultApplication> => {
    calls.push({ index: p.index, at: nowMs() });
    if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
    const appliedAt = nowMs();
    return { target: 'sva-vault-manager-0', units: [{ target: 'sva-vault-manager-0', ok: true, at: appliedAt }], notes: [], missing: [], appliedAt };
  };
  return { apply, calls };
}

describe('harness/run landing decision (synthetic timelines)', () => {
  const timeline = [ev(100, 'cluster-rekey-request'), ev(110, 'vault-rekey-started', 'vault-feed'), ev(120, 'vault-rotated', 'vault-feed'), ev(125, 'vault-rotated', 'vault-poll'), ev(130, 'cluster-rekey-verified'), ev(140, 'cluster-key-bk-0')];

  it('finds the next new milestone, ignoring a second observer of the same one and harness events', () => {
    expect(nextMilestoneAfter(120, [...timeline, ev(121, 'fault:0', 'fault')])).to.deep.equal({ name: 'cluster-rekey-verified', t: 130 });
    expect(nextMilestoneAfter(130, timeline)).to.deep.equal({ name: 'cluster-key-bk-0', t: 140 });
    expect(nextMilestoneAfter(140, timeline)).to.equal(undefined);
  });

  it('landed when applied before the next milestone', () => {
    const l = decideLanding({ aimAt: 130, appliedAt: 135, missing: [] }, timeline);
    expect(l).to.deep.equal({ landed: true, nextMilestone: { name: 'cluster-key-bk-0', t: 140 } });
  });

  it('not hit when applied at or after the next milestone, saying by how much', () => {
    const l = decideLanding({ aimAt: 130, appliedAt: 142.5, missing: [] }, timeline);
    expect(l.landed).to.equal(false);
    expect(l.missReason).to.equal('applied 2.5 ms after the next milestone cluster-key-bk-0');
    expect(decideLanding({ aimAt: 130, appliedAt: 140, missing: [] }, timeline).landed).to.equal(false);
  });

  it('a timed trigger aims at an instant, not a milestone window: it lands once applied, and still records the next milestone', () => {
    expect(decideLanding({ aimAt: 130, appliedAt: 142.5, missing: [], timed: true }, timeline)).to.deep.equal({ landed: true, nextMilestone: { name: 'cluster-key-bk-0', t: 140 } });
    expect(decideLanding({ aimAt: 130, missing: ['active: no server labelled vault-active=true'], timed: true }, timeline).landed).to.equal(false);
    expect(decideLanding({ aimAt: 130, appliedAt: 142.5, missing: ['sva-vault-1: target gone before the call'], timed: true }, timeline).landed).to.equal(false);
  });

  it('not hit when there was no target, only part of one, or the trigger never fired', () => {
    expect(decideLanding({ aimAt: 130, missing: ['active: no server labelled vault-active=true'] }, timeline).missReason).to.match(/^no target hit: active/);
    expect(decideLanding({ aimAt: 130, appliedAt: 131, missing: ['sva-vault-1: target gone before the call'] }, timeline).missReason).to.match(/^only part/);
    expect(decideLanding({ missing: [], notFiredReason: 'trigger after:x not reached' }, timeline)).to.deep.equal({ landed: false, missReason: 'trigger after:x not reached' });
  });

  it('landed when nothing follows (the last milestone)', () => {
    expect(decideLanding({ aimAt: 140, appliedAt: 500, missing: [] }, timeline)).to.deep.equal({ landed: true });
  });
});

describe('harness/run triggers on a live timeline', () => {
  it('fires on the named occurrence, from the listener, and records fault events', async () => {
    const tl = new MemoryTimeline();
    const { apply, calls } = fakeApply();
    const armed = armFaults(tl, [planned(0, { after: 'cluster-rekey-verified', offsetMs: 0, occurrence: 1 }), planned(1, { after: 'vault-rotated', offsetMs: 0, occurrence: 2 })], apply, nowMs());
    tl.add(ev(nowMs(), 'vault-rotated', 'vault-feed'));
    tl.add(ev(nowMs(), 'vault-rotated', 'vault-poll')); // same rotation, second observer: not occurrence 2
    expect(calls.map((c) => c.index)).to.deep.equal([]);
    const verifiedAt = nowMs();
    tl.add(ev(verifiedAt, 'cluster-rekey-verified'));
    expect(calls.map((c) => c.index)).to.deep.equal([0]); // synchronously, inside add()
    tl.add(ev(nowMs(), 'vault-rotated', 'vault-feed'));
    expect(calls.map((c) => c.index)).to.deep.equal([0, 1]);
    await armed.settleFired();
    armed.cancel();
    tl.add(ev(nowMs(), 'cluster-key-bk-0'));
    const results = armed.results(tl.events());
    expect(results[0]).to.include({ index: 0, trigger: 'after:cluster-rekey-verified', triggeredAt: verifiedAt, landed: true, target: 'sva-vault-manager-0', targetSpec: 'manager' });
    expect(results[0]!.appliedAt).to.be.at.least(verifiedAt);
    expect(results[1]).to.include({ trigger: 'after:vault-rotated#2', landed: true });
    expect(tl.events().filter((e) => e.source === 'fault').map((e) => e.name)).to.have.members(['fault:0', 'fault:1']);
  });

  it('a slow injection that lands after the next milestone is not hit', async () => {
    const tl = new MemoryTimeline();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const apply = async (): Promise<FaultApplication> => {
      await gate;
      const appliedAt = nowMs();
      return { target: 'x', units: [], notes: [], missing: [], appliedAt };
    };
    const armed = armFaults(tl, [planned(0, { after: 'cluster-rekey-shuffle', offsetMs: 0, occurrence: 1 })], apply, nowMs());
    tl.add(ev(nowMs(), 'cluster-rekey-shuffle'));
    tl.add(ev(nowMs(), 'vault-audit-started', 'vault-feed'));
    release();
    await armed.settleFired();
    armed.cancel();
    const [r] = armed.results(tl.events());
    expect(r!.landed).to.equal(false);
    expect(r!.missReason).to.match(/after the next milestone vault-audit-started/);
    expect(r!.nextMilestone!.name).to.equal('vault-audit-started');
  });

  it('offset and timed triggers fire after their delay; unreached triggers are not hit', async () => {
    const tl = new MemoryTimeline();
    const { apply, calls } = fakeApply();
    const requestedAt = nowMs();
    const armed = armFaults(
      tl,
      [planned(0, { after: 'cluster-rekey-request', offsetMs: 20, occurrence: 1 }), planned(1, { atMs: 10 }), planned(2, { after: 'cluster-rekey-audit', offsetMs: 0, occurrence: 1 }), planned(3, { atMs: 60_000 })],
      apply,
      requestedAt,
    );
    const t0 = nowMs();
    tl.add(ev(t0, 'cluster-rekey-request'));
    await new Promise<void>((resolve) => {
      const off = tl.on((e) => {
        if (e.name === 'fault:0') {
          off();
          resolve();
        }
      });
    });
    await armed.settleFired();
    armed.cancel();
    const results = armed.results(tl.events());
    expect(calls.find((c) => c.index === 0)!.at).to.be.at.least(t0 + 20 - 1);
    expect(calls.find((c) => c.index === 1)!.at).to.be.at.least(requestedAt + 10 - 1);
    expect(results[0]).to.include({ trigger: 'after:cluster-rekey-request+20ms', landed: true });
    expect(results[1]).to.include({ trigger: 'at:10ms', landed: true });
    expect(results[2]).to.include({ landed: false, missReason: 'trigger after:cluster-rekey-audit not reached before the iteration ended' });
    expect(results[3]!.landed).to.equal(false);
    expect(calls.map((c) => c.index).sort()).to.deep.equal([0, 1]);
  });

  it('a timed fault due within the iteration bound is applied even after completion; one due later is not hit', async () => {
    const tl = new MemoryTimeline();
    const { apply, calls } = fakeApply();
    const requestedAt = nowMs();
    const armed = armFaults(tl, [planned(0, { atMs: 30 }), planned(1, { atMs: 60_000 })], apply, requestedAt);
    tl.add(ev(nowMs(), 'rekey-complete')); // the procedure finished before either trigger's time
    await armed.awaitTimed(requestedAt + 1000);
    await armed.settleFired();
    armed.cancel();
    const results = armed.results(tl.events());
    expect(calls.map((c) => c.index)).to.deep.equal([0]);
    expect(calls[0]!.at).to.be.at.least(requestedAt + 30 - 1);
    expect(results[0]).to.include({ trigger: 'at:30ms', landed: true });
    expect(results[1]).to.include({ landed: false, missReason: 'trigger at:60000ms not reached before the iteration ended' });
  });

  it('an injection that throws is recorded as not hit with the (redacted) reason', async () => {
    const tl = new MemoryTimeline();
    const armed = armFaults(tl, [planned(0, { after: 'cluster-rekey-request', offsetMs: 0, occurrence: 1 })], async () => {
      throw new Error(`agent refused hvs.${'ABCDEFGHIJKLM'}${'NOPQRSTUVWXYZ'}`);
    }, nowMs());
    tl.add(ev(nowMs(), 'cluster-rekey-request'));
    await armed.settleFired();
    armed.cancel();
    const [r] = armed.results(tl.events());
    expect(r).to.include({ landed: false, missReason: 'injection failed: agent refused [REDACTED]' });
  });
});
