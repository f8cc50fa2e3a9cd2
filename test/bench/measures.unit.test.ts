import { expect } from 'chai';
import { MeasurementError } from '../../bench/errors.js';
import { evenPositions, faultedIterationSeconds, familySample, summarizeFamily } from '../../bench/families.js';
import { injectionLatency, injectionSamples, milestoneSample } from '../../bench/injection.js';
import { iterationPhases, phaseProfile } from '../../bench/profile.js';
import { extrapolateMatrix, standardMatrixCounts } from '../../bench/throughput.js';
import { loadCatalog } from '../../matrix/catalog.js';
import { applied, killAfter, killAt, record } from './fixtures.js';

const catalog = loadCatalog();

describe('bench/families: the per-family sample and its timing', () => {
  it('spreads n positions evenly over the sweep, ends included, never more than exist', () => {
    expect(evenPositions(60, 10)).to.deep.equal([0, 7, 13, 20, 26, 33, 39, 46, 52, 59]);
    expect(evenPositions(60, 1)).to.deep.equal([0]);
    expect(evenPositions(3, 10)).to.deep.equal([0, 1, 2]);
    expect(new Set(evenPositions(60, 60)).size).to.equal(60);
    expect(() => evenPositions(0, 3)).to.throw(RangeError);
    expect(() => evenPositions(5, 0)).to.throw(RangeError);
  });

  it('samples one scenario per family F1–F10 from the real catalogue', () => {
    const samples = familySample(catalog, 10);
    expect(samples.map((s) => s.family)).to.deep.equal(['F1', 'F2', 'F3', 'F4', 'F5', 'F6', 'F7', 'F8', 'F9', 'F10']);
    for (const s of samples) {
      expect(s.refs).to.have.length(10);
      expect(s.refs.every((r) => r.scenario.family === s.family)).to.equal(true);
    }
  });

  it('summarizes wall time, procedure time, outcomes and overhead; a batch that never ran is an error', () => {
    const sample = familySample(catalog, 3, ['F2'])[0]!;
    const records = [
      record({ wallMs: 2000, requestAfterMs: 100, completeAfterMs: 1100, settledAfterMs: 1500 }),
      record({ wallMs: 4000, requestAfterMs: 100, completeAfterMs: 3100, settledAfterMs: 3500 }),
      record({ wallMs: 3000, requestAfterMs: 100, outcome: 'timeout' }),
    ];
    const t = summarizeFamily(sample, records, 10_500, 0.5);
    expect(t).to.deep.include({ family: 'F2', n: 3, wall_median_s: 3, wall_p95_s: 4, wall_mean_s: 3, cycle_mean_s: 3.5, procedure_median_s: 1, overhead_ratio: 6 });
    expect(t.outcomes).to.deep.equal({ passed: 2, timeout: 1 });
    expect(t.not_passed).to.deep.equal([{ scenario: 'F2', iteration: 0, outcome: 'timeout', why: [], replay: '' }]);
    const failed = record({ wallMs: 1000, outcome: 'failed', failed: ['I4'], iteration: 7 });
    failed.replay = 'rekey-chaos replay x';
    expect(summarizeFamily(sample, [failed], 1000, 0.5).not_passed).to.deep.equal([{ scenario: 'F2', iteration: 7, outcome: 'failed', why: ['I4: fixture'], replay: 'rekey-chaos replay x' }]);
    const notRun = record({ wallMs: 0, outcome: 'environment-error' });
    expect(() => summarizeFamily(sample, [notRun], 1, 0.5)).to.throw(MeasurementError, /none of the 1 iterations ran/);
  });

  it('the headline sample is the iterations with exactly one fault', () => {
    const records = [record({ wallMs: 1000 }), record({ wallMs: 2000, planned: [killAt(10)] }), record({ wallMs: 0, planned: [killAt(10)], outcome: 'environment-error' })];
    expect(faultedIterationSeconds(records)).to.deep.equal([2]);
  });
});

