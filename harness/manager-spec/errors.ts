/**
 * Errors of the manager spec: every one is bad input (exit 2) and reads as a
 * single line, so the CLI can print it as it is.
 */
import { RekeyChaosError } from '../../common/errors.js';

/**
 * The built-in renderer met a template construct outside the subset it
 * implements. It never guesses: the message names the construct, and
 * installing helm is the way out.
 */
export class UnsupportedTemplateError extends RekeyChaosError {
  readonly file: string;
  readonly line: number;
  readonly construct: string;
  constructor(file: string, line: number, construct: string) {
    super(`${file}:${line}: unsupported template construct ${construct}`, 2, { file, line, construct });
    this.file = file;
    this.line = line;
    this.construct = construct;
  }
}

/** A supported construct failed while rendering (a field of nil, a wrong argument type, a template syntax error). */
export class TemplateRenderError extends RekeyChaosError {
  readonly file: string;
  readonly line: number;
  constructor(file: string, line: number, problem: string) {
    super(`${file}:${line}: ${problem}`, 2, { file, line });
    this.file = file;
    this.line = line;
  }
}

/** `helm template` refused the chart; the message carries helm's own error line. */
export class HelmTemplateError extends RekeyChaosError {
  readonly stderr: string;
  constructor(chartDir: string, helmLine: string, stderr: string, exitCode: number | undefined) {
    super(`helm template ${chartDir} failed: ${helmLine}`, 2, { chartDir, helmExitCode: exitCode });
    this.stderr = stderr;
  }
}
