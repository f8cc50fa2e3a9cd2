/**
 * Kubelet-style restart back-off: the delay doubles from a base up to a cap
 * for every crash in a row, and a container that ran for a while before it
 * exited starts again from the base.
 */
import type { BackoffOptions } from './types.js';

export class RestartBackoff {
  private crashesInARow = 0;

  constructor(private readonly options: BackoffOptions) {}

  /** Delay before the next start, given how long the container ran before exiting. */
  nextDelay(ranForMs: number): number {
    if (ranForMs >= this.options.resetAfterMs) this.crashesInARow = 0;
    const delay = Math.min(this.options.maxMs, this.options.baseMs * 2 ** this.crashesInARow);
    this.crashesInARow++;
    return delay;
  }

  /** True while the container is in a crash loop (more than one crash in a row). */
  get looping(): boolean {
    return this.crashesInARow > 1;
  }

  reset(): void {
    this.crashesInARow = 0;
  }
}
