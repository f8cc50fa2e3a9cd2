import { expect } from 'chai';
import { cell, formatTable } from '../../bench/table.js';
import { checkTargets, FIGURE_KEYS, mark, type Figures } from '../../bench/targets.js';

describe('bench/table and targets', () => {
  it('aligns the first column left and the others right, with a rule under the header', () => {
    const text = formatTable(['name', 'ms'], [['a', '1.50'], ['long name', '12.00']]);
    expect(text.split('\n')).to.deep.equal(['name          ms', '---------  -----', 'a           1.50', 'long name  12.00']);
  });

  it('counts ✓ and ✗ as one column and rejects a row of the wrong width', () => {
    expect(formatTable(['x', 'ok'], [['a', '✓']]).split('\n')[2]).to.equal('a   ✓');
    expect(() => formatTable(['a', 'b'], [['only one']])).to.throw(RangeError, /row 0 has 1 cells/);
  });

  it('formats missing numbers as a dash', () => {
    expect(cell(undefined)).to.equal('—');
    expect(cell(NaN)).to.equal('—');
    expect(cell(2.345, 1)).to.equal('2.3');
  });

  const figures = (over: Partial<Figures>): Figures => ({ ...(Object.fromEntries(FIGURE_KEYS.map((k) => [k, 0])) as Figures), ...over });

  it('compares every figure with the issue\'s target, in contract order', () => {
    const checks = checkTargets(figures({ iteration_median_s: 3, matrix_full_minutes: 15.01, injection_p95_ms: 24, embedded_peak_rss_mb: 401, mutation_score: 1, time_to_first_failure_median_s: 60, label_latency_max_ms: 1001 }));
    expect(checks.map((c) => c.key)).to.deep.equal([...FIGURE_KEYS]);
    const met = Object.fromEntries(checks.map((c) => [c.key, c.met]));
    expect(met).to.deep.include({ iteration_median_s: true, matrix_full_minutes: false, injection_p95_ms: true, embedded_peak_rss_mb: false, mutation_score: true, time_to_first_failure_median_s: true, label_latency_max_ms: false });
    expect(met['iteration_p95_s']).to.equal(undefined); // no target in the issue
    expect(checks.map(mark).filter((m) => m !== '')).to.have.length(7);
  });

  it('a score below 1 and a non-number miss their targets', () => {
    const checks = checkTargets(figures({ mutation_score: 0.875, injection_p95_ms: NaN }));
    expect(checks.find((c) => c.key === 'mutation_score')!.met).to.equal(false);
    expect(checks.find((c) => c.key === 'injection_p95_ms')!.met).to.equal(false);
  });
});