describe('bench/profile: where an iteration\'s time goes', () => {
  it('splits the wall time at the runner\'s marks', () => {
    const r = record({ wallMs: 3000, requestAfterMs: 200, completeAfterMs: 1700, settledAfterMs: 2200 });
    expect(iterationPhases(r)).to.deep.equal({ wallMs: 3000, setupMs: 200, procedureMs: 1500, settleMs: 500, checkMs: 800 });
    expect(iterationPhases(record({ wallMs: 500 }))).to.deep.equal({ wallMs: 500 });
    const p = phaseProfile([r, record({ wallMs: 1000, requestAfterMs: 400, completeAfterMs: 900, settledAfterMs: 950 })]);
    expect(p.wallMeanMs).to.equal(2000);
    expect(p.setupMs).to.deep.equal({ meanMs: 300, n: 2, share: 0.15 });
  });
});

describe('bench/injection: milestone event observed → fault applied', () => {
  it('measures milestone-triggered faults only, minus the planned offset, and counts those never applied', () => {
    const records = [
      record({ scenario: 'a', wallMs: 1, planned: [killAfter('cluster-rekey-4')], faults: [applied('after:cluster-rekey-4', 5000, 5012)] }),
      record({ scenario: 'b', wallMs: 1, planned: [killAfter('vault-rotated', 40)], faults: [applied('after:vault-rotated+40ms', 7000, 7046, 'delete-pod')] }),
      record({ scenario: 'c', wallMs: 1, planned: [killAt(200)], faults: [applied('at:200ms', 9000, 9003)] }), // timed: no observed event
      record({ scenario: 'd', wallMs: 1, planned: [killAfter('vault-rotated')], faults: [applied('after:vault-rotated', 8000, undefined)] }),
    ];
    expect(injectionSamples(records).map((s) => [s.scenario, s.ms])).to.deep.equal([
      ['a', 12],
      ['b', 6],
    ]);
    const l = injectionLatency(records);
    expect(l).to.deep.include({ n: 2, p50_ms: 6, p95_ms: 12, max_ms: 12, landed: 2, not_applied: 1 });
    expect(l.by_kind).to.deep.equal({ 'delete-pod': { n: 1, p50_ms: 6, p95_ms: 6 }, 'kill-process': { n: 1, p50_ms: 12, p95_ms: 12 } });
    expect(() => injectionLatency([records[2]!])).to.throw(MeasurementError, /fault-injection latency/);
  });

  it('samples the same milestone scenarios every time', () => {
    const a = milestoneSample(catalog, 12).map((s) => s.id);
    expect(a).to.have.length(12);
    expect(milestoneSample(catalog, 12).map((s) => s.id)).to.deep.equal(a);
    expect(a.every((id) => catalog.get(id)?.family === 'milestone')).to.equal(true);
  });
});

describe('bench/throughput: the standard matrix', () => {
  it('counts 600 iterations, 60 per family, in the real catalogue', () => {
    const counts = standardMatrixCounts(catalog);
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).to.equal(600);
    expect(counts['F7']).to.equal(60);
  });

  it('extrapolates: start + deploy + Σ count × mean cycle, and names a family it has no sample of', () => {
    const sample = familySample(catalog, 2, ['F1', 'F2']);
    const f1 = summarizeFamily(sample[0]!, [record({ family: 'F1', scenario: 'F1', wallMs: 1000 })], 1500, 0.5);
    const f2 = summarizeFamily(sample[1]!, [record({ wallMs: 3000 })], 3000, 0.5);
    const m = extrapolateMatrix([f1, f2], { F1: 60, F2: 60 }, 3000, 9000);
    expect(m.minutes).to.equal(Math.round(((12 + 60 * 1.5 + 60 * 3) / 60) * 100) / 100);
    expect(m.iterations).to.equal(120);
    expect(m.per_family_minutes).to.deep.equal({ F1: 1.5, F2: 3 });
    expect(m.how).to.match(/sample of 2 iterations \(F1×1, F2×1\)/);
    expect(() => extrapolateMatrix([f1], { F1: 60, F9: 60 }, 0, 0)).to.throw(MeasurementError, /no sample of family F9/);
  });
});
