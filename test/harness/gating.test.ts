/**
 * Milestone gates in the runner, with scripted gates (fake-gate.ts) on a
 * memory timeline: which faults get a gate, the order status → apply →
 * release, release on every path, and the landing decision the gate makes.
 * The real gates on a real cluster are exercised by gates-e2e.test.ts.
 */
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { nowMs } from '../../common/clock.js';
import type { GateRecord, TimelineEvent } from '../../common/record.js';
import type { FaultPlan, PlannedFault } from '../../common/scenario.js';
import { iterationRequestId } from '../../common/secrets.js';
import type { FaultApplication } from '../../harness/faults/inject.js';
import { embeddedGateKind } from '../../harness/backends/embedded-gates.js';
import { gateEligible, gateHoldMs, heldAtApplication } from '../../harness/run/gating.js';
import { borrowedCluster } from '../../harness/run/iteration-driver.js';
import { runItemsWith } from '../../harness/run/runner.js';
import { MemoryTimeline } from '../../harness/run/timeline-source.js';
import { armFaults } from '../../harness/run/triggers.js';
import { FakeDriver } from './fake-driver.js';
import { FakeGate } from './fake-gate.js';

const ev = (t: number, name: string, source: TimelineEvent['source'] = 'secret'): TimelineEvent => ({ t, name, source });

function planned(index: number, trigger: PlannedFault['trigger'], targets = ['manager']): PlannedFault {
  return { index, trigger, fault: { kind: 'kill-process', targets }, targetSeed: 7 };
}
const after = (milestone: string, offsetMs = 0, occurrence = 1) => ({ after: milestone, offsetMs, occurrence });
/** Eligible behind the embedded backend's gates. */
const eligible = (p: PlannedFault) => gateEligible(p, { kindOf: embeddedGateKind });

/** Gates keyed by milestone, created on arm; every call logged in `log` with the applications. */
function gateBench(maxHoldMs = 5000) {
  const log: string[] = [];
  const gates = new Map<string, FakeGate>();
  const arm = async (milestone: string, hold: number) => {
    const kind = milestone.startsWith('vault-') ? 'vault' : 'kubernetes';
    const gate = new FakeGate(milestone, kind, log, hold);
    gates.set(milestone, gate);
    log.push(`arm ${milestone}`);
    return gate;
  };
  const apply = (delayMs = 0, onApply?: () => void) => async (p: PlannedFault): Promise<FaultApplication> => {
    log.push(`apply ${p.index}`);
    if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
    onApply?.();
    const appliedAt = nowMs();
    return { target: 'sva-vault-manager-0', units: [], notes: [], missing: [], appliedAt };
  };
  /** the capability as the embedded backend offers it, arming scripted gates */
  const capability = { kindOf: embeddedGateKind, arm };
  return { log, gates, arm, capability, apply, maxHoldMs };
}

