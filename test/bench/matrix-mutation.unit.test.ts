import { expect } from 'chai';
import { MeasurementError } from '../../bench/errors.js';
import { defectVerdict, matrixScore, measuredIterations, STANDARD_SAMPLE_STRIDE } from '../../bench/matrix-mutation.js';
import { quickCoverageIds } from '../../matrix/quick-coverage.js';
import { record } from './fixtures.js';

describe('bench/matrix-mutation: the score of the named matrices', () => {
  it('measures the whole quick matrix in its run order, and a fixed stride of the standard matrix', () => {
    const quick = measuredIterations('quick');
    expect(quick.refs.map((r) => r.scenario.id).slice(0, 1 + quickCoverageIds().length)).to.deep.equal(['F1', ...quickCoverageIds()]);
    const standard = measuredIterations('standard');
    expect(standard.refs.length).to.equal(Math.ceil(600 / STANDARD_SAMPLE_STRIDE));
    expect(new Set(standard.refs.map((r) => r.scenario.family)).size).to.equal(10);
    expect(standard.description).to.contain(`every ${STANDARD_SAMPLE_STRIDE}th`);
    // the same list every time: a score can be compared between nights
    expect(measuredIterations('standard').refs.map((r) => `${r.scenario.id}#${r.iteration}`)).to.deep.equal(standard.refs.map((r) => `${r.scenario.id}#${r.iteration}`));
  });

  it('a defect is caught by the first failing or timed-out iteration, timed from the first start', () => {
    const runs = [
      record({ scenario: 'F1', wallMs: 3000, startedAt: 0 }),
      record({ scenario: 'M-x', wallMs: 4000, startedAt: 3000, outcome: 'timeout', failed: ['I5', 'I2'] }),
      record({ scenario: 'M-y', wallMs: 1000, startedAt: 7000, outcome: 'failed', failed: ['I1'] }),
    ];
    const verdict = defectVerdict('d', runs);
    expect(verdict).to.include({ defect: 'd', caught: true, by: 'M-x#0', iterations_run: 2, seconds: 7 });
    expect(verdict.failed_invariants).to.deep.equal(['I5', 'I2']);
  });

  it('passes, not-hit and environment errors do not catch a defect', () => {
    const runs = [record({ scenario: 'F1', wallMs: 1000 }), record({ scenario: 'M-x', wallMs: 1000, outcome: 'not-hit' }), record({ scenario: 'M-y', wallMs: 1000, outcome: 'environment-error' })];
    expect(defectVerdict('d', runs)).to.include({ caught: false, iterations_run: 3 });
    expect(defectVerdict('d', [])).to.include({ caught: false, iterations_run: 0 });
  });

  it('scores the share of defects caught, and refuses an empty measurement', () => {
    const baseline = { n: 2, passed: 2, not_passed: [] };
    const score = matrixScore('quick', 'q', baseline, [
      { defect: 'a', caught: true, iterations_run: 1, seconds: 1 },
      { defect: 'b', caught: false, iterations_run: 2, seconds: 2 },
      { defect: 'c', caught: true, iterations_run: 1, seconds: 1 },
      { defect: 'd', caught: true, iterations_run: 1, seconds: 1 },
    ]);
    expect(score).to.include({ score: 0.75, caught: 3, total: 4 });
    expect(() => matrixScore('standard', 's', baseline, [])).to.throw(MeasurementError, /no defect was tried/);
  });
});
