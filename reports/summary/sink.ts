/**
 * The summary `ResultSink`: collects every finished record and, when the run
 * ends, prints the terminal summary and writes `summary.json` and
 * `junit.xml` (default folder `out/`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResultSink, RunRecord } from '../../common/record.js';
import { renderJunit } from './junit.js';
import { summarize, type RunSummary } from './summarize.js';
import { formatSummary } from './terminal.js';

export const DEFAULT_SUMMARY_DIR = 'out';

export interface SummaryFiles {
  summaryJson: string;
  junitXml: string;
  summary: RunSummary;
}

/** Writes summary.json and junit.xml for `records` into `outDir`. */
export function writeSummaryFiles(records: RunRecord[], outDir: string = DEFAULT_SUMMARY_DIR): SummaryFiles {
  mkdirSync(outDir, { recursive: true });
  const summary = summarize(records);
  const summaryJson = join(outDir, 'summary.json');
  const junitXml = join(outDir, 'junit.xml');
  writeFileSync(summaryJson, JSON.stringify(summary, null, 2) + '\n');
  writeFileSync(junitXml, renderJunit(records));
  return { summaryJson, junitXml, summary };
}

export interface SummarySinkOptions {
  /** folder for summary.json and junit.xml; default out */
  outDir?: string;
  /** where the terminal summary goes; default stdout */
  print?: (text: string) => void;
}

export class SummarySink implements ResultSink {
  readonly records: RunRecord[] = [];
  /** set when the run finished: what was written */
  files?: SummaryFiles;

  constructor(private readonly options: SummarySinkOptions = {}) {}

  iterationFinished(record: RunRecord): void {
    this.records.push(record);
  }

  runFinished(): void {
    this.files = writeSummaryFiles(this.records, this.options.outDir ?? DEFAULT_SUMMARY_DIR);
    const print = this.options.print ?? ((text: string) => process.stdout.write(text));
    print(formatSummary(this.files.summary));
    print(`summary: ${this.files.summaryJson}\njunit: ${this.files.junitXml}\n`);
  }
}

export function createSummarySink(options: SummarySinkOptions = {}): SummarySink {
  return new SummarySink(options);
}
