/**
 * End to end on the embedded cluster (ipBase 127.46.0) through `runItems`,
 * the runner the CLI uses: real processes, the reference manager, the
 * harness/observe observers (exact I1 from the double's feed) and independent audits.
 * One cluster per manager choice; `runItems` stops it in its own finally.
 */
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { InvariantResult, RunRecord } from '../../common/record.js';
import type { FaultPlan, PlannedFault, Scenario } from '../../common/scenario.js';
import { ALL_INVARIANTS } from '../../common/scenario.js';
import { iterationRequestId } from '../../common/secrets.js';
import { runItems, type RunItem, type RunOptions } from '../../harness/run/runner.js';

function item(id: string, faults: PlannedFault[], iteration: number): RunItem {
  const scenario: Scenario = { id, family: 'milestone', description: 'e2e', source: 'generated:e2e', iterations: 1, iterationBase: 2480, seed: 1, faults: [], afterCompletion: [], timeoutS: 600, settleS: 30, invariants: [...ALL_INVARIANTS] };
  const plan: FaultPlan = { scenarioId: id, iteration, requestId: iterationRequestId(2480 + iteration), seed: 1, timescale: 0.02, faults, afterCompletion: [], timeoutMs: 20_000, settleMs: 600 };
  return { scenario, plan, replay: `rekey-chaos replay ${id}` };
}
const killManagerAfterVerified: PlannedFault = { index: 0, trigger: { after: 'cluster-rekey-verified', offsetMs: 0, occurrence: 1 }, fault: { kind: 'kill-process', targets: ['manager'] }, targetSeed: 11 };
const killActiveAfterAuthProgress1: PlannedFault = { index: 0, trigger: { after: 'vault-auth-progress-1', offsetMs: 0, occurrence: 1 }, fault: { kind: 'kill-process', targets: ['active'] }, targetSeed: 11 };

function failures(r: RunRecord): string {
  return r.error ?? JSON.stringify(r.invariants.filter((i) => i.status !== 'passed').map((i) => `${i.id}: ${i.message}`));
}

function expectAllPassed(r: RunRecord): void {
  expect(r.outcome, failures(r)).to.equal('passed');
  // I6 (clean log) applies to fault-free runs only.
  const faulted = r.plan.faults.length > 0;
  expect(r.invariants.map((i) => `${i.id}:${i.status}`)).to.deep.equal(ALL_INVARIANTS.map((id) => `${id}:${(id === 'I6' || id === 'I8') && faulted ? 'skipped' : 'passed'}`));
  // The observation and the audits are real, not absent: I1 exact from the feed, the ten subsets, the old shards refused.
  expect(r.invariants.find((i) => i.id === 'I1')!.evidence['mode']).to.equal('exact');
  expect(r.keyFeed!.length).to.be.greaterThan(0);
  expect(r.service.length).to.be.greaterThan(0);
  const keyAudit = r.audits.find((a) => a.prefix === 'cluster-key')!;
  expect(keyAudit.subsets!.map((s) => s.ok)).to.deep.equal(Array(10).fill(true));
  expect(r.audits.find((a) => a.prefix === 'initial')).to.include({ current: false });
  expect(r.final.rootTokenWorks).to.equal(true);
  expect(r.timeline.map((e) => e.name)).to.include.members(['vault-rekey-started', 'vault-rotated', 'cluster-rekey-verified', 'rekey-complete']);
}

describe('harness/run end to end (embedded)', function () {
  this.timeout(120_000);
  let dir: string;
  const options = (name: string, defect?: string): RunOptions => ({
    backend: 'embedded',
    backendOptions: { stateDir: path.join(dir, name), ipBase: '127.46.0' },
    manager: { kind: 'reference', ...(defect ? { defect } : {}) },
    runsDir: path.join(dir, 'runs'),
    sinks: [],
  });
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'rekey-chaos-e2e-'));
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('reference manager: a fault-free iteration, a manager kill after verified and an active kill inside the authenticate burst pass every invariant, and both kills landed behind their gates', async () => {
    const summary = await runItems(
      [item('e2e-fault-free', [], 0), item('e2e-kill-manager-after-verified', [killManagerAfterVerified], 1), item('e2e-kill-active-after-auth-progress-1', [killActiveAfterAuthProgress1], 3)],
      options('reference'),
    );
    const [clean, killed, failedOver] = summary.results.map((r) => r.record);
    expectAllPassed(clean!);
    expectAllPassed(killed!);
    expectAllPassed(failedOver!);
    expect(clean!.completionAllowanceMs).to.equal(0);
    expect(killed!.completionAllowanceMs).to.be.greaterThan(0);
    const fault = killed!.faults[0]!;
    expect(fault, JSON.stringify(fault)).to.include({ landed: true, target: 'sva-vault-manager-0', trigger: 'after:cluster-rekey-verified' });
    expect(fault.appliedAt).to.be.lessThan(fault.nextMilestone?.t ?? Infinity);
    expect(killed!.timeline.some((e) => e.name === 'fault:0' && e.source === 'fault')).to.equal(true);
    // The API server's gate held the manager from its milestone write until the harness released it after the kill:
    // the procedure's next step came only after the release.
    const gate = fault.gate!;
    expect(gate, JSON.stringify(fault)).to.include({ milestone: 'cluster-rekey-verified', kind: 'kubernetes', state: 'released' });
    expect(gate.ids).to.have.length(1);
    expect(gate.closedAt!).to.be.at.most(fault.appliedAt!);
    expect(fault.appliedAt!).to.be.at.most(gate.releasedAt!);
    expect(fault.nextMilestone!.t).to.be.greaterThan(gate.releasedAt!);
    // A Vault gate on every server; the active that closed it is the one killed, so its gate went with it.
    const burst = failedOver!.faults[0]!;
    expect(burst.gate, JSON.stringify(burst)).to.include({ milestone: 'vault-auth-progress-1', kind: 'vault', state: 'released' });
    expect(burst.gate!.ids).to.have.length(3);
    expect(burst.target).to.equal(burst.gate!.server);
    expect(burst.landed, burst.missReason).to.equal(true);
    expect(burst.gate!.closedAt!).to.be.at.most(burst.appliedAt!);
    expect(summary.exitCode).to.equal(0);
  });

  it('a defective manager (no-require-verification) fails I1 at the instant Vault rotated to shards it had not stored', async () => {
    const summary = await runItems([item('e2e-defect', [], 2)], options('defect', 'no-require-verification'));
    const record = summary.results[0]!.record;
    expect(record.outcome, failures(record)).to.equal('failed');
    const i1 = record.invariants.find((i) => i.id === 'I1') as InvariantResult;
    expect(i1.status, i1.message).to.equal('failed');
    expect(i1.evidence['mode']).to.equal('exact');
    // The instant is the rotation: the key-feed entry of the new key, which the double reported as vault-rotated.
    const rotated = record.timeline.find((e) => e.name === 'vault-rotated')!;
    expect(i1.at).to.equal(rotated.t);
    expect(i1.message).to.include(`the key in effect ${String(rotated.detail?.['keyFp'])} was in no complete, consistent set`);
    expect(record.defect).to.equal('no-require-verification');
    expect(summary.exitCode).to.equal(1);
  });
});
