import { expect } from 'chai';
import { MeasurementError } from '../../bench/errors.js';
import { baselineOutcomes, baselineRefs, checkCandidates, defectResult, MUTATION_CANDIDATES, mutationSummary, verdictOf, type CandidateTry } from '../../bench/mutation.js';
import { DEFECTS } from '../../manager/defects/registry.js';
import { loadCatalog } from '../../matrix/catalog.js';
import { record } from './fixtures.js';

const catalog = loadCatalog();

describe('bench/mutation: candidates, verdicts, score', () => {
  it('every registered defect has an ordered candidate list of scenarios that exist (and no stale entries)', () => {
    expect(() => checkCandidates(catalog)).to.not.throw();
    expect(Object.keys(MUTATION_CANDIDATES).sort()).to.deep.equal(DEFECTS.map((d) => d.name).sort());
  });

  it('refuses a defect without candidates and a candidate not in the catalogue', () => {
    expect(() => checkCandidates(catalog, ['a-new-defect'])).to.throw(MeasurementError, /no candidate scenarios for defect a-new-defect/);
    expect(() => checkCandidates(catalog, ['x'], { x: [{ scenario: 'M-no-such', iteration: 0 }] })).to.throw(MeasurementError, /M-no-such .* not in the catalogue/);
    expect(() => checkCandidates(catalog, ['x'], { x: [{ scenario: 'F1', iteration: 60 }] })).to.throw(MeasurementError, /has 60 iterations/);
  });

  it('the baseline runs each distinct candidate once', () => {
    const refs = baselineRefs(catalog, DEFECTS.map((d) => d.name));
    const keys = refs.map((r) => `${r.scenario.id}#${r.iteration}`);
    expect(new Set(keys).size).to.equal(keys.length);
    expect(keys).to.include('F1#0');
    const all = new Set(Object.values(MUTATION_CANDIDATES).flatMap((l) => l.map((c) => `${c.scenario}#${c.iteration}`)));
    expect(keys.length).to.equal(all.size);
  });

  it('a failure counts only where the reference manager passes the same iteration', () => {
    expect(verdictOf('passed', 'failed')).to.equal('caught');
    expect(verdictOf('passed', 'timeout')).to.equal('caught');
    expect(verdictOf('failed', 'failed')).to.equal('baseline-not-passed');
    expect(verdictOf('not-run', 'failed')).to.equal('baseline-not-passed');
    expect(verdictOf('passed', 'passed')).to.equal('passed');
    expect(verdictOf('passed', 'not-hit')).to.equal('not-hit');
    expect(verdictOf('passed', 'environment-error')).to.equal('environment-error');
  });

  it('time to first failure runs from the first candidate\'s start to the catching iteration\'s end', () => {
    const records = [record({ scenario: 'A', startedAt: 10_000, wallMs: 2000 }), record({ scenario: 'B', startedAt: 15_000, wallMs: 3500, outcome: 'failed', failed: ['I5'] })];
    const tries: CandidateTry[] = [
      { scenario: 'Z', iteration: 0, reference: 'failed', verdict: 'baseline-not-passed' },
      { scenario: 'A', iteration: 0, reference: 'passed', outcome: 'passed', verdict: 'passed' },
      { scenario: 'B', iteration: 0, reference: 'passed', outcome: 'failed', verdict: 'caught', failed_invariants: ['I5'] },
    ];
    const r = defectResult('d', 'desc', tries, records, 4200);
    expect(r).to.deep.include({ caught: true, scenario: 'B', iteration: 0, failed_invariants: ['I5'], time_to_first_failure_s: 8.5, deploy_s: 4.2 });
    const missed = defectResult('e', 'desc', tries.slice(0, 2), records.slice(0, 1), 1000);
    expect(missed.caught).to.equal(false);
    expect(missed).to.not.have.property('time_to_first_failure_s');
  });

  it('score = caught / total; the median time is over the caught ones only', () => {
    const caught = (s: number) => ({ defect: 'x', description: '', caught: true, time_to_first_failure_s: s, deploy_s: 1, tried: [] });
    const missed = { defect: 'y', description: '', caught: false, deploy_s: 1, tried: [] };
    expect(mutationSummary([caught(3), caught(9), caught(5), missed])).to.deep.equal({ score: 0.75, caught: 3, total: 4, time_to_first_failure_median_s: 5 });
    expect(mutationSummary([missed])).to.deep.equal({ score: 0, caught: 0, total: 1 });
    expect(() => mutationSummary([])).to.throw(MeasurementError);
  });

  it('reads baseline outcomes by scenario and iteration', () => {
    const m = baselineOutcomes([record({ scenario: 'F1', iteration: 0, wallMs: 1 }), record({ scenario: 'M-x', iteration: 0, wallMs: 1, outcome: 'not-hit' })]);
    expect(m.get('F1#0')).to.equal('passed');
    expect(m.get('M-x#0')).to.equal('not-hit');
  });
});
