/**
 * `rekey-chaos recheck RUN_DIR` (docs/cli.md): re-runs every invariant on
 * saved run records with no cluster, so a checker fix can be re-applied to
 * old failures. One line per invariant and the outcome per record; exit 0
 * when every record passes (or was not hit), 1 when any failed, timed out or
 * had an environment error, 2 for a missing or malformed record.
 */
import type { Command } from 'commander';
import { relative } from 'node:path';
import type { Outcome, RunRecord } from '../common/record.js';
import { redact } from '../common/redact.js';
import { checkRecord } from '../harness/invariants/index.js';
import { findRecordFiles, loadRecord } from '../harness/invariants/load-record.js';

export interface RecheckResult {
  file: string;
  record: RunRecord;
  recordedOutcome: Outcome;
}

/** Loads and re-checks every record under `dir`; all are loaded (and validated) before any is reported. */
export async function recheck(dir: string): Promise<RecheckResult[]> {
  const files = await findRecordFiles(dir);
  const loaded = await Promise.all(files.map(async (file) => ({ file, record: await loadRecord(file) })));
  return loaded.map(({ file, record }) => ({ file, record: checkRecord(record), recordedOutcome: record.outcome }));
}

export function isFailingOutcome(outcome: Outcome): boolean {
  return outcome === 'failed' || outcome === 'timeout' || outcome === 'environment-error';
}

export function formatRecheck(results: RecheckResult[], baseDir: string): string {
  const lines: string[] = [];
  for (const { file, record, recordedOutcome } of results) {
    const where = relative(baseDir, file) || file;
    lines.push(`${record.scenario.id} iteration ${record.plan.iteration} (run ${record.runId}, ${where})`);
    for (const r of record.invariants) {
      const at = r.at === undefined ? '' : ` at ${new Date(r.at).toISOString()}`;
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
      process.exitCode = results.some((r) => isFailingOutcome(r.record.outcome)) ? 1 : 0;
    });
}
