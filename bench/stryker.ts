/**
 * Stryker's mutation score over the reference manager (stryker.config.mjs): the share of small
 * code changes in manager/ that the model-based unit tests notice. Read from Stryker's JSON
 * report (the mutation-testing-report-schema: files → mutants → status), never from its
 * terminal output, so the bench figure and the HTML report always agree.
 */
import { readFile } from 'node:fs/promises';
import { stripVTControlCharacters } from 'node:util';
import { execa } from 'execa';
import { MeasurementError } from './errors.js';
import type { BenchReport } from './report.js';

export const STRYKER_FIGURE = 'stryker_score_manager';
/** Where stryker.config.mjs's json reporter writes. */
export const STRYKER_REPORT_PATH = 'out/stryker/mutation.json';

const STATUSES = ['Killed', 'Survived', 'NoCoverage', 'Timeout', 'CompileError', 'RuntimeError', 'Ignored', 'Pending'] as const;
export type MutantStatus = (typeof STATUSES)[number];

/** A mutant the tests did not notice: where it is and what was changed. */
export interface UndetectedMutant {
  file: string;
  line: number;
  column: number;
  mutator: string;
  /** the code that replaced the original, when the report carries it */
  replacement?: string;
  status: 'Survived' | 'NoCoverage';
}

export interface StrykerSummary {
  /** detected (killed + timeout) / valid (detected + survived + no coverage), in %. */
  score_pct: number;
  killed: number;
  survived: number;
  timeout: number;
  no_coverage: number;
  /** mutants that did not compile or crashed the runner: not in the score, as in Stryker's own */
  errors: number;
  ignored: number;
  total: number;
  report: string;
  undetected: UndetectedMutant[];
}

/** The report is missing, is not a Stryker report, or describes an unfinished or empty run. */
export class StrykerReportError extends MeasurementError {
  readonly report: string;
  constructor(report: string, problem: string, context: Record<string, unknown> = {}) {
    super(STRYKER_FIGURE, `${report}: ${problem}`, { ...context, report });
    this.report = report;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function lineAndColumn(location: unknown): { line: number; column: number } | undefined {
  if (!isRecord(location) || !isRecord(location.start)) return undefined;
  const { line, column } = location.start;
  return Number.isInteger(line) && Number.isInteger(column) ? { line: line as number, column: column as number } : undefined;
}

/** Counts the statuses of every mutant of every file; anything off-schema is a StrykerReportError naming where. */
export function summarizeStrykerReport(json: unknown, report: string): StrykerSummary {
  if (!isRecord(json) || !isRecord(json.files)) throw new StrykerReportError(report, 'no "files" object: not a mutation-testing report');
  const counts = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<MutantStatus, number>;
  const undetected: UndetectedMutant[] = [];
  for (const [file, entry] of Object.entries(json.files)) {
    if (!isRecord(entry) || !Array.isArray(entry.mutants)) throw new StrykerReportError(report, `files["${file}"] has no "mutants" array`, { file });
    entry.mutants.forEach((mutant: unknown, i: number) => {
      const where = `files["${file}"].mutants[${i}]`;
      if (!isRecord(mutant)) throw new StrykerReportError(report, `${where} is not an object`, { file });
      const status = mutant.status;
      if (typeof status !== 'string' || !(STATUSES as readonly string[]).includes(status)) {
        throw new StrykerReportError(report, `${where}.status ${JSON.stringify(status)} is not a mutant status (${STATUSES.join(', ')})`, { file });
      }
      const at = lineAndColumn(mutant.location);
      if (!at) throw new StrykerReportError(report, `${where}.location has no start line and column`, { file });
      counts[status as MutantStatus]++;
      if (status === 'Survived' || status === 'NoCoverage') {
        const mutator = typeof mutant.mutatorName === 'string' ? mutant.mutatorName : 'unknown';
        const replacement = typeof mutant.replacement === 'string' ? mutant.replacement : undefined;
        undetected.push({ file, ...at, mutator, ...(replacement !== undefined ? { replacement } : {}), status });
      }
    });
  }
  if (counts.Pending > 0) throw new StrykerReportError(report, `${counts.Pending} mutant(s) still pending: the run did not finish`);
  const detected = counts.Killed + counts.Timeout;
  const valid = detected + counts.Survived + counts.NoCoverage;
  if (valid === 0) throw new StrykerReportError(report, 'no mutant was tested, so there is no score');
  return {
    score_pct: Math.round((detected / valid) * 10_000) / 100,
    killed: counts.Killed,
    survived: counts.Survived,
    timeout: counts.Timeout,
    no_coverage: counts.NoCoverage,
    errors: counts.CompileError + counts.RuntimeError,
    ignored: counts.Ignored,
    total: STATUSES.reduce((sum, s) => sum + counts[s], 0),
    report,
    undetected: undetected.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column),
  };
}

export async function readStrykerReport(report = STRYKER_REPORT_PATH): Promise<StrykerSummary> {
  let text: string;
  try {
    text = await readFile(report, 'utf8');
  } catch (err) {
    throw new StrykerReportError(report, `cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); run \`npm run mutation:manager\` first`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new StrykerReportError(report, `is not JSON (${(err as Error).message})`);
  }
  return summarizeStrykerReport(json, report);
}

/**
 * Runs Stryker with stryker.config.mjs (tens of minutes: see its header) and reads the report
 * it writes. Its progress goes to `log`; a run that fails is a MeasurementError, not a score.
 */
export async function runStryker(signal: AbortSignal, log: (line: string) => void): Promise<StrykerSummary> {
  log('stryker: mutation testing manager/ against the model-based unit tests (stryker.config.mjs)');
  const child = execa('node', ['node_modules/@stryker-mutator/core/bin/stryker.js', 'run', 'stryker.config.mjs'], { cancelSignal: signal, reject: false, all: true, buffer: false });
  for await (const line of child.iterable({ from: 'all' })) log(`stryker: ${stripVTControlCharacters(line)}`);
  const result = await child;
  if (result.exitCode !== 0) throw new MeasurementError(STRYKER_FIGURE, `stryker exited ${result.exitCode ?? result.signal}`, { exitCode: result.exitCode });
  return readStrykerReport(STRYKER_REPORT_PATH);
}

/** Puts the figure and its counts into a bench report. */
export function recordStryker(report: BenchReport, s: StrykerSummary): void {
  report.stryker_score_manager = s.score_pct;
  report.stryker = {
    description: 'StrykerJS over manager/ (scope and run counts: stryker.config.mjs) against test/manager/model-based.unit.test.ts; score = (killed + timeout) / (killed + timeout + survived + no coverage)',
    ...s,
  };
}

/** One line for the terminal. */
export function describeStryker(s: StrykerSummary): string {
  return `Stryker over manager/: score ${s.score_pct}% (${s.killed} killed, ${s.timeout} timeout, ${s.survived} survived, ${s.no_coverage} no coverage; ${s.ignored} ignored, ${s.errors} errors) — ${s.report.replace(/\.json$/, '.html')}`;
}

