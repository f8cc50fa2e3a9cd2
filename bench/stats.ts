/**
 * Order statistics for the bench: nearest-rank percentiles (a reported
 * p95 is always one of the observed samples, never an interpolation between
 * two runs that did not happen).
 */
import { MeasurementError } from './errors.js';

export interface Summary {
  n: number;
  min: number;
  median: number;
  p95: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentile of an ascending-sorted, non-empty list; p in (0, 100]. */
export function percentileSorted(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new RangeError('percentile of an empty sample');
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[rank - 1]!;
}

export function percentile(samples: readonly number[], p: number): number {
  return percentileSorted(sortedFinite(samples, 'percentile'), p);
}

/** The median as the 50th nearest-rank percentile (the lower middle of an even sample). */
export function median(samples: readonly number[]): number {
  return percentile(samples, 50);
}

function sortedFinite(samples: readonly number[], what: string): number[] {
  for (const s of samples) if (!Number.isFinite(s)) throw new RangeError(`${what}: sample ${s} is not a finite number`);
  return [...samples].sort((a, b) => a - b);
}

/** Summary of a non-empty sample; `figure` names the measurement in the error when the sample is empty. */
export function summarize(samples: readonly number[], figure: string): Summary {
  if (samples.length === 0) throw new MeasurementError(figure, 'no samples');
  const sorted = sortedFinite(samples, figure);
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    n: sorted.length,
    min: sorted[0]!,
    median: percentileSorted(sorted, 50),
    p95: percentileSorted(sorted, 95),
    max: sorted[sorted.length - 1]!,
    mean: sum / sorted.length,
  };
}

/** Rounds for the JSON and the table: figures are measurements, three significant decimals are plenty. */
export function round(value: number, decimals = 3): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}
