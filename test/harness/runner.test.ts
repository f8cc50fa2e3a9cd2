import { expect } from 'chai';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ResultSink, RunRecord } from '../../common/record.js';
import type { FaultPlan, PlannedFault, Scenario } from '../../common/scenario.js';
import { iterationRequestId } from '../../common/secrets.js';
import { runItemsWith, type RunItem, type RunOptions } from '../../harness/run/runner.js';
import { completionAllowanceMs, settleBoundMs, completionBoundMs, FOREIGN_MANAGER_RESTART_ALLOWANCE_MS, RESTART_ALLOWANCE_MS } from '../../harness/run/completion.js';
import { checkI5 } from '../../harness/invariants/i5-liveness.js';
import { FAKE_SHARD_HEX, FAKE_TOKEN, FakeDriver, type FakeScript } from './fake-driver.js';
import { nowMs } from '../../common/clock.js';

function scenario(id: string, over: Partial<Scenario> = {}): Scenario {
  return { id, family: 'F9', description: 'test', source: 'generated:test', iterations: 1, iterationBase: 2480, seed: 1, faults: [], afterCompletion: [], timeoutS: 10, settleS: 1, invariants: [], ...over };
}
function item(id: string, faults: PlannedFault[] = [], over: Partial<FaultPlan> = {}, iteration = 0): RunItem {
  const plan: FaultPlan = { scenarioId: id, iteration, requestId: iterationRequestId(2480 + iteration), seed: 9, timescale: 0.02, faults, afterCompletion: [], timeoutMs: 5000, settleMs: 100, ...over };
  return { scenario: scenario(id), plan, replay: `rekey-chaos replay ${id}:${iteration}` };
}
const killManagerAfterVerified: PlannedFault = { index: 0, trigger: { after: 'cluster-rekey-verified', offsetMs: 0, occurrence: 1 }, fault: { kind: 'kill-process', targets: ['manager'] }, targetSeed: 3 };

class RecordingSink implements ResultSink {
  readonly events: string[] = [];
  runStarted() {
    this.events.push('runStarted');
  }
  iterationStarted(i: { index: number }) {
    this.events.push(`started ${i.index}`);
  }
  iterationFinished(record: RunRecord) {
    this.events.push(`finished ${record.outcome}`);
  }
  runFinished() {
    this.events.push('runFinished');
  }
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(p)));
    else out.push(p);
  }
  return out;
}

