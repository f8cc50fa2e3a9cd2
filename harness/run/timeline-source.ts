/**
 * The slice of a run's timeline the runner and the triggers need. The
 * observe/ timeline provides it (through observation.ts); tests give a
 * small in-memory one. Kept this narrow so the trigger path stays short.
 */
import type { TimelineEvent } from '../../common/record.js';

export interface TimelineSource {
  /** every event recorded so far, in arrival order */
  events(): readonly TimelineEvent[];
  /** called synchronously for every event added from now on; returns unsubscribe */
  on(listener: (event: TimelineEvent) => void): () => void;
  /** record a harness-side event (a fault, a runner step) */
  add(event: TimelineEvent): void;
}

/** An in-memory timeline: what tests, the bench and a backend without observers use. */
export class MemoryTimeline implements TimelineSource {
  private readonly list: TimelineEvent[] = [];
  private readonly listeners = new Set<(e: TimelineEvent) => void>();
  events(): readonly TimelineEvent[] {
    return this.list;
  }
  on(listener: (e: TimelineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  add(event: TimelineEvent): void {
    this.list.push(event);
    for (const l of [...this.listeners]) l(event);
  }
}
