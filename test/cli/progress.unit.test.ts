import { expect } from 'chai';
import type { RunRecord } from '../../common/record.js';
import { loadCatalog } from '../../matrix/catalog.js';
import { makePlan } from '../../matrix/plan.js';
import { iterationLine, ProgressPrinter, wantsLiveDisplay } from '../../cli/progress.js';

function record(outcome: RunRecord['outcome']): RunRecord {
  const scenario = loadCatalog().get('F6')!;
  const plan = makePlan(scenario, 4, { timescale: 0.02 });
  return {
    version: 1, runId: 'r1', scenario, plan, backend: 'embedded', manager: 'reference', startedAt: 1000, endedAt: 3500,
    timeline: [], ledger: [], keyFeed: null, service: [], audits: [],
    faults: [
      { index: 0, kind: 'delete-pod', target: 'sva-vault-manager-0', targetSpec: 'manager', trigger: 'at 104ms', landed: true },
      { index: 0, kind: 'delete-pod', target: 'sva-vault-1', targetSpec: 'active', trigger: 'at 104ms', landed: false },
      { index: -1, kind: 'delete-pod', target: 'cleanup', targetSpec: 'manager', trigger: 'after completion', landed: true },
    ],
    initial: {}, final: { secrets: [], servers: [] }, logs: {}, managerProblems: [],
    invariants: [
      { id: 'I1', status: 'failed', message: 'x', evidence: {} },
      { id: 'I2', status: 'passed', message: 'y', evidence: {} },
      { id: 'I7', status: 'failed', message: 'z', evidence: {} },
    ],
    outcome, replay: 'rekey-chaos replay "F6:4:seed=2300:ts=0.02:backend=embedded:manager=reference"',
  };
}

describe('cli: progress output', () => {
  it('one line per iteration: position, outcome, id, duration, faults, failed invariants', () => {
    expect(iterationLine(record('failed'), 2, 9)).to.equal('[3/9] FAIL      F6#4  2.5s  delete-pod sva-vault-manager-0, delete-pod sva-vault-1 (not hit)  invariants failed: I1,I7');
  });

  it('prints a replay command for failures and timeouts only; plain mode has no terminal escapes', () => {
    let text = '';
    const p = new ProgressPrinter({ write: (t) => void (text += t) }, false);
    p.runStarted({ total: 3 });
    for (const o of ['passed', 'failed', 'timeout'] as const) {
      const r = record(o);
      p.iterationStarted({ scenario: r.scenario, plan: r.plan, index: 0, total: 3 });
      p.progress({ t: 1, name: 'vault-rotated', source: 'vault-poll' });
      p.iterationFinished(r);
    }
    p.runFinished();
    expect(text.match(/^ {2}replay: rekey-chaos replay "F6:4:/gm)).to.have.length(2);
    expect(text.split('\n').filter(Boolean)).to.have.length(5);
    expect(text).to.not.include('\x1b');
  });

  it('live mode redraws a status line with the milestone and faults injected', () => {
    let text = '';
    const p = new ProgressPrinter({ write: (t) => void (text += t) }, true);
    const r = record('passed');
    p.iterationStarted({ scenario: r.scenario, plan: r.plan, index: 1, total: 5 });
    p.progress({ t: 1, name: 'vault-auth-complete', source: 'vault-feed' });
    p.progress({ t: 2, name: 'fault:0', source: 'fault' });
    expect(text).to.match(/\r\x1b\[K\[2\/5\] F6#4 {2}elapsed \d+\.\ds {2}milestone vault-auth-complete {2}faults injected 1$/);
    p.iterationFinished(r);
    p.runFinished();
    // The status line is cleared before the iteration's own line is printed.
    expect(text).to.include('\r\x1b[K[2/5] PASS      F6#4');
  });

  it('is live only on a terminal outside CI', () => {
    expect(wantsLiveDisplay({ isTTY: true }, {})).to.equal(true);
    expect(wantsLiveDisplay({ isTTY: true }, { CI: 'true' })).to.equal(false);
    expect(wantsLiveDisplay({ isTTY: false }, {})).to.equal(false);
  });
});
