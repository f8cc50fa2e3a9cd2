/**
 * The exit code of a run from its outcome counts (docs/cli.md, exit codes):
 *  - 1 when the system under test was not shown correct: an invariant
 *    failed, the rekey timed out, or a fault did not land where it aimed
 *    (`not-hit`: the iteration tested something other than what it claims,
 *    so it is never a pass);
 *  - else 3 when the environment broke (nothing could be judged);
 *  - else 0: every iteration passed.
 * A finding outweighs a broken environment: 1 wins over 3.
 */
import type { Outcome } from './record.js';

export type ExitCode = 0 | 1 | 3;

export function exitCodeForOutcomes(counts: Readonly<Partial<Record<Outcome, number>>>): ExitCode {
  const n = (o: Outcome) => counts[o] ?? 0;
  if (n('failed') > 0 || n('timeout') > 0 || n('not-hit') > 0) return 1;
  if (n('environment-error') > 0) return 3;
  return 0;
}
