/**
 * A scripted IterationDriver for the run-loop tests: an undisturbed rekey is
 * replayed as synthetic milestone events on an in-memory timeline, faults are
 * recorded instead of applied, and the checks come from the real checkers
 * where the test wants them. No cluster, no processes.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { nowMs } from '../../common/clock.js';
import { COMPLETE_EVENT, expectedRekeySequence } from '../../common/milestones.js';
import type { InvariantResult, Outcome, RunRecord } from '../../common/record.js';
import type { FaultSpec } from '../../common/scenario.js';
import type { FaultApplication } from '../../harness/faults/inject.js';
import type { AuditResult, CollectedLogs, InitialState, IterationDriver, Observation } from '../../harness/run/iteration-driver.js';
import { MemoryTimeline } from '../../harness/run/timeline-source.js';

/** A value shaped like a real shard (33 bytes hex) that must never reach a run dir. */
export const FAKE_SHARD_HEX = '0a'.repeat(32) + '01';
/** A token-shaped value built at run time (no token-shaped literal is ever committed). */
export const FAKE_TOKEN = `hvs.${'FAKEROOTTOKEN'}${'abcdefghijklmnop'}`;

export interface FakeScript {
  leftovers?: string[];
  /** stop emitting the sequence before this event (a stuck procedure) */
  stallBefore?: string;
  /** ms between synthetic events */
  gapMs?: number;
  outcome?: Outcome;
  failInitial?: boolean;
  /** the manager's log leaks a shard (the writer must scrub it) */
  leakyLog?: boolean;
  /** what the pods report for stall detection: when they last changed, undefined while one is not ready (default: never steady) */
  podsQuietSince?: () => number | undefined;
}

export class FakeDriver implements IterationDriver {
  readonly calls: string[] = [];
  readonly applied: { spec: FaultSpec; seed: number; at: number }[] = [];
  recoverCount = 0;
  private timeline = new MemoryTimeline();
  constructor(public script: FakeScript = {}) {}

  async leftovers() {
    this.calls.push('leftovers');
    return this.script.leftovers ?? [];
  }
  async removeLeftovers(names: string[]) {
    this.calls.push(`remove ${names.join(',')}`);
    this.script.leftovers = [];
  }
  async initial(): Promise<InitialState> {
    this.calls.push('initial');
    if (this.script.failInitial) throw new Error('vault unreachable');
    return { keyFp: 'aaaaaaaaaaaa', rootTokenFp: 'bbbbbbbb', private: null, secretValues: [FAKE_SHARD_HEX, FAKE_TOKEN] };
  }
  async observe(): Promise<Observation> {
    this.calls.push('observe');
    this.timeline = new MemoryTimeline();
    const tl = this.timeline;
    return { timeline: tl, ledger: () => [], keyFeed: () => null, service: () => [], secretValues: () => [], stop: async () => undefined, [Symbol.asyncDispose]: async () => undefined };
  }
  async requestRekey(requestId: string) {
    this.calls.push(`request ${requestId}`);
    const at = nowMs();
    const seq = expectedRekeySequence();
    const gap = this.script.gapMs ?? 1;
    let i = 0;
    const step = () => {
      const name = seq[i++];
      if (name === undefined || name === this.script.stallBefore) return;
      this.timeline.add({ t: nowMs(), name, source: name.startsWith('vault-') ? 'vault-feed' : 'secret' });
      setTimeout(step, gap);
    };
    setTimeout(step, 0);
    return at;
  }
  async applyFault(spec: FaultSpec, seed: number): Promise<FaultApplication> {
    const at = nowMs();
    this.applied.push({ spec, seed, at });
    return { target: spec.targets.join(','), units: [], notes: [], missing: [], appliedAt: at };
  }
  podsQuietSince(): number | undefined {
    return this.script.podsQuietSince?.();
  }
  awaitCompletion(obs: Observation, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      if (obs.timeline.events().some((e) => e.name === COMPLETE_EVENT)) return resolve(true);
      const off = obs.timeline.on((e) => {
        if (e.name === COMPLETE_EVENT) done(true);
      });
      const timer = setTimeout(() => done(false), timeoutMs);
      const onAbort = () => done(false);
      signal.addEventListener('abort', onAbort, { once: true });
      const done = (v: boolean) => {
        off();
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      };
    });
  }
  /** what each settle was asked for */
  readonly settles: { settleMs: number; exact: boolean }[] = [];
  async settle(settleMs: number, _signal: AbortSignal, options: { exact?: boolean } = {}) {
    this.calls.push('settle');
    this.settles.push({ settleMs, exact: options.exact ?? false });
    return { settled: true, servers: [] };
  }
  async audit(): Promise<AuditResult> {
    this.calls.push('audit');
    return { audits: [], rootTokenWorks: true, secrets: ['cluster-key-0'], secretValues: [] };
  }
  async collectLogs(runDir: string): Promise<CollectedLogs> {
    const file = path.join('logs', 'sva-vault-manager-0.log');
    await writeFile(path.join(runDir, file), `2026-01-01T00:00:00.000Z INFO started\n${this.script.leakyLog ? `debug shard ${FAKE_SHARD_HEX.slice(0, 20)}…${FAKE_SHARD_HEX}\n` : ''}`);
    return { logs: { 'sva-vault-manager-0': file }, managerProblems: [] };
  }
  evaluate(record: RunRecord): { invariants: InvariantResult[]; outcome: Outcome } {
    const outcome = this.script.outcome ?? 'passed';
    const status = outcome === 'failed' ? 'failed' : 'passed';
    return { invariants: [{ id: 'I2', status, message: 'fake', evidence: { faults: record.faults.length } }], outcome };
  }
  async recover() {
    this.recoverCount++;
    return true;
  }
}