describe('harness/run runner loop (fake driver)', () => {
  let runsDir: string;
  beforeEach(async () => {
    runsDir = await mkdtemp(path.join(tmpdir(), 'rekey-chaos-runs-'));
  });
  afterEach(async () => {
    await rm(runsDir, { recursive: true, force: true });
  });

  function setup(script: FakeScript = {}, over: Partial<RunOptions> = {}) {
    const driver = new FakeDriver(script);
    const sink = new RecordingSink();
    let closed = 0;
    const options: RunOptions = { backend: 'embedded', manager: { kind: 'reference' }, runsDir, sinks: [sink], ...over };
    const deps = { open: async () => ({ driver, [Symbol.asyncDispose]: async () => void closed++ }) };
    return { driver, sink, options, deps, closed: () => closed };
  }

  it('runs a fault-free iteration to a pass, writes record.json, drops passing logs, reports to the sinks', async () => {
    const { driver, sink, options, deps, closed } = setup();
    const summary = await runItemsWith([item('F1')], options, deps);
    expect(summary.exitCode).to.equal(0);
    expect(summary.counts.passed).to.equal(1);
    const { record, runDir } = summary.results[0]!;
    expect(driver.calls).to.deep.equal(['leftovers', 'initial', 'observe', `request ${iterationRequestId(2480)}`, 'settle', 'audit']);
    const onDisk = JSON.parse(await readFile(path.join(runDir, 'record.json'), 'utf8')) as RunRecord;
    expect(onDisk.outcome).to.equal('passed');
    expect(onDisk.completedAt).to.be.a('number');
    expect(onDisk.initial).to.deep.equal({ keyFp: 'aaaaaaaaaaaa', rootTokenFp: 'bbbbbbbb' });
    expect(onDisk.timeline.map((e) => e.name)).to.include.members(['cluster-rekey-request', 'rekey-complete', 'runner:requested', 'runner:settled']);
    expect(record.logs).to.deep.equal({});
    expect(await stat(path.join(runDir, 'logs')).then(() => true, () => false)).to.equal(false);
    expect(sink.events).to.deep.equal(['runStarted', 'started 0', 'finished passed', 'runFinished']);
    expect(closed()).to.equal(1);
  });

  it('fires a milestone-triggered fault that lands, and records it', async () => {
    const { driver, options, deps } = setup({ gapMs: 2 });
    const summary = await runItemsWith([item('F9', [killManagerAfterVerified])], options, deps);
    const { record } = summary.results[0]!;
    expect(record.outcome).to.equal('passed');
    expect(driver.applied).to.have.length(1);
    const [fault] = record.faults;
    expect(fault).to.include({ index: 0, trigger: 'after:cluster-rekey-verified', landed: true, targetSpec: 'manager' });
    expect(fault!.appliedAt!).to.be.at.least(fault!.triggeredAt!);
    expect(fault!.nextMilestone!.name).to.equal('cluster-key-bk-0');
    expect(record.timeline.some((e) => e.name === 'fault:0' && e.source === 'fault')).to.equal(true);
  });

  it('a fault whose trigger never comes makes a "not hit", never a pass', async () => {
    const { options, deps } = setup();
    const never: PlannedFault = { ...killManagerAfterVerified, trigger: { after: 'cluster-rekey-verified', offsetMs: 0, occurrence: 2 } };
    const summary = await runItemsWith([item('F9', [never])], options, deps);
    expect(summary.results[0]!.record.outcome).to.equal('not-hit');
    expect(summary.results[0]!.record.faults[0]!.missReason).to.match(/not reached/);
    // A not-hit iteration is never green: the run exits 1 (common/exit-code.ts).
    expect(summary.exitCode).to.equal(1);
  });

  it('a stuck procedure times out (exit 1), keeps its logs, and the cluster is checked for recovery', async () => {
    const { driver, options, deps } = setup({ stallBefore: 'cluster-rekey-shuffle' });
    const summary = await runItemsWith([item('F4', [], { timeoutMs: 60 })], options, deps);
    const { record, runDir } = summary.results[0]!;
    expect(record.outcome).to.equal('timeout');
    expect(record.completedAt).to.equal(undefined);
    expect(summary.exitCode).to.equal(1);
    expect(Object.keys(record.logs)).to.deep.equal(['sva-vault-manager-0']);
    expect(await stat(path.join(runDir, 'logs', 'sva-vault-manager-0.log')).then(() => true, () => false)).to.equal(true);
    expect(driver.recoverCount).to.equal(1);
  });

  it('with stall detection on, a procedure that stopped moving with every container running ends long before its bound, and I5 says it stalled', async () => {
    const steadySince = nowMs();
    const { driver, options, deps } = setup({ stallBefore: 'cluster-rekey-shuffle', podsQuietSince: () => steadySince }, { backendOptions: { stallAfterMs: 150 } });
    // a 10-minute bound: only the stall can end this wait within the test's timeout
    const summary = await runItemsWith([item('F4', [], { timeoutMs: 600_000 })], options, deps);
    // nothing to wait for: settling gets the quiet time, without the start-up floor
    expect(driver.settles).to.deep.equal([{ settleMs: 100, exact: true }]);
    const { record } = summary.results[0]!;
    expect(record.outcome).to.equal('timeout');
    expect(summary.exitCode).to.equal(1);
    expect(record.stalled).to.include({ quietMs: 150 });
    expect(record.stalled!.at - record.stalled!.lastProgressAt).to.be.at.least(150);
    expect(record.timeline.some((e) => e.name === 'runner:stalled')).to.equal(true);
    const i5 = checkI5(record);
    expect(i5.status).to.equal('failed');
    expect(i5.message).to.match(/^the rekey stalled: nothing moved for [0-9]+ ms .* before the 600000 ms bound/);
  });

  it('stall detection never calls a stall while a container is not running: the whole bound is waited', async () => {
    const { options, deps } = setup({ stallBefore: 'cluster-rekey-shuffle', podsQuietSince: () => undefined }, { backendOptions: { stallAfterMs: 20 } });
    const summary = await runItemsWith([item('F4', [], { timeoutMs: 300 })], options, deps);
    const { record } = summary.results[0]!;
    expect(record.outcome).to.equal('timeout');
    expect(record.stalled).to.equal(undefined);
    expect(checkI5(record).message).to.equal('the rekey did not complete within 300 ms after the request');
  });

  it('a fault applied after the request extends the completion wait to the timeout after it (I5 bound)', async () => {
    const { options, deps } = setup({ stallBefore: 'cluster-rekey-shuffle' }, { backend: 'kubeconfig' });
    const late: PlannedFault = { ...killManagerAfterVerified, trigger: { atMs: 40 } };
    const summary = await runItemsWith([item('F9', [late], { timeoutMs: 60 })], options, deps);
    const { record } = summary.results[0]!;
    expect(record.outcome).to.equal('timeout');
    expect(record.completionAllowanceMs).to.equal(0); // real clusters run at time scale 1: no allowance
    const appliedAt = record.faults[0]!.appliedAt!;
    const gaveUp = record.timeline.find((e) => e.name === 'runner:timeout')!.t;
    expect(gaveUp).to.be.at.least(appliedAt + 60);
    const i5Deadline = appliedAt + 60;
    expect(i5Deadline).to.be.at.most(record.endedAt);
  });

  it('a plan with faults waits the scaled timeout plus the restart allowance, and I5 checks the same recorded bound', async () => {
    const { options, deps } = setup({ stallBefore: 'cluster-rekey-shuffle' }, { backendOptions: { restartAllowanceMs: 150 } });
    const late: PlannedFault = { ...killManagerAfterVerified, trigger: { atMs: 40 } };
    const summary = await runItemsWith([item('F9', [late], { timeoutMs: 60 }), item('F1', [], { timeoutMs: 60 })], options, deps);
    const [withFault, faultFree] = summary.results.map((r) => r.record);
    expect(withFault!.completionAllowanceMs).to.equal(150);
    const gaveUp = withFault!.timeline.find((e) => e.name === 'runner:timeout')!.t;
    expect(gaveUp).to.be.at.least(withFault!.faults[0]!.appliedAt! + 60 + 150);
    // The fault-free plan restarts nothing: no allowance, I5 as tight as the scenario says.
    expect(faultFree!.completionAllowanceMs).to.equal(0);
    const i5 = checkI5({ ...withFault!, completedAt: withFault!.faults[0]!.appliedAt! + 60 + 100 });
    expect(i5.status, i5.message).to.equal('passed');
    expect(i5.evidence).to.include({ timeoutMs: 60, allowanceMs: 150, boundMs: 210 });
    const tooLate = checkI5({ ...withFault!, completedAt: withFault!.faults[0]!.appliedAt! + 60 + 151 });
    expect(tooLate.status).to.equal('failed');
    expect(tooLate.at).to.equal(withFault!.faults[0]!.appliedAt! + 210);
  });

  it('the embedded backend gives a plan with faults its documented restart allowance; others none', () => {
    const plan = item('F8', [killManagerAfterVerified]).plan;
    expect(completionAllowanceMs('embedded', plan)).to.equal(RESTART_ALLOWANCE_MS.embedded).and.to.be.greaterThan(0);
    expect(completionAllowanceMs('kind', plan)).to.equal(0);
    expect(completionAllowanceMs('embedded', item('F1').plan)).to.equal(0);
    expect(completionBoundMs(plan, 20_000)).to.equal(plan.timeoutMs + 20_000);
    expect(completionBoundMs(plan, undefined)).to.equal(plan.timeoutMs); // records written before the allowance existed
  });

  it('a manager that is not ours gets the larger restart allowance on embedded (its unseals of restarted servers have fixed waits); an explicit one still wins', async () => {
    const faulted = () => item('F9', [killManagerAfterVerified]);
    const chart = await runItemsWith([faulted()], setup({}, { manager: { kind: 'chart:/some/chart' } }).options, setup().deps);
    expect(chart.results[0]!.record.completionAllowanceMs).to.equal(FOREIGN_MANAGER_RESTART_ALLOWANCE_MS).and.to.be.greaterThan(RESTART_ALLOWANCE_MS.embedded);
    const script = await runItemsWith([faulted()], setup({}, { manager: { kind: 'script:/some/init.sh' } }).options, setup().deps);
    expect(script.results[0]!.record.completionAllowanceMs).to.equal(FOREIGN_MANAGER_RESTART_ALLOWANCE_MS);
    const ours = await runItemsWith([faulted()], setup().options, setup().deps);
    expect(ours.results[0]!.record.completionAllowanceMs).to.equal(RESTART_ALLOWANCE_MS.embedded);
    const explicit = await runItemsWith([faulted()], setup({}, { manager: { kind: 'chart:/some/chart' }, backendOptions: { restartAllowanceMs: 150 } }).options, setup().deps);
    expect(explicit.results[0]!.record.completionAllowanceMs).to.equal(150);
  });

  it('the settle wait adds the restart allowance when a fault before or after completion restarted something; a fault-free plan keeps its settle time', () => {
    const faulted = item('F8', [killManagerAfterVerified]).plan;
    expect(settleBoundMs('embedded', faulted)).to.equal(faulted.settleMs + RESTART_ALLOWANCE_MS.embedded);
    const afterOnly = { ...item('F1').plan, afterCompletion: [{ kind: 'kill-process' as const, targets: ['all-servers'] }] };
    expect(settleBoundMs('embedded', afterOnly)).to.equal(afterOnly.settleMs + RESTART_ALLOWANCE_MS.embedded);
    expect(settleBoundMs('embedded', item('F1').plan)).to.equal(item('F1').plan.settleMs);
    expect(settleBoundMs('kind', faulted)).to.equal(faulted.settleMs);
    expect(settleBoundMs('embedded', faulted, 5)).to.equal(faulted.settleMs + 5);
  });

  it('--bail stops after the first failure', async () => {
    const { options, deps } = setup({ outcome: 'failed' }, { bail: true });
    const summary = await runItemsWith([item('A'), item('B'), item('C')], options, deps);
    expect(summary.results.map((r) => r.record.outcome)).to.deep.equal(['failed']);
    expect(summary.exitCode).to.equal(1);
  });

  it('leftovers stop the scenario (as the matrix loop does), are removed, and the next scenario runs', async () => {
    const { driver, options, deps } = setup({ leftovers: ['cluster-rekey-request', 'cluster-key-bk-0'] });
    const summary = await runItemsWith([item('X', [], {}, 0), item('X', [], {}, 1), item('Y')], options, deps);
    expect(summary.results.map((r) => [r.record.scenario.id, r.record.outcome])).to.deep.equal([
      ['X', 'environment-error'],
      ['Y', 'passed'],
    ]);
    expect(summary.results[0]!.record.error).to.match(/rekey artefacts left from a previous iteration: cluster-key-bk-0, cluster-rekey-request/);
    expect(driver.calls).to.include('remove cluster-rekey-request,cluster-key-bk-0');
    expect(summary.exitCode).to.equal(3);
  });

  it('the cluster is disposed once at the end; a failing teardown does not replace the recorded results', async () => {
    const driver = new FakeDriver();
    let disposed = 0;
    const summary = await runItemsWith([item('A'), item('B')], { backend: 'embedded', manager: { kind: 'reference' }, runsDir, sinks: [] }, {
      open: async () => ({
        driver,
        [Symbol.asyncDispose]: async () => {
          disposed++;
          throw new Error('daemon would not stop');
        },
      }),
    });
    expect(disposed).to.equal(1);
    expect(summary.results.map((r) => r.record.outcome)).to.deep.equal(['passed', 'passed']);
  });

  it('a cluster that does not come up gives environment-error records and exit 3', async () => {
    const sink = new RecordingSink();
    const summary = await runItemsWith([item('A'), item('B')], { backend: 'embedded', manager: { kind: 'reference' }, runsDir, sinks: [sink] }, {
      open: async () => {
        throw new Error('daemon did not start');
      },
    });
    expect(summary.exitCode).to.equal(3);
    expect(summary.results.map((r) => r.record.error)).to.deep.equal(['cluster could not be brought up: daemon did not start', 'cluster could not be brought up: daemon did not start']);
    expect(sink.events).to.deep.equal(['runStarted', 'finished environment-error', 'finished environment-error', 'runFinished']);
  });

  it('an interrupt ends the iteration, keeps its evidence, tears the cluster down, runs nothing more', async () => {
    const controller = new AbortController();
    const { options, deps, closed } = setup({ stallBefore: 'vault-rotated' }, { signal: controller.signal });
    const sink: ResultSink = { iterationFinished: () => undefined, progress: (e) => e.name === 'vault-verify-progress-1' && controller.abort() };
    options.sinks.push(sink);
    const summary = await runItemsWith([item('A', [], { timeoutMs: 30_000 }), item('B')], options, deps);
    expect(summary.results.map((r) => r.record.outcome)).to.deep.equal(['environment-error', 'environment-error']);
    expect(summary.results[0]!.record.error).to.equal('interrupted: stopped while awaiting completion');
    expect(summary.results[0]!.record.timeline.map((e) => e.name)).to.include('vault-verify-progress-1');
    expect(summary.results[1]!.record.error).to.match(/interrupted/);
    expect(closed()).to.equal(1);
    expect(await stat(path.join(summary.results[0]!.runDir, 'logs')).then(() => true, () => false)).to.equal(true);
  });

  it('no shard or token value the iteration handled is left anywhere in the run dir', async () => {
    const { options, deps } = setup({ leakyLog: true }, { keepPassingEvidence: true });
    const summary = await runItemsWith([item('F1')], options, deps);
    const { runDir, record } = summary.results[0]!;
    const files = await filesUnder(runDir);
    expect(files.map((f) => path.relative(runDir, f)).sort()).to.deep.equal(['logs/sva-vault-manager-0.log', 'record.json']);
    for (const f of files) {
      const text = await readFile(f, 'utf8');
      expect(text).to.not.include(FAKE_SHARD_HEX);
      expect(text).to.not.include(FAKE_TOKEN);
    }
    expect(record.error).to.match(/scrubbed from logs\/sva-vault-manager-0.log/);
  });
});
