/**
 * The run summary as data: counts per outcome, per family and per invariant,
 * the slowest iterations, and every failure with its replay command. The
 * terminal text, summary.json and CI consumers all read this one shape.
 */
import type { InvariantStatus, Outcome, RunRecord } from '../../common/record.js';
import type { InvariantId } from '../../common/scenario.js';

export const OUTCOMES: Outcome[] = ['passed', 'failed', 'timeout', 'environment-error', 'not-hit'];

export type OutcomeCounts = Record<Outcome, number> & { total: number };

export interface IterationRef {
  scenarioId: string;
  family: string;
  iteration: number;
  runId: string;
}

export interface SlowIteration extends IterationRef {
  /** request → completion when it completed, else start → end of the iteration */
  durationMs: number;
  measured: 'request-to-complete' | 'whole-iteration';
}

export interface FailureEntry extends IterationRef {
  outcome: Outcome;
  invariants: InvariantId[];
  message: string;
  replay: string;
}

export interface RunSummary {
  version: 1;
  generatedAt: string;
  totals: OutcomeCounts;
  byFamily: Record<string, OutcomeCounts>;
  byInvariant: Partial<Record<InvariantId, Record<InvariantStatus, number>>>;
  slowest: SlowIteration[];
  failures: FailureEntry[];
  /** 0 when everything passed (not-hit iterations included), 1 when any failed or timed out, 3 when only the environment failed */
  exitCode: 0 | 1 | 3;
}

function emptyCounts(): OutcomeCounts {
  return { total: 0, passed: 0, failed: 0, timeout: 0, 'environment-error': 0, 'not-hit': 0 };
}

function ref(r: RunRecord): IterationRef {
  return { scenarioId: r.scenario.id, family: r.scenario.family, iteration: r.plan.iteration, runId: r.runId };
}

function failureMessage(r: RunRecord): string {
  const failed = r.invariants.filter((i) => i.status === 'failed');
  if (failed.length > 0) return failed.map((i) => `${i.id}: ${i.message}`).join('; ');
  return r.error ?? r.outcome;
}

export function summarize(records: RunRecord[], slowestCount = 5): RunSummary {
  const totals = emptyCounts();
  const byFamily: Record<string, OutcomeCounts> = {};
  const byInvariant: RunSummary['byInvariant'] = {};
  for (const r of records) {
    totals.total++;
    totals[r.outcome]++;
    const fam = (byFamily[r.scenario.family] ??= emptyCounts());
    fam.total++;
    fam[r.outcome]++;
    for (const inv of r.invariants) {
      const c = (byInvariant[inv.id] ??= { passed: 0, failed: 0, skipped: 0 });
      c[inv.status]++;
    }
  }
  const slowest = records
    .map((r): SlowIteration => {
      const complete = r.requestedAt !== undefined && r.completedAt !== undefined;
      return { ...ref(r), durationMs: complete ? r.completedAt! - r.requestedAt! : r.endedAt - r.startedAt, measured: complete ? 'request-to-complete' : 'whole-iteration' };
    })
    .sort((a, b) => b.durationMs - a.durationMs)
    .slice(0, slowestCount);
  const failures = records
    .filter((r) => r.outcome === 'failed' || r.outcome === 'timeout' || r.outcome === 'environment-error')
    .map((r): FailureEntry => ({ ...ref(r), outcome: r.outcome, invariants: r.invariants.filter((i) => i.status === 'failed').map((i) => i.id), message: failureMessage(r), replay: r.replay }));
  const exitCode = totals.failed + totals.timeout > 0 ? 1 : totals['environment-error'] > 0 ? 3 : 0;
  return { version: 1, generatedAt: new Date().toISOString(), totals, byFamily, byInvariant, slowest, failures, exitCode };
}
