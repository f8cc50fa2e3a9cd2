/**
 * The one exit-code policy of every rekey-chaos command (docs/cli.md, "Exit
 * codes"). Outcomes of iterations map here (`exitCodeForOutcome(s)`), typed
 * errors carry a code from EXIT (common/errors.ts) and `exitCodeOf` there maps
 * any thrown value with this table; nothing else decides an exit code.
 *
 *  - 0 pass: everything ran and nothing failed;
 *  - 1 the system under test was not shown correct: an invariant failed, the
 *    rekey timed out, or a fault did not land where it aimed (`not-hit`: the
 *    iteration tested something other than what it claims, so it is never a
 *    pass);
 *  - 2 bad input: nothing was run;
 *  - 3 the environment broke (a cluster did not come up, also not in time; a
 *    tool is missing): nothing could be judged;
 *  - 70 a bug in rekey-chaos itself (sysexits' EX_SOFTWARE): an error no part
 *    of the harness meant to throw. Kept apart from 3 so a harness crash is
 *    never mistaken for a flaky machine, and its stack is printed.
 *  - 128+N a command ended by signal N (common/stop-signals.ts, signalExitCode).
 * A finding outweighs a broken environment: 1 wins over 3.
 */
import type { Outcome } from './record.js';

export const EXIT = { pass: 0, failure: 1, badInput: 2, environment: 3, harnessBug: 70 } as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The codes a run's outcomes can produce. */
export type OutcomeExitCode = typeof EXIT.pass | typeof EXIT.failure | typeof EXIT.environment;

/** What one iteration's outcome says about the run. */
export function exitCodeForOutcome(outcome: Outcome): OutcomeExitCode {
  switch (outcome) {
    case 'passed':
      return EXIT.pass;
    case 'failed':
    case 'timeout':
    case 'not-hit':
      return EXIT.failure;
    case 'environment-error':
      return EXIT.environment;
  }
}

/** The exit code of a run (or a recheck) from its outcome counts. */
export function exitCodeForOutcomes(counts: Readonly<Partial<Record<Outcome, number>>>): OutcomeExitCode {
  const codes = (Object.entries(counts) as [Outcome, number | undefined][]).filter(([, n]) => (n ?? 0) > 0).map(([o]) => exitCodeForOutcome(o));
  if (codes.includes(EXIT.failure)) return EXIT.failure;
  if (codes.includes(EXIT.environment)) return EXIT.environment;
  return EXIT.pass;
}

/** An outcome that makes its command exit non-zero. */
export function isFailingOutcome(outcome: Outcome): boolean {
  return exitCodeForOutcome(outcome) !== EXIT.pass;
}
