/**
 * I6 clean log (docs/invariants.md; family F1): in a fault-free run
 * the manager logs no ERROR or WARNING line — except the one known warning
 * about the unimplemented stability pre-check, which the original matrix
 * ignores too.
 */
import type { InvariantResult, RunRecord } from '../../common/record.js';
import { failed, passed, skipped } from './evidence.js';

/** The matrix's one tolerated warning: the stability pre-check is not implemented. */
export function isKnownWarning(line: string): boolean {
  return /\bWARN(ING)?\b/.test(line) && /stabilit/i.test(line) && /(not|un)\s*implemented/i.test(line);
}

export function isFaultFree(record: RunRecord): boolean {
  return record.plan.faults.length === 0 && record.plan.afterCompletion.length === 0;
}

export function checkI6(record: RunRecord): InvariantResult {
  if (!isFaultFree(record)) return skipped('I6', 'applies to fault-free runs only');
  if (record.logsUnavailable !== undefined) return skipped('I6', `the manager's log was not collected: ${record.logsUnavailable}`);
  const problems = record.managerProblems.filter((line) => !isKnownWarning(line));
  if (problems.length > 0) {
    return failed('I6', `the manager logged ${problems.length} ERROR/WARNING line(s) in a fault-free run; first: ${problems[0]}`, { problems: problems.slice(0, 20), count: problems.length });
  }
  const ignored = record.managerProblems.length;
  return passed('I6', ignored ? `no ERROR/WARNING line besides ${ignored} known stability pre-check warning(s)` : 'no ERROR or WARNING line', { ignoredKnownWarnings: ignored });
}
