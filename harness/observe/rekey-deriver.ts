/**
 * Derives Vault milestone events from successive polls of the active
 * server's rekey status (every backend; the feed is exact but embedded-only).
 *
 * Polls can miss steps; a step that must have happened in between (progress
 * jumping from 0 to 2) is still emitted, marked `inferred`. The rotation is
 * never seen directly: a verification that disappears is a rotation when
 * `cluster-rekey-verified` shows up within a few polls (or the verification
 * had reached its last share), and a cancellation otherwise. A rekey begun
 * while `cluster-rekey-shuffle` exists is the manager's audit: it yields
 * audit events, and its cancel is its normal end.
 */
import type { TimelineEvent } from '../../common/record.js';
import type { RekeyStatus, RekeyVerifyStatus } from '../vault-client/client.js';

export interface RekeyObservation {
  t: number;
  active: string | undefined;
  /** undefined when the status could not be read this round */
  rekey?: RekeyStatus;
  verify?: RekeyVerifyStatus;
}

export interface DeriverContext {
  isAudit: () => boolean;
  verifiedExists: () => boolean;
  /** polls to wait for `cluster-rekey-verified` before calling a vanished verification (default 5) */
  decisionPolls?: number;
}

interface Running {
  nonce: string;
  audit: boolean;
  progress: number;
  verifying: boolean;
  verifyProgress: number;
  newThreshold: number;
  server: string | undefined;
}

interface PendingDecision {
  since: number;
  polls: number;
  lastVerifyProgress: number;
  newThreshold: number;
  server: string | undefined;
}

export class RekeyDeriver {
  private running: Running | undefined;
  private pending: PendingDecision | undefined;
  private active: string | undefined;

  constructor(private readonly ctx: DeriverContext) {}

  observe(o: RekeyObservation): TimelineEvent[] {
    const out: TimelineEvent[] = [];
    const emit = (name: string, detail: Record<string, unknown> = {}, t = o.t) => out.push({ t, name, source: 'vault-poll', detail: { server: o.active, ...detail } });
    const activeChanged = o.active !== undefined && this.active !== undefined && o.active !== this.active;
    if (activeChanged) emit('vault-active-changed', { previous: this.active });
    if (o.active !== undefined) this.active = o.active;

    this.decidePending(o, emit);
    if (o.rekey === undefined) return out;
    const r = o.rekey;
    const runningNow = r.started ? r.nonce : undefined;

    if (this.running && (activeChanged || runningNow !== this.running.nonce)) this.vanished(o, activeChanged, emit);
    if (runningNow !== undefined && !this.running) {
      const audit = this.ctx.isAudit();
      this.running = { nonce: runningNow, audit, progress: 0, verifying: false, verifyProgress: 0, newThreshold: r.t, server: o.active };
      emit(audit ? 'vault-audit-started' : 'vault-rekey-started');
    }
    const run = this.running;
    if (!run) return out;
    const inVerification = typeof r.verification_nonce === 'string' && r.verification_nonce !== '';
    // authentication progress: a completed authentication resets progress to 0 in Vault; count it as done
    const authProgress = inVerification ? r.required : r.progress;
    if (!run.audit) for (let k = run.progress + 1; k <= Math.min(authProgress, 2); k++) emit(`vault-auth-progress-${k}`, k === authProgress ? {} : { inferred: true });
    run.progress = Math.max(run.progress, authProgress);
    if (inVerification && !run.verifying) {
      run.verifying = true;
      emit(run.audit ? 'vault-audit-complete' : 'vault-auth-complete');
    }
    if (inVerification && !run.audit && o.verify) {
      for (let k = run.verifyProgress + 1; k <= Math.min(o.verify.progress, 2); k++) emit(`vault-verify-progress-${k}`, k === o.verify.progress ? {} : { inferred: true });
      run.verifyProgress = Math.max(run.verifyProgress, o.verify.progress);
    }
    return out;
  }

  /** The rekey we followed is gone (or replaced). */
  private vanished(o: RekeyObservation, activeChanged: boolean, emit: (n: string, d?: Record<string, unknown>, t?: number) => void): void {
    const run = this.running!;
    this.running = undefined;
    if (run.audit) return; // an audit always ends by being cancelled: not a milestone
    if (run.verifying && !activeChanged) {
      // the rotation or a cancel: decide on the next polls
      this.pending = { since: o.t, polls: 0, lastVerifyProgress: run.verifyProgress, newThreshold: run.newThreshold, server: run.server };
      this.decidePending(o, emit);
      return;
    }
    emit('vault-rekey-cancelled', { reason: activeChanged ? 'active-changed' : 'gone', inferred: true });
  }

  private decidePending(o: RekeyObservation, emit: (n: string, d?: Record<string, unknown>, t?: number) => void): void {
    const p = this.pending;
    if (!p) return;
    if (this.ctx.verifiedExists()) {
      this.pending = undefined;
      emit('vault-rotated', { inferred: 'cluster-rekey-verified appeared', server: p.server }, p.since);
      return;
    }
    if (++p.polls <= (this.ctx.decisionPolls ?? 5)) return;
    this.pending = undefined;
    if (p.lastVerifyProgress >= p.newThreshold - 1) emit('vault-rotated', { inferred: 'verification had reached its last share', server: p.server }, p.since);
    else emit('vault-rekey-cancelled', { reason: 'verification gone', inferred: true, server: p.server }, p.since);
  }
}
