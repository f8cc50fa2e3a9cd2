/** The run's closing lines say why each not-hit iteration was not hit, naming a milestone never reached. */
import { expect } from 'chai';
import type { RunRecord } from '../../common/record.js';
import type { RunResults } from '../../harness/run/runner.js';
import { notHitLines } from '../../cli/run-exec.js';

function record(outcome: RunRecord['outcome'], after: string, seen: string[]): RunRecord {
  return {
    outcome,
    scenario: { id: 'M-x' },
    plan: { iteration: 3, faults: [{ index: 0, trigger: { after, offsetMs: 0, occurrence: 1 }, fault: { kind: 'kill-process', targets: ['manager'] }, targetSeed: 1 }] },
    timeline: seen.map((name, i) => ({ t: i, name, source: 'secret' })),
  } as unknown as RunRecord;
}

const results = (...records: RunRecord[]): RunResults[] => [{ results: records.map((r) => ({ record: r, runDir: '' })) } as unknown as RunResults];

describe('cli: not-hit iterations in the closing lines', () => {
  it('names the milestone a not-hit iteration never reached', () => {
    expect(notHitLines(results(record('not-hit', 'cluster-rekey-shuffle', ['cluster-rekey-request'])))).to.equal('not hit: M-x#3: fault 0 aimed at cluster-rekey-shuffle, which never occurred\n');
  });

  it('says so when the milestone came and the fault was late, and prints nothing for other outcomes', () => {
    expect(notHitLines(results(record('not-hit', 'cluster-rekey-shuffle', ['cluster-rekey-shuffle'])))).to.match(/^not hit: M-x#3: the fault came after the milestone/);
    expect(notHitLines(results(record('passed', 'cluster-rekey-shuffle', [])))).to.equal('');
  });
});
