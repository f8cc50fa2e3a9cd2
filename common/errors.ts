/**
 * Typed errors shared by every part of rekey-chaos. Each carries the CLI exit
 * code it maps to (see docs/cli.md, "Exit codes") and a context object, so a caller
 * can report *what* failed and *where* without parsing messages.
 */
export type ExitCode = 0 | 1 | 2 | 3;

export class RekeyChaosError extends Error {
  readonly exitCode: ExitCode;
  readonly context: Record<string, unknown>;
  constructor(message: string, exitCode: ExitCode, context: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.exitCode = exitCode;
    this.context = context;
  }
}

/** Bad usage: unknown option, unknown scenario id. Nothing was run (exit 2). */
export class UsageError extends RekeyChaosError {
  constructor(message: string, context: Record<string, unknown> = {}) {
    super(message, 2, context);
  }
}

/** A malformed scenario file. The message reads `file:line: field: what is wrong` (exit 2). */
export class ScenarioError extends RekeyChaosError {
  readonly file: string;
  readonly line: number;
  readonly field: string;
  constructor(file: string, line: number, field: string, problem: string) {
    super(`${file}:${line}: ${field}: ${problem}`, 2, { file, line, field });
    this.file = file;
    this.line = line;
    this.field = field;
  }
}

/** The environment failed: a cluster could not start, a tool is missing, an API is unreachable (exit 3). */
export class EnvironmentError extends RekeyChaosError {
  constructor(message: string, context: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, 3, context, options);
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

/** Something did not happen in time. `what` names the awaited condition. */
export class TimeoutError extends RekeyChaosError {
  readonly what: string;
  readonly ms: number;
  constructor(what: string, ms: number, context: Record<string, unknown> = {}) {
    super(`timed out after ${ms} ms waiting for ${what}`, 1, { ...context, what, ms });
    this.what = what;
    this.ms = ms;
  }
}

export function exitCodeOf(err: unknown): ExitCode {
  return err instanceof RekeyChaosError ? err.exitCode : 3;
}
