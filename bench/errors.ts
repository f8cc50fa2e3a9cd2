/**
 * The bench's own failure: a figure could not be measured (no sample, a
 * process tree that cannot be read, a cluster that did not come up). A missed
 * target is not an error — the bench is a measurement — but a missing figure
 * is, so `npm run bench` exits non-zero instead of printing a made-up number.
 */
import { RekeyChaosError } from '../common/errors.js';

export class MeasurementError extends RekeyChaosError {
  readonly figure: string;
  constructor(figure: string, problem: string, context: Record<string, unknown> = {}) {
    super(`could not measure ${figure}: ${problem}`, 3, { ...context, figure });
    this.figure = figure;
  }
}
