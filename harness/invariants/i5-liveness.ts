/**
 * I5 liveness (docs/invariants.md): the procedure completes within the
 * scenario's timeout after the last fault (or after the request when no
 * fault was applied). Where the runner stopped waiting early because nothing
 * moved (stall detection, opt-in), the failure says so instead of claiming the bound passed.
 */
import type { InvariantResult, RunRecord } from '../../common/record.js';
import { failed, passed } from './evidence.js';

export function lastFaultAt(record: RunRecord): number | undefined {
  let last: number | undefined;
  for (const f of record.faults) if (f.index >= 0 && f.appliedAt !== undefined && (last === undefined || f.appliedAt > last)) last = f.appliedAt;
  return last;
}

export function checkI5(record: RunRecord): InvariantResult {
  const lastFault = lastFaultAt(record);
  const from = lastFault ?? record.requestedAt;
  // The runner's own completion bound (harness/run/completion.ts): the scaled timeout plus the
  // recorded allowance for un-scaled process restarts (absent in older records: none).
  const bound = record.plan.timeoutMs + (record.completionAllowanceMs ?? 0);
  const evidence = { requestedAt: record.requestedAt, lastFaultAt: lastFault, completedAt: record.completedAt, timeoutMs: record.plan.timeoutMs, allowanceMs: record.completionAllowanceMs ?? 0, boundMs: bound };
  if (from === undefined) return failed('I5', 'the rekey was never requested', evidence);
  const deadline = from + bound;
  if (record.completedAt === undefined && record.stalled) {
    // The wait was cut short (harness/run/stall.ts): say so, with the quiet time that justified it.
    const { at, lastProgressAt, quietMs } = record.stalled;
    return failed(
      'I5',
      `the rekey stalled: nothing moved for ${Math.round(at - lastProgressAt)} ms (no milestone, Vault event, fault or pod change; every container running, no fault due), so the wait stopped ${Math.max(0, Math.round(deadline - at))} ms before the ${bound} ms bound (stall detection: ${quietMs} ms)`,
      { ...evidence, stalledAt: at, lastProgressAt, stallQuietMs: quietMs },
      at,
    );
  }
  if (record.completedAt === undefined) {
    return failed('I5', `the rekey did not complete within ${bound} ms after the ${lastFault === undefined ? 'request' : 'last fault'}`, evidence, deadline);
  }
  if (record.requestedAt !== undefined && record.completedAt < record.requestedAt) {
    // Only a damaged or hand-edited record can say this; it proves nothing about liveness.
    return failed('I5', `the record is inconsistent: completed ${Math.round(record.requestedAt - record.completedAt)} ms before the request`, evidence, record.completedAt);
  }
  const took = Math.round(record.completedAt - from);
  if (record.completedAt > deadline) {
    return failed('I5', `completed ${took} ms after the ${lastFault === undefined ? 'request' : 'last fault'}, beyond the ${bound} ms bound`, { ...evidence, tookMs: took }, deadline);
  }
  return passed('I5', `completed ${took} ms after the ${lastFault === undefined ? 'request' : 'last fault'} (bound ${bound} ms)`, { ...evidence, tookMs: took });
}
