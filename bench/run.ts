/**
 * `npm run bench`: what the harness costs to run and what it catches, as
 * numbers. One embedded cluster on 127.49.0 serves every
 * measurement; out/bench/latest.json gets the figures, the terminal a
 * table with each figure against its target. A missed target is printed ✗
 * and is not an error; a figure that could not be measured exits 3.
 *
 *   npm run bench -- [--iterations N] [--milestones M] [--full] [--defect NAME…] [--out FILE] [--keep] [--stryker | --stryker-only]
 *   (BENCH_ITERATIONS / BENCH_MILESTONES set the same defaults)
 *
 * Stryker's score over manager/ (stryker_score_manager) takes tens of minutes, so it is measured
 * only when asked: --stryker runs it after the other measurements (the cluster is down by then,
 * so the two do not share the cores); --stryker-only (`npm run bench:stryker`) runs only it and
 * merges the figure into the report already in --out, keeping the figures of the last bench.
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { exitCodeOf, UsageError } from '../common/errors.js';
import { redact } from '../common/redact.js';
import { DEFECTS } from '../manager/defects/registry.js';
import { loadCatalog } from '../matrix/catalog.js';
import { defaultTimescale } from '../matrix/plan.js';
import { loadAverages, machineInfo } from './machine.js';
import { emptyFigures, formatDefects, formatFamilies, formatFigures, formatRss, writeReport, DEFAULT_REPORT_PATH, type BenchReport, readBenchReport } from './report.js';
import { measureAll, type BenchOptions } from './measure.js';
import { describeStryker, recordStryker, runStryker, STRYKER_FIGURE } from './stryker.js';

/** Whether Stryker runs: not at all, after the other measurements, or alone. */
type StrykerMode = 'no' | 'also' | 'only';

