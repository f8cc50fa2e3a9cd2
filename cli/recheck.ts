/**
 * `rekey-chaos recheck RUN_DIR` (docs/cli.md): re-runs every invariant on
 * saved run records with no cluster, so a checker fix can be re-applied to
 * old failures. One line per invariant and the outcome per record; the exit
 * code is the one `run` gives for the same outcomes (common/exit-code.ts), 2
 * for a missing or malformed record.
 */
import type { Command } from 'commander';
import { relative } from 'node:path';
import type { Outcome, RunRecord } from '../common/record.js';
import { exitCodeForOutcomes, isFailingOutcome, type OutcomeExitCode } from '../common/exit-code.js';
import { redact } from '../common/redact.js';
import { checkRecord } from '../harness/invariants/index.js';
import { findRecordFiles, loadRecord } from '../harness/invariants/load-record.js';
import { UsageError } from '../common/errors.js';
import { checkReadablePath } from './paths.js';

export interface RecheckResult {
  file: string;
  record: RunRecord;
  recordedOutcome: Outcome;
}

/** Loads and re-checks every record under `dir`; all are loaded (and validated) before any is reported. */
export async function recheck(dir: string): Promise<RecheckResult[]> {
  // A device, a pipe or /proc is refused before the walk: reading one blocks, never ends, or races the kernel.
  checkReadablePath('RUN_DIR', dir);
  const files = await findRecordFiles(dir).catch((err: unknown) => {
    if (err instanceof UsageError || typeof (err as NodeJS.ErrnoException).code !== 'string') throw err;
    throw new UsageError(`RUN_DIR ${dir}: cannot be read (${(err as NodeJS.ErrnoException).code}: ${(err as Error).message})`, { dir });
  });
  const loaded = await Promise.all(files.map(async (file) => ({ file, record: await loadRecord(file) })));
  return loaded.map(({ file, record }) => ({ file, record: checkRecord(record), recordedOutcome: record.outcome }));
}

/** The exit code of a recheck: the rechecked outcomes counted as a run counts them. */
export function recheckExitCode(results: readonly RecheckResult[]): OutcomeExitCode {
  const counts: Partial<Record<Outcome, number>> = {};
  for (const { record } of results) counts[record.outcome] = (counts[record.outcome] ?? 0) + 1;
  return exitCodeForOutcomes(counts);
}

/** An instant as ISO text; a record may carry one no Date can hold (it is shown as the number it is). */
function instant(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? `${ms} ms (not a valid instant)` : date.toISOString();
}

export function formatRecheck(results: RecheckResult[], baseDir: string): string {
  const lines: string[] = [];
  for (const { file, record, recordedOutcome } of results) {
    const where = relative(baseDir, file) || file;
    lines.push(`${record.scenario.id} iteration ${record.plan.iteration} (run ${record.runId}, ${where})`);
    for (const r of record.invariants) {
      const at = r.at === undefined ? '' : ` at ${instant(r.at)}`;
      lines.push(`  ${r.id} ${r.status.padEnd(7)} ${r.message}${at}`);
    }
    const changed = recordedOutcome !== record.outcome ? ` (recorded: ${recordedOutcome})` : '';
    lines.push(`  outcome: ${record.outcome}${changed}`);
  }
  const failing = results.filter((r) => isFailingOutcome(r.record.outcome)).length;
  lines.push(`${results.length} record(s) rechecked, ${failing} failing`);
  return redact(lines.join('\n')) + '\n';
}

export function registerRecheckCommand(program: Command): void {
  program
    .command('recheck')
    .description('re-run every invariant on saved run records (a run dir, or a parent of run dirs) without a cluster')
    .argument('<RUN_DIR>', 'a run directory holding record.json, or a directory of run directories')
    .option('--json', 'print the rechecked results as JSON')
    .action(async (dir: string, options: { json?: boolean }) => {
      const results = await recheck(dir);
      if (options.json) {
        const out = results.map(({ file, record, recordedOutcome }) => ({ file, runId: record.runId, scenario: record.scenario.id, outcome: record.outcome, recordedOutcome, invariants: record.invariants }));
        process.stdout.write(redact(JSON.stringify(out, null, 2)) + '\n');
      } else {
        process.stdout.write(formatRecheck(results, dir));
      }
      process.exitCode = recheckExitCode(results);
    });
}
