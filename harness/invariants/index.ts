/**
 * The checker: I1–I10 over a run record (pure functions, record in, results
 * out), and the iteration's outcome. `rekey-chaos recheck` and the runner
 * both call `checkRecord`, so a checker fix re-applies to old records.
 */
import type { InvariantResult, Outcome, RunRecord } from '../../common/record.js';
import { ALL_INVARIANTS, ALWAYS_CHECKED, type InvariantId } from '../../common/scenario.js';
import { skipped } from './evidence.js';
import { checkI1 } from './i1-custody.js';
import { checkI2 } from './i2-final-state.js';
import { checkI3 } from './i3-rekeyed.js';
import { checkI4 } from './i4-service.js';
import { checkI5 } from './i5-liveness.js';
import { checkI6 } from './i6-clean-log.js';
import { checkI7 } from './i7-every-share.js';
import { checkI8 } from './i8-procedure.js';
import { checkI9 } from './i9-policy.js';
import { checkI10 } from './i10-well-formed.js';

export { checkI1, checkI2, checkI3, checkI4, checkI5, checkI6, checkI7, checkI8, checkI9, checkI10 };

export const INVARIANT_CHECKS: Record<InvariantId, (record: RunRecord) => InvariantResult> = {
  I1: checkI1,
  I2: checkI2,
  I3: checkI3,
  I4: checkI4,
  I5: checkI5,
  I6: checkI6,
  I7: checkI7,
  I8: checkI8,
  I9: checkI9,
  I10: checkI10,
};

/**
 * Every invariant, in order; those the scenario did not select (and that are
 * not ALWAYS_CHECKED) are `skipped`. A check that throws is a failure with the reason.
 */
export function checkInvariants(record: RunRecord): InvariantResult[] {
  const selected = new Set<InvariantId>([...(record.scenario.invariants?.length ? record.scenario.invariants : ALL_INVARIANTS), ...ALWAYS_CHECKED]);
  return ALL_INVARIANTS.map((id) => {
    if (!selected.has(id)) return skipped(id, 'not selected by the scenario');
    try {
      return INVARIANT_CHECKS[id](record);
    } catch (err) {
      return { id, status: 'failed', message: `the check itself failed: ${err instanceof Error ? err.message : String(err)}`, evidence: {} };
    }
  });
}

/**
 * The iteration's outcome from its results:
 *  - `environment-error` stays what it was (no invariant can be judged);
 *  - a rekey that never completed is `timeout`, unless custody (I1) was lost
 *    on the way, which is a `failed` safety violation whatever came after;
 *  - any failed invariant besides I5 → `failed`; I5 alone → `timeout`;
 *  - a fault that did not land where it aimed → `not-hit`, never `passed`.
 */
export function outcomeOf(record: RunRecord, results: InvariantResult[] = record.invariants): Outcome {
  if (record.outcome === 'environment-error') return 'environment-error';
  const failedIds = new Set(results.filter((r) => r.status === 'failed').map((r) => r.id));
  if (record.completedAt === undefined) return failedIds.has('I1') ? 'failed' : 'timeout';
  if ([...failedIds].some((id) => id !== 'I5')) return 'failed';
  if (failedIds.has('I5')) return 'timeout';
  if (!everyFaultLanded(record)) return 'not-hit';
  return 'passed';
}

/** Re-runs every invariant and returns the record with fresh results and outcome (the input is not modified). */
export function checkRecord(record: RunRecord): RunRecord {
  const invariants = checkInvariants(record);
  return { ...record, invariants, outcome: outcomeOf(record, invariants) };
}

/** Every planned fault was injected and landed where it aimed (after-completion cleanups, index -1, do not count). */
export function everyFaultLanded(record: RunRecord): boolean {
  const injected = record.faults.filter((f) => f.index >= 0);
  return injected.every((f) => f.landed) && record.plan.faults.every((p) => injected.some((f) => f.index === p.index));
}
