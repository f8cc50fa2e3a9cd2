/**
 * The mutation score of the matrices users run: for every deliberately broken
 * manager variant (manager/defects/), run a named matrix's iterations in its
 * own order and stop at the first failure. A defect counts as caught only by
 * an iteration the reference manager passes in the same session (the
 * baseline): a failure there says nothing about the defect.
 *
 * Unlike the hand-picked catcher list (mutation.ts, one scenario aimed at each
 * defect), this is the power a developer actually gets from `run --matrix X`.
 * The standard matrix (600 iterations) is measured on a fixed sample — every
 * STANDARD_SAMPLE_STRIDE-th iteration of its stable order — so the bench stays
 * within an hour; the sample is named in the result.
 *
 *   npm run bench:mutation [-- --matrix quick --matrix standard --defect NAME --out FILE --ip-base A.B.C]
 *
 * Writes out/bench/mutation.json and merges `mutation_score_<matrix>` into
 * out/bench/latest.json (the bench's figure file) when it exists.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command } from 'commander';
import type { Outcome } from '../common/record.js';
import { DEFECTS } from '../manager/defects/registry.js';
import { loadCatalog } from '../matrix/catalog.js';
import { expand, namedMatrix, type PlannedIteration } from '../matrix/selection.js';
import { buildItems } from '../cli/run-exec.js';
import { defaultTimescale } from '../matrix/plan.js';
import { MeasurementError } from './errors.js';
import { BENCH_IP_BASE, BenchSession } from './session.js';
import { parseIpBase } from '../platform/agent/ip-pool.js';
import { round } from './stats.js';
import { DEFAULT_REPORT_PATH, readBenchReport, writeReport, type BenchReport } from './report.js';

export const STANDARD_SAMPLE_STRIDE = 30;
export const MEASURED_MATRICES = ['quick', 'standard'] as const;
export type MeasuredMatrix = (typeof MEASURED_MATRICES)[number];

/** The iterations measured for a matrix, in the order the matrix runs them. */
export function measuredIterations(matrix: MeasuredMatrix): { refs: PlannedIteration[]; description: string } {
  const all = expand(namedMatrix(matrix, loadCatalog()));
  if (matrix === 'quick') return { refs: all, description: `the whole quick matrix (${all.length} iterations)` };
  const refs = all.filter((_, i) => i % STANDARD_SAMPLE_STRIDE === 0);
  return { refs, description: `a fixed sample of the standard matrix: every ${STANDARD_SAMPLE_STRIDE}th of its ${all.length} iterations (${refs.length})` };
}

const key = (r: { scenario: { id: string }; iteration: number }) => `${r.scenario.id}#${r.iteration}`;
const isFailure = (o: Outcome) => o === 'failed' || o === 'timeout';

export interface MatrixDefectResult {
  defect: string;
  caught: boolean;
  /** the first failing iteration, `scenario#iteration` */
  by?: string;
  failed_invariants?: string[];
  /** iterations run until the verdict (the failing one included) */
  iterations_run: number;
  /** wall time from the first iteration's start to the verdict */
  seconds: number;
}

export interface MatrixScore {
  matrix: MeasuredMatrix;
  description: string;
  /** iterations the reference manager passed (the only ones a defect may be caught by) */
  baseline: { n: number; passed: number; not_passed: string[] };
  score: number;
  caught: number;
  total: number;
  defects: MatrixDefectResult[];
}

/** Folds one defect's batch into its result (pure, so the scoring rule is tested without a cluster). */
export function defectVerdict(defect: string, records: readonly { scenario: { id: string }; plan: { iteration: number }; outcome: Outcome; invariants: { id: string; status: string }[]; startedAt: number; endedAt: number }[]): MatrixDefectResult {
  const failing = records.find((r) => isFailure(r.outcome));
  const first = records[0];
  const seconds = first && records.length > 0 ? round((records.at(-1)!.endedAt - first.startedAt) / 1000, 1) : 0;
  if (!failing) return { defect, caught: false, iterations_run: records.length, seconds };
  const failed = failing.invariants.filter((i) => i.status === 'failed').map((i) => i.id);
  return {
    defect,
    caught: true,
    by: `${failing.scenario.id}#${failing.plan.iteration}`,
    ...(failed.length > 0 ? { failed_invariants: failed } : {}),
    iterations_run: records.indexOf(failing) + 1,
    seconds: round((failing.endedAt - first!.startedAt) / 1000, 1),
  };
}

export function matrixScore(matrix: MeasuredMatrix, description: string, baseline: MatrixScore['baseline'], defects: MatrixDefectResult[]): MatrixScore {
  if (defects.length === 0) throw new MeasurementError(`mutation score (${matrix})`, 'no defect was tried');
  const caught = defects.filter((d) => d.caught).length;
  return { matrix, description, baseline, score: round(caught / defects.length, 4), caught, total: defects.length, defects };
}

