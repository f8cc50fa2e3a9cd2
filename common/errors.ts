/**
 * Typed errors shared by every part of rekey-chaos. Each carries the CLI exit
 * code it maps to (common/exit-code.ts, the one policy; docs/cli.md, "Exit
 * codes") and a context object, so a caller can report *what* failed and
 * *where* without parsing messages.
 */
import { EXIT, type ExitCode } from './exit-code.js';

export type { ExitCode } from './exit-code.js';

/** The codes a typed error may carry: a thrown error never means "pass", and a harness bug is untyped by definition. */
export type ErrorExitCode = typeof EXIT.failure | typeof EXIT.badInput | typeof EXIT.environment;

export class RekeyChaosError extends Error {
  readonly exitCode: ErrorExitCode;
  readonly context: Record<string, unknown>;
  constructor(message: string, exitCode: ErrorExitCode, context: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.exitCode = exitCode;
    this.context = context;
  }
}

/** Bad usage: unknown option, unknown scenario id. Nothing was run (exit 2). */
export class UsageError extends RekeyChaosError {
  constructor(message: string, context: Record<string, unknown> = {}) {
    super(message, EXIT.badInput, context);
  }
}

/** A malformed scenario file. The message reads `file:line: field: what is wrong` (exit 2). */
export class ScenarioError extends RekeyChaosError {
  readonly file: string;
  readonly line: number;
  readonly field: string;
  constructor(file: string, line: number, field: string, problem: string) {
    super(`${file}:${line}: ${field}: ${problem}`, EXIT.badInput, { file, line, field });
    this.file = file;
    this.line = line;
    this.field = field;
  }
}

/** The environment failed: a cluster could not start, a tool is missing, an API is unreachable (exit 3). */
export class EnvironmentError extends RekeyChaosError {
  constructor(message: string, context: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, EXIT.environment, context, options);
  }
}

/** A required external executable (kind, helm, docker, kubectl) is not installed (exit 3). */
export class ToolMissingError extends EnvironmentError {
  readonly tool: string;
  constructor(tool: string, howToInstall: string) {
    super(`${tool} not found on PATH: ${howToInstall}`, { tool });
    this.tool = tool;
  }
}

/**
 * Something did not happen in time. `what` names the awaited condition.
 * Thrown, it is the environment's failure (exit 3): a manager's slowness is
 * judged as an iteration's `timeout` outcome in its record, never thrown up to
 * a command, so a TimeoutError that reaches one is a cluster that did not come
 * up (or answer) in time.
 */
export class TimeoutError extends RekeyChaosError {
  readonly what: string;
  readonly ms: number;
  constructor(what: string, ms: number, context: Record<string, unknown> = {}) {
    super(`timed out after ${ms} ms waiting for ${what}`, EXIT.environment, { ...context, what, ms });
    this.what = what;
    this.ms = ms;
  }
}

/** Whether `err` is one the harness meant to throw; anything else is a bug in rekey-chaos. */
export function isHarnessBug(err: unknown): boolean {
  return !(err instanceof RekeyChaosError);
}

/** The exit code of a thrown value: a typed error's own, else EXIT.harnessBug (70). */
export function exitCodeOf(err: unknown): ExitCode {
  return err instanceof RekeyChaosError ? err.exitCode : EXIT.harnessBug;
}
