/**
 * HTML report with Allure Report 3 (the `allure` npm package: no Java). Runs
 * its CLI from node_modules with a generated config that carries our
 * categories (Awesome reads them from the config, not from categories.json)
 * and, optionally, a history file for nightly trends. Several results dirs
 * merge into one report (how `--shard I/N` runs come together). The page's
 * third-party analytics are removed (self-contained.ts).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { execa } from 'execa';
import { EnvironmentError, UsageError } from '../common/errors.js';
import { redact } from '../common/redact.js';
import { CATEGORIES } from './allure/mapping.js';
import { stripAnalytics } from './self-contained.js';

export const DEFAULT_RESULTS_DIR = 'out/allure-results';
export const DEFAULT_REPORT_DIR = 'out/allure-report';

export interface HtmlReportOptions {
  resultsDirs: string[];
  outDir: string;
  /** one self-contained index.html (for CI artefacts) */
  singleFile?: boolean;
  reportName?: string;
  /** Allure 3 history file (JSONL); appended on every generation, feeds the trend views */
  historyPath?: string;
  /** generous: the first run of the CLI loads a lot of modules on a busy machine */
  timeoutMs?: number;
}

export interface HtmlReport {
  outDir: string;
  indexHtml: string;
  resultCount: number;
}

function allureCliPath(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('allure')), '..', 'cli.js');
}

/** Number of `*-result.json` files; a dir that does not exist or holds none is bad input. */
function countResults(dir: string): number {
  if (!existsSync(dir)) throw new UsageError(`results dir ${dir} does not exist`, { dir });
  if (!statSync(dir).isDirectory()) throw new UsageError(`results dir ${dir} is a file, not a folder`, { dir });
  const n = readdirSync(dir).filter((f) => f.endsWith('-result.json')).length;
  if (n === 0) throw new UsageError(`results dir ${dir} holds no Allure results (*-result.json); run \`rekey-chaos run\` first`, { dir });
  return n;
}

function writeConfig(options: HtmlReportOptions, outDir: string): { path: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'rekey-chaos-allurerc-'));
  const config = {
    name: options.reportName ?? 'rekey-chaos: Vault rekey',
    output: outDir,
    ...(options.historyPath ? { historyPath: resolve(options.historyPath) } : {}),
    plugins: { awesome: { options: { singleFile: options.singleFile ?? false, reportName: options.reportName ?? 'rekey-chaos: Vault rekey' } } },
    categories: CATEGORIES.map((c) => ({ name: c.name, matchedStatuses: c.matchedStatuses, messageRegex: String(c.messageRegex) })),
  };
  const path = join(dir, 'allurerc.json');
  writeFileSync(path, JSON.stringify(config, null, 2));
  return { path, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function generateHtmlReport(options: HtmlReportOptions): Promise<HtmlReport> {
  if (options.resultsDirs.length === 0) throw new UsageError('no results dirs given');
  const resultsDirs = options.resultsDirs.map((d) => resolve(d));
  const resultCount = resultsDirs.reduce((n, d) => n + countResults(d), 0);
  const outDir = resolve(options.outDir);
  const config = writeConfig(options, outDir);
  try {
    const proc = await execa(process.execPath, [allureCliPath(), 'generate', ...resultsDirs, '--config', config.path, '--output', outDir], {
      reject: false,
      all: true,
      env: { NO_COLOR: '1', FORCE_COLOR: '0' },
      timeout: options.timeoutMs ?? 180_000,
    });
    const indexHtml = join(outDir, 'index.html');
    if (proc.exitCode !== 0 || !existsSync(indexHtml)) {
      const tail = (proc.all ?? '').split('\n').slice(-15).join('\n');
      throw new EnvironmentError(`allure generate failed (exit ${proc.exitCode ?? proc.signal ?? '?'}): ${redact(tail)}`, { resultsDirs, outDir });
    }
    const page = stripAnalytics(readFileSync(indexHtml, 'utf8'));
    if (page.removed > 0) writeFileSync(indexHtml, page.html);
    return { outDir, indexHtml, resultCount };
  } finally {
    config.cleanup();
  }
}
