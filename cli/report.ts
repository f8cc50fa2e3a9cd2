/**
 * `rekey-chaos report [--results DIR]… [--out DIR] [--single-file]` — the HTML
 * report (Allure Report 3) from one or more results dirs. Several `--results`
 * merge into one report (how `run --shard I/N` outputs come together).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { checkWritableDir, checkWritableFile } from './paths.js';
import { DEFAULT_REPORT_DIR, DEFAULT_RESULTS_DIR, generateHtmlReport } from '../reports/html.js';

interface ReportOptions {
  results?: string[];
  out: string;
  singleFile?: boolean;
  name?: string;
  history?: string | false;
}

/** A run's --out folder stands for its allure-results inside it, so `--results out-shard-1` works. */
function resultsDirOf(dir: string): string {
  const inner = path.join(dir, 'allure-results');
  return existsSync(inner) ? inner : dir;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description('HTML report (Allure 3) from Allure results; several --results merge into one report')
    .option('--results <dir>', `Allure results dir or a run's --out dir, repeatable (default ${DEFAULT_RESULTS_DIR})`, collect)
    .option('--out <dir>', 'where the report goes', DEFAULT_REPORT_DIR)
    .option('--single-file', 'one self-contained index.html (for CI artefacts)')
    .option('--name <name>', 'report title')
    .option('--history <file>', 'Allure history file for trends (default out/allure-history.jsonl)')
    .option('--no-history', 'do not read or append trend history')
    .action(async (opts: ReportOptions) => {
      checkWritableDir('--out', opts.out);
      if (typeof opts.history === 'string') checkWritableFile('--history', opts.history);
      const resultsDirs = (opts.results && opts.results.length > 0 ? opts.results : [DEFAULT_RESULTS_DIR]).map(resultsDirOf);
      const historyPath = opts.history === false ? undefined : (opts.history ?? 'out/allure-history.jsonl');
      const report = await generateHtmlReport({ resultsDirs, outDir: opts.out, singleFile: opts.singleFile === true, reportName: opts.name, historyPath });
      process.stdout.write(`report: ${report.indexHtml} (${report.resultCount} results from ${resultsDirs.length} dir${resultsDirs.length === 1 ? '' : 's'})\n`);
      process.stdout.write(`open it with: npx allure open ${report.outDir}${opts.singleFile ? `  (or open ${report.indexHtml} directly)` : ''}\n`);
    });
}