function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^[0-9]+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a positive integer`);
    return n;
  };
}

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!/^[0-9]+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < 1) throw new UsageError(`${name} must be a positive integer, got "${raw}"`);
  return n;
}

function parseOptions(argv: string[]): { options: BenchOptions; stryker: StrykerMode } {
  const program = new Command('bench')
    .description('benchmarks and self-validation figures of rekey-chaos')
    .option('--iterations <n>', 'iterations per family for the wall-time sample (≥ 10 for figures comparable with the targets)', positiveInt('--iterations'))
    .option('--milestones <n>', 'milestone scenarios sampled for the injection latency', positiveInt('--milestones'))
    .option('--full', 'measure the full standard matrix instead of extrapolating it (≈ the matrix\'s own run time)')
    .option('--defect <name>', 'only this defect in the mutation run (repeatable; the score is then partial)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--out <file>', 'where the JSON goes', DEFAULT_REPORT_PATH)
    .option('--keep', 'keep the cluster state dir and run records (printed at the end)')
    .option('--stryker', 'also measure stryker_score_manager: StrykerJS over manager/ (tens of minutes)')
    .option('--stryker-only', 'measure only stryker_score_manager and merge it into the report in --out')
    .exitOverride()
    .parse(argv, { from: 'user' });
  const o = program.opts<{ iterations?: number; milestones?: number; full?: boolean; defect: string[]; out: string; keep?: boolean; stryker?: boolean; strykerOnly?: boolean }>();
  if (o.stryker && o.strykerOnly) throw new UsageError('--stryker and --stryker-only exclude each other');
  const known = DEFECTS.map((d) => d.name);
  for (const d of o.defect) if (!known.includes(d)) throw new UsageError(`unknown defect ${d} (known: ${known.join(', ')})`);
  const options: BenchOptions = {
    iterations: o.iterations ?? envInt('BENCH_ITERATIONS', 10),
    milestones: o.milestones ?? envInt('BENCH_MILESTONES', 12),
    full: o.full ?? false,
    defects: o.defect.length > 0 ? o.defect : known,
    out: o.out,
    keep: o.keep ?? false,
    timescale: defaultTimescale('embedded'),
  };
  return { options, stryker: o.strykerOnly ? 'only' : o.stryker ? 'also' : 'no' };
}

/** `--stryker-only`: Stryker's figure merged into the last bench report (or a report of its own). */
async function strykerOnly(options: BenchOptions, log: (line: string) => void, signal: AbortSignal): Promise<number> {
  const report: BenchReport = (await readBenchReport(options.out, STRYKER_FIGURE)) ?? { ...emptyFigures(), machine: machineInfo(), generated_at: new Date().toISOString(), options: {}, errors: [] };
  const summary = await runStryker(signal, log);
  recordStryker(report, summary);
  const file = await writeReport(report, options.out);
  process.stdout.write(`${describeStryker(summary)}\nmerged into ${file}\n`);
  return 0;
}

async function main(): Promise<number> {
  let options: BenchOptions;
  let stryker: StrykerMode;
  try {
    ({ options, stryker } = parseOptions(process.argv.slice(2)));
  } catch (err) {
    if (err instanceof CommanderError) return err.code === 'commander.helpDisplayed' ? 0 : 2; // commander has said why
    process.stderr.write(`bench: ${(err as Error).message}\n`);
    return 2;
  }
  const log = (line: string) => process.stderr.write(line + '\n');
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort(new Error('interrupted (SIGINT)')));
  if (stryker === 'only') {
    try {
      return await strykerOnly(options, log, controller.signal);
    } catch (err) {
      process.stderr.write(`bench: NOT MEASURED: ${redact(err instanceof Error ? err.message : String(err))}\n`);
      return exitCodeOf(err) === 2 ? 2 : 3;
    }
  }
  const report: BenchReport = { ...emptyFigures(), machine: machineInfo(), generated_at: new Date().toISOString(), options: { ...options, stryker: stryker === 'also' }, errors: [] };
  const started = performance.now();
  try {
    await measureAll(report, options, loadCatalog(), controller.signal, log);
  } catch (err) {
    report.errors.push(redact(err instanceof Error ? err.message : String(err)));
    if (exitCodeOf(err) === 2) return 2;
  }
  if (stryker === 'also') {
    report.stryker_score_manager = null; // stays null, and named in errors, if Stryker fails
    try {
      recordStryker(report, await runStryker(controller.signal, log));
    } catch (err) {
      report.errors.push(redact(err instanceof Error ? err.message : String(err)));
    }
  }
  report.machine.load_avg_end = loadAverages();
  report.options['bench_minutes'] = Math.round(((performance.now() - started) / 60_000) * 100) / 100;
  const file = await writeReport(report, options.out);
  const out: string[] = [];
  out.push(`rekey-chaos bench — ${report.machine.cores} cores, ${report.machine.memory_gb} GB, Node ${report.machine.node}, ${report.options['bench_minutes']} min, load average ${report.machine.load_avg_1m} at start, ${report.machine.load_avg_end.join('/')} (1/5/15 min) at end`);
  if (report.families && report.procedure) out.push('', 'iteration wall time per family (reference manager, embedded):', formatFamilies(report.families, report.procedure_configured_s ?? NaN));
  if (report.rss) out.push('', `peak RSS (${report.rss.samples} samples every ${report.rss.intervalMs} ms):`, formatRss(report.rss));
  if (report.mutation) out.push('', `broken manager variants (score ${report.mutation.caught}/${report.mutation.total}):`, formatDefects(report.mutation.defects));
  if (report.matrix) out.push('', `standard matrix (${report.matrix.method}): ${report.matrix.how}`);
  if (report.stryker) out.push('', describeStryker(report.stryker));
  out.push('', formatFigures(report), '', `written to ${file}`);
  for (const e of report.errors) out.push(`NOT MEASURED: ${e}`);
  process.stdout.write(out.join('\n') + '\n');
  return report.errors.length > 0 ? 3 : 0;
}

process.exitCode = await main();