describe('harness/run milestone gates (scripted gates)', () => {
  it('gates only after-triggers of gateable milestones, occurrence 1, without offset', () => {
    expect(eligible(planned(0, after('cluster-rekey-2')))).to.equal(true);
    expect(eligible(planned(0, after('vault-auth-progress-1')))).to.equal(true);
    expect(eligible(planned(0, after('cluster-rekey-2', 40)))).to.equal(false);
    expect(eligible(planned(0, after('vault-rotated', 0, 2)))).to.equal(false);
    expect(eligible(planned(0, after('cluster-rekey-request')))).to.equal(false); // the harness writes it itself
    expect(eligible(planned(0, after('rekey-complete')))).to.equal(false);
    expect(eligible(planned(0, { atMs: 10 }))).to.equal(false);
  });

  it('the hold bound stretches with the load and honours a configured value', () => {
    expect(gateHoldMs(undefined, 0, 2)).to.equal(5000);
    expect(gateHoldMs(undefined, 6, 2)).to.equal(15_000);
    expect(gateHoldMs(undefined, 1000, 2)).to.equal(120_000);
    expect(gateHoldMs(250)).to.equal(250);
  });

  it('held at application: after closing, before release and before expiry; undefined when it never closed', () => {
    const g: GateRecord = { milestone: 'm', kind: 'vault', ids: [], maxHoldMs: 100, state: 'released', closedAt: 1000, releasedAt: 1050, held: 1, dropped: 0 };
    expect(heldAtApplication(g, 1020)).to.equal(true);
    expect(heldAtApplication(g, 1060)).to.equal(false);
    expect(heldAtApplication({ ...g, releasedAt: 2000, state: 'expired' }, 1101)).to.equal(false); // past closedAt + maxHoldMs
    expect(heldAtApplication({ ...g, closedAt: undefined, releasedAt: undefined, state: 'armed' }, 1020)).to.equal(undefined);
    expect(heldAtApplication(undefined, 1020)).to.equal(undefined);
  });

  it('a Vault gate: status read, then the fault, then the release; the fault landed while held even though the next milestone came first on the timeline', async () => {
    const b = gateBench();
    const tl = new MemoryTimeline();
    const armed = armFaults(tl, [planned(0, after('vault-auth-progress-1'), ['active']), planned(1, after('vault-auth-progress-1', 5))], b.apply());
    await armed.armGates(b.capability, b.maxHoldMs);
    expect(b.log).to.deep.equal(['arm vault-auth-progress-1']); // the offset trigger gets no gate
    armed.requestCreated(nowMs());
    const gate = b.gates.get('vault-auth-progress-1')!;
    gate.close();
    tl.add(ev(nowMs(), 'vault-auth-progress-1', 'vault-feed'));
    // A second observer's late report is not the next milestone, but a new one is, and is still ignored for a held gate.
    tl.add(ev(nowMs(), 'vault-auth-progress-2', 'vault-feed'));
    await armed.settleFired();
    armed.cancel();
    await armed.releaseGates();
    expect(b.log.filter((l) => l.includes('vault-auth-progress-1') || l === 'apply 0')).to.deep.equal([
      'arm vault-auth-progress-1',
      'status vault-auth-progress-1',
      'apply 0',
      'release vault-auth-progress-1',
    ]);
    const [r0, r1] = armed.results(tl.events());
    expect(r0!.landed, r0!.missReason).to.equal(true);
    expect(r0!.gate).to.include({ milestone: 'vault-auth-progress-1', kind: 'vault', state: 'released', held: 1, dropped: 0, server: 'sva-vault-0', maxHoldMs: 5000 });
    expect(r0!.gate!.ids).to.deep.equal(['gate-vault-auth-progress-1']);
    expect(r0!.gate!.closedAt).to.be.at.most(r0!.appliedAt!);
    expect(r0!.gate!.releasedAt).to.be.at.least(r0!.appliedAt!);
    expect(r0!.nextMilestone?.name).to.equal('vault-auth-progress-2'); // the timeline rule alone would say "not hit"
    expect(r1!.gate).to.equal(undefined); // the offset trigger ran ungated
  });

  it('a fault that kills the server whose gate closed keeps the closing instant from the status read before it', async () => {
    const b = gateBench();
    const tl = new MemoryTimeline();
    let gate!: FakeGate;
    const armed = armFaults(tl, [planned(0, after('vault-verify-progress-1'), ['active'])], b.apply(0, () => (gate.closingServerGone = true)));
    await armed.armGates(b.capability, b.maxHoldMs);
    gate = b.gates.get('vault-verify-progress-1')!;
    gate.close();
    tl.add(ev(nowMs(), 'vault-verify-progress-1', 'vault-feed'));
    await armed.settleFired();
    const [r] = armed.results(tl.events());
    expect(r!.landed, r!.missReason).to.equal(true);
    expect(r!.gate!.closedAt).to.be.a('number');
    expect(r!.gate!.state).to.equal('released');
  });

  it('a gate that expired before the fault was applied: not hit, saying so', async () => {
    const b = gateBench();
    const tl = new MemoryTimeline();
    const armed = armFaults(tl, [planned(0, after('cluster-rekey-2'))], b.apply(80));
    await armed.armGates(b.capability, 20);
    b.gates.get('cluster-rekey-2')!.close();
    tl.add(ev(nowMs(), 'cluster-rekey-2'));
    await armed.settleFired();
    const [r] = armed.results(tl.events());
    expect(r!.landed).to.equal(false);
    expect(r!.missReason).to.match(/gate had opened/);
    expect(r!.gate!.state).to.equal('expired');
  });

  it('an injection that throws still releases its gate; gates whose milestone never came are disarmed by releaseGates', async () => {
    const b = gateBench();
    const tl = new MemoryTimeline();
    const armed = armFaults(tl, [planned(0, after('cluster-rekey-0')), planned(1, after('cluster-rekey-audit'))], async () => {
      b.log.push('apply throws');
      throw new Error('agent refused');
    });
    await armed.armGates(b.capability, b.maxHoldMs);
    b.gates.get('cluster-rekey-0')!.close();
    tl.add(ev(nowMs(), 'cluster-rekey-0'));
    await armed.settleFired();
    expect(b.log).to.include('release cluster-rekey-0');
    expect(b.log).to.not.include('release cluster-rekey-audit');
    armed.cancel();
    await armed.releaseGates();
    expect(b.log.filter((l) => l.startsWith('release')).sort()).to.deep.equal(['release cluster-rekey-0', 'release cluster-rekey-audit']);
    const [r0, r1] = armed.results(tl.events());
    expect(r0).to.include({ landed: false, missReason: 'injection failed: agent refused' });
    expect(r1!.gate).to.include({ state: 'released' });
    expect(r1!.gate!.closedAt).to.equal(undefined);
    expect(r1!.landed).to.equal(false);
  });

  it('a gate that cannot be armed is recorded with its error and the fault runs on plain timing', async () => {
    const tl = new MemoryTimeline();
    const b = gateBench();
    const armed = armFaults(tl, [planned(0, after('cluster-rekey-verified'))], b.apply());
    await armed.armGates(
      {
        kindOf: embeddedGateKind,
        arm: async () => {
          throw new Error('no embedded cluster is running');
        },
      },
      5000,
    );
    tl.add(ev(nowMs(), 'cluster-rekey-verified'));
    await armed.settleFired();
    const [r] = armed.results(tl.events());
    expect(r!.landed).to.equal(true); // nothing followed: the timeline rule
    expect(r!.gate).to.include({ state: 'unknown', error: 'no embedded cluster is running' });
  });

  describe('in the iteration', () => {
    let runsDir: string;
    beforeEach(async () => {
      runsDir = await mkdtemp(path.join(tmpdir(), 'rekey-chaos-gates-'));
    });
    afterEach(async () => {
      await rm(runsDir, { recursive: true, force: true });
    });

    function plan(faults: PlannedFault[]): FaultPlan {
      return { scenarioId: 'G', iteration: 0, requestId: iterationRequestId(2480), seed: 9, timescale: 0.02, faults, afterCompletion: [], timeoutMs: 5000, settleMs: 100 };
    }
    const scenario = { id: 'G', family: 'milestone', description: 't', source: 'generated:test', iterations: 1, iterationBase: 2480, seed: 1, faults: [], afterCompletion: [], timeoutS: 10, settleS: 1, invariants: [] };

    it('arms before the request, releases every gate before the audits, and records the gate on the fault', async () => {
      const b = gateBench();
      const driver = new FakeDriver();
      const calls: string[] = [];
      const d = Object.assign(driver, {
        gates: {
          kindOf: embeddedGateKind,
          arm: async (m: string, hold: number) => {
            calls.push(`arm ${m} after ${driver.calls.join(',')}`);
            return b.arm(m, hold);
          },
        },
      });
      // The fake emits the milestones itself; the gate closes when its milestone goes by.
      const items = [{ scenario, plan: plan([planned(0, after('cluster-rekey-verified')), planned(1, after('cluster-rekey-audit-never'))]), replay: '' }];
      const origObserve = driver.observe.bind(driver);
      driver.observe = async () => {
        const o = await origObserve();
        o.timeline.on((e) => b.gates.get(e.name)?.close(e.t));
        return o;
      };
      const origAudit = driver.audit.bind(driver);
      driver.audit = async () => {
        b.log.push('audit');
        return origAudit();
      };
      const summary = await runItemsWith(items, { backend: 'embedded', manager: { kind: 'reference' }, runsDir, sinks: [], backendOptions: { gateMaxHoldMs: 3000 } }, { open: async () => borrowedCluster(d) });
      const record = summary.results[0]!.record;
      expect(calls).to.deep.equal(['arm cluster-rekey-verified after leftovers,initial,observe']); // before the request
      expect(driver.calls).to.include(`request ${record.plan.requestId}`);
      expect(b.log.indexOf('release cluster-rekey-verified')).to.be.lessThan(b.log.indexOf('audit'));
      expect(b.log.indexOf('audit')).to.be.greaterThan(-1);
      expect(record.faults[0]!.gate).to.include({ milestone: 'cluster-rekey-verified', state: 'released', maxHoldMs: 3000 });
      expect(record.faults[0]!.landed).to.equal(true);
      expect(record.faults[1]!.gate).to.equal(undefined); // not a milestone name the gates know
    });

    it('gates off (backend option gates: false) arms nothing', async () => {
      const b = gateBench();
      const driver = Object.assign(new FakeDriver(), { gates: b.capability });
      const items = [{ scenario, plan: plan([planned(0, after('cluster-rekey-verified'))]), replay: '' }];
      const summary = await runItemsWith(items, { backend: 'embedded', manager: { kind: 'reference' }, runsDir, sinks: [], backendOptions: { gates: false } }, { open: async () => borrowedCluster(driver) });
      expect(b.log).to.deep.equal([]);
      expect(summary.results[0]!.record.faults[0]!.gate).to.equal(undefined);
    });
  });
});
