/**
 * A scripted MilestoneGate for the runner's gate tests: it closes when the
 * test says (as the cluster would at the milestone), expires after maxHoldMs
 * like the real ones, and logs every call, so a test can assert the order
 * status → apply → release and that every gate was released.
 */
import { nowMs } from '../../common/clock.js';
import type { MilestoneGate, MilestoneGateStatus } from '../../harness/backends/backend.js';

export class FakeGate implements MilestoneGate {
  readonly ids: string[];
  state: MilestoneGateStatus['state'] = 'armed';
  closedAt: number | undefined;
  releasedAt: number | undefined;
  held = 0;
  dropped = 0;
  /** once set, status() and release() answer as the surviving servers would: only never-closed gates */
  closingServerGone = false;
  private expiry: NodeJS.Timeout | undefined;

  constructor(
    readonly milestone: string,
    readonly kind: 'kubernetes' | 'vault',
    private readonly log: string[],
    private readonly maxHoldMs: number,
    id = `gate-${milestone}`,
  ) {
    this.ids = [id];
  }

  /** The cluster reached the milestone: the gate closes and holds one request. */
  close(at = nowMs()): void {
    if (this.state !== 'armed') return;
    this.state = 'closed';
    this.closedAt = at;
    this.held = 1;
    this.expiry = setTimeout(() => this.open('expired'), this.maxHoldMs);
  }

  private open(state: 'released' | 'expired'): void {
    clearTimeout(this.expiry);
    if (this.state === 'closed' || this.state === 'armed') {
      this.state = state;
      this.releasedAt = nowMs();
    }
  }

  private snapshot(): MilestoneGateStatus {
    if (this.closingServerGone) return { milestone: this.milestone, state: this.state === 'closed' ? 'armed' : this.state, closed: false, held: 0, dropped: 0 };
    return {
      milestone: this.milestone,
      state: this.state,
      closed: this.closedAt !== undefined,
      held: this.held,
      dropped: this.dropped,
      ...(this.closedAt !== undefined ? { closedAt: this.closedAt } : {}),
      ...(this.releasedAt !== undefined ? { releasedAt: this.releasedAt } : {}),
      ...(this.kind === 'vault' && this.closedAt !== undefined ? { server: 'sva-vault-0' } : {}),
    };
  }

  async status(): Promise<MilestoneGateStatus> {
    this.log.push(`status ${this.milestone}`);
    return this.snapshot();
  }

  async release(): Promise<MilestoneGateStatus> {
    this.log.push(`release ${this.milestone}`);
    this.open('released');
    return this.snapshot();
  }

  async waitClosed(): Promise<MilestoneGateStatus> {
    throw new Error('not used by the runner');
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.release();
  }
}