async function measureMatrix(session: BenchSession, matrix: MeasuredMatrix, defects: readonly string[], log: (line: string) => void): Promise<MatrixScore> {
  const { refs, description } = measuredIterations(matrix);
  const timescale = defaultTimescale('embedded');
  log(`${matrix}: ${description}; reference baseline first`);
  const base = await session.run(buildItems(refs, { backend: 'embedded', manager: 'reference', timescale }), { kind: 'reference' });
  const outcomes = new Map(base.summary.results.map((r) => [`${r.record.scenario.id}#${r.record.plan.iteration}`, r.record.outcome]));
  const passing = refs.filter((r) => outcomes.get(key(r)) === 'passed');
  const notPassed = refs.filter((r) => outcomes.get(key(r)) !== 'passed').map((r) => `${key(r)}: ${outcomes.get(key(r)) ?? 'not run'}`);
  log(`  baseline: ${passing.length}/${refs.length} passed${notPassed.length > 0 ? ` (not passed: ${notPassed.join(', ')})` : ''}`);
  const results: MatrixDefectResult[] = [];
  for (const defect of defects) {
    const batch = await session.run(buildItems(passing, { backend: 'embedded', manager: 'reference', defect, timescale }), { kind: 'reference', defect }, { bail: true });
    const result = defectVerdict(defect, batch.summary.results.map((r) => r.record));
    results.push(result);
    log(`  ${defect}: ${result.caught ? `caught by ${result.by} (${result.failed_invariants?.join(',') ?? 'timeout'}) after ${result.iterations_run} iterations, ${result.seconds} s` : `NOT caught in ${result.iterations_run} iterations (${result.seconds} s)`}`);
  }
  return matrixScore(matrix, description, { n: refs.length, passed: passing.length, not_passed: notPassed }, results);
}

/** Adds the scores to the bench's figure file, keeping everything else it holds. */
async function mergeIntoLatest(scores: readonly MatrixScore[], file: string): Promise<boolean> {
  // No report yet, or one that cannot be read as a bench report: the scores stay in their own file only.
  const report = await readBenchReport(file, 'mutation_score').catch(() => undefined);
  if (!report) return false;
  const extra = report as unknown as Record<string, unknown>;
  for (const s of scores) extra[`mutation_score_${s.matrix}`] = s.score;
  await writeReport(report, file);
  return true;
}

async function main(argv: string[]): Promise<number> {
  const program = new Command('bench:mutation')
    .option('--matrix <name>', `a matrix to measure (repeatable: ${MEASURED_MATRICES.join(', ')})`, (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--defect <name>', 'only this defect (repeatable; the score is then partial)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--out <file>', 'where the result goes', 'out/bench/mutation.json')
    .option('--ip-base <a.b.c>', `the cluster's loopback /24 (default ${BENCH_IP_BASE}, the bench's own)`, BENCH_IP_BASE)
    .parse(argv);
  const opts = program.opts<{ matrix: string[]; defect: string[]; out: string; ipBase: string }>();
  const matrices = (opts.matrix.length > 0 ? opts.matrix : [...MEASURED_MATRICES]) as MeasuredMatrix[];
  for (const m of matrices) if (!MEASURED_MATRICES.includes(m)) throw new MeasurementError('mutation score', `unknown matrix "${m}" (measured: ${MEASURED_MATRICES.join(', ')})`);
  const known = DEFECTS.map((d) => d.name);
  for (const d of opts.defect) if (!known.includes(d)) throw new MeasurementError('mutation score', `unknown defect "${d}" (see rekey-chaos defects)`);
  const defects = opts.defect.length > 0 ? opts.defect : known;

  const abort = new AbortController();
  const stop = () => abort.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const session = await BenchSession.open(abort.signal, undefined, parseIpBase(opts.ipBase));
  const scores: MatrixScore[] = [];
  try {
    for (const m of matrices) scores.push(await measureMatrix(session, m, defects, log));
  } finally {
    await session.close();
  }
  const out = path.resolve(opts.out);
  const report = { generated_at: new Date().toISOString(), partial: opts.defect.length > 0, matrices: scores, ...Object.fromEntries(scores.map((s) => [`mutation_score_${s.matrix}`, s.score])) };
  await writeReport(report as unknown as BenchReport, out);
  const merged = opts.defect.length === 0 && (await mergeIntoLatest(scores, DEFAULT_REPORT_PATH));
  for (const s of scores) log(`mutation_score_${s.matrix} = ${s.score} (${s.caught}/${s.total}; ${s.description})`);
  log(`written: ${out}${merged ? ` (figures merged into ${DEFAULT_REPORT_PATH})` : ''}`);
  return scores.every((s) => s.caught === s.total) ? 0 : 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`bench:mutation: ${(err as Error).message}\n`);
      process.exit(3);
    },
  );
}
