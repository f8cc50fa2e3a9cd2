/** Helpers for the report tests: temp dirs, reading Allure results back, headless Chromium. */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import type { TestResult } from 'allure-js-commons';
import type { RunRecord } from '../../common/record.js';
import { createAllureSink } from '../../reports/allure/sink.js';

export function tempDir(prefix: string): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), `rekey-chaos-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export function writeResults(resultsDir: string, items: { record: RunRecord; runDir: string }[]): void {
  const sink = createAllureSink({ resultsDir, environment: { suite: 'test/reports' } });
  sink.runStarted({ total: items.length, backend: 'embedded', manager: 'reference' });
  for (const { record, runDir } of items) sink.iterationFinished(record, runDir);
  sink.runFinished();
}

export function readResults(resultsDir: string): TestResult[] {
  return readdirSync(resultsDir)
    .filter((f) => f.endsWith('-result.json'))
    .map((f) => JSON.parse(readFileSync(join(resultsDir, f), 'utf8')) as TestResult);
}

/** Debian's `chromium`, when installed. */
export async function findChromium(): Promise<string | undefined> {
  for (const name of ['chromium', 'chromium-browser']) {
    const r = await execa('sh', ['-c', `command -v ${name}`], { reject: false });
    if (r.exitCode === 0 && r.stdout.trim()) return r.stdout.trim();
  }
  return undefined;
}

/**
 * Loads `url` in headless Chromium and returns the DOM after the page's
 * scripts ran (`--virtual-time-budget` lets the SPA fetch and render before
 * the dump). Generous deadline: two cores are shared by many suites.
 */
export async function dumpDom(chromium: string, url: string, userDataDir: string, budgetMs = 15_000): Promise<string> {
  const args = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-dev-shm-usage',
    `--user-data-dir=${userDataDir}`,
    `--virtual-time-budget=${budgetMs}`,
    '--dump-dom',
    url,
  ];
  const r = await execa(chromium, args, { reject: false, timeout: 120_000, forceKillAfterDelay: 2000, maxBuffer: 256 * 1024 * 1024 });
  if (r.exitCode !== 0 && !r.stdout) throw new Error(`chromium failed (exit ${r.exitCode}, signal ${r.signal}): ${r.stderr.split('\n').slice(-5).join('\n')}`);
  return r.stdout;
}

export function htmlUnescape(text: string): string {
  return text.replace(/&(lt|gt|quot|#39|apos|amp);/g, (_, e: string) => ({ lt: '<', gt: '>', quot: '"', '#39': "'", apos: "'", amp: '&' })[e]!);
}

/** Visible text of an HTML document (scripts and styles dropped, tags stripped). */
export function visibleText(html: string): string {
  return htmlUnescape(
    html
      .replace(/<script[\s\S]*?<\/script>/g, ' ')
      .replace(/<style[\s\S]*?<\/style>/g, ' ')
      .replace(/<[^>]+>/g, ' '),
  ).replace(/\s+/g, ' ');
}

/**
 * Dumps the DOM until `rendered(dom)` holds: on a loaded machine the SPA can
 * be caught mid-render (list page before the route applies), so a dump that
 * is not there yet is retried with a doubled virtual-time budget. Returns the
 * last dump either way; the caller's assertions say what was missing.
 */
export async function dumpRenderedDom(chromium: string, url: string, userDataDir: string, rendered: (dom: string) => boolean, attempts = 3): Promise<string> {
  let dom = '';
  for (let i = 0, budget = 15_000; i < attempts; i++, budget *= 2) {
    dom = await dumpDom(chromium, url, userDataDir, budget);
    if (rendered(dom)) break;
  }
  return dom;
}
