/**
 * How a command's failure reaches the user: the exit code from the one
 * policy (common/exit-code.ts) and what goes to stderr. Bad input, a broken
 * environment and other typed errors are their redacted message, never a stack: a
 * user who mistyped an option must see what to fix, not our internals. Any
 * other error is a bug in rekey-chaos: its stack is printed (redacted, since
 * a bug may have caught a secret in its message) and the code is 70, so CI
 * tells a harness crash from a flaky machine.
 */
import { CommanderError } from 'commander';
import { EXIT, type ExitCode } from '../common/exit-code.js';
import { exitCodeOf, isHarnessBug } from '../common/errors.js';
import { redact } from '../common/redact.js';

export function commandExitCode(err: unknown, writeErr: (text: string) => void): ExitCode {
  if (err instanceof CommanderError) {
    // commander has printed its own message; --help and --version exit 0, every other commander error is bad usage.
    return err.exitCode === 0 ? EXIT.pass : EXIT.badInput;
  }
  if (isHarnessBug(err)) {
    const detail = err instanceof Error ? (err.stack ?? `${err.name}: ${err.message}`) : `thrown value: ${String(err)}`;
    writeErr(`rekey-chaos: internal error (a bug in rekey-chaos, exit ${EXIT.harnessBug}; please report it with this trace):\n${redact(detail)}\n`);
    return EXIT.harnessBug;
  }
  writeErr(`rekey-chaos: ${redact((err as Error).message)}\n`);
  return exitCodeOf(err);
}

/**
 * The code a command that finished without throwing asked for through
 * process.exitCode (a run's outcomes, a foreground `cluster up` stopped by a
 * signal); 0 when it set none.
 */
export function requestedExitCode(value: string | number | null | undefined): number {
  if (value === undefined || value === null) return EXIT.pass;
  const code = Number(value);
  return Number.isInteger(code) && code >= 0 && code <= 255 ? code : EXIT.harnessBug;
}
