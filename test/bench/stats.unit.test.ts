import { expect } from 'chai';
import fc from 'fast-check';
import { MeasurementError } from '../../bench/errors.js';
import { median, percentile, round, summarize } from '../../bench/stats.js';

describe('bench/stats: nearest-rank percentiles', () => {
  it('gives the textbook nearest-rank values', () => {
    const tenToOne = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1];
    expect(median(tenToOne)).to.equal(5); // lower middle of an even sample
    expect(percentile(tenToOne, 95)).to.equal(10); // ceil(9.5) = 10th of 10
    expect(percentile(Array.from({ length: 20 }, (_, i) => i + 1), 95)).to.equal(19);
    expect(percentile([15, 20, 35, 40, 50], 40)).to.equal(20);
    expect(percentile([15, 20, 35, 40, 50], 100)).to.equal(50);
    expect(median([7])).to.equal(7);
  });

  it('summarizes a sample and does not reorder the caller\'s array', () => {
    const input = [3, 1, 2];
    expect(summarize(input, 'x')).to.deep.equal({ n: 3, min: 1, median: 2, p95: 3, max: 3, mean: 2 });
    expect(input).to.deep.equal([3, 1, 2]);
  });

  it('refuses an empty sample with a MeasurementError naming the figure, and non-finite samples', () => {
    expect(() => summarize([], 'injection latency')).to.throw(MeasurementError, /could not measure injection latency: no samples/);
    expect(() => percentile([], 50)).to.throw(RangeError);
    expect(() => percentile([1, NaN], 50)).to.throw(RangeError, /not a finite number/);
    expect(() => percentile([1], 0)).to.throw(RangeError);
    expect(() => percentile([1], 101)).to.throw(RangeError);
  });

  it('a percentile is always an observed sample, monotonic in p, within min..max', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }), { minLength: 1, maxLength: 50 }), fc.integer({ min: 1, max: 99 }), (xs, p) => {
        const a = percentile(xs, p);
        const b = percentile(xs, p + 1);
        expect(xs).to.include(a);
        expect(a).to.be.at.most(b);
        const s = summarize(xs, 'p');
        expect(s.min).to.be.at.most(s.median);
        expect(s.median).to.be.at.most(s.p95);
        expect(s.p95).to.be.at.most(s.max);
      }),
    );
  });

  it('rounds to the given decimals', () => {
    expect(round(1.23456)).to.equal(1.235);
    expect(round(1.25, 1)).to.equal(1.3);
  });
});
