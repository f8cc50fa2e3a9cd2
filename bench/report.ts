/**
 * The bench's result document (out/bench/latest.json) and its terminal
 * rendering. The top-level figures (FIGURE_KEYS) are a contract CI reads; a figure that
 * could not be measured is `null` and named in `errors`, and the bench exits
 * non-zero — never a made-up number.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { MeasurementError } from './errors.js';
import type { FamilyTiming, NotPassed } from './families.js';
import type { InjectionLatency, InjectionSample } from './injection.js';
import type { SnapshotProfile } from './injection-path.js';
import type { MachineInfo } from './machine.js';
import type { DefectResult, MutationSummary } from './mutation.js';
import type { RssReport } from './rss.js';
import type { StrykerSummary } from './stryker.js';
import { cell, formatTable } from './table.js';
import type { LabelLatency } from './label-latency.js';
import { checkTargets, FIGURE_KEYS, mark, type FigureKey, type Figures } from './targets.js';
import type { MatrixThroughput } from './throughput.js';

export const DEFAULT_REPORT_PATH = 'out/bench/latest.json';

export type MaybeFigures = Record<FigureKey, number | null>;

export interface BenchDetails {
  generated_at: string;
  options: Record<string, unknown>;
  cluster?: { up_s: number; deploys_s: number[] };
  iteration_sample?: { description: string; n: number; min_s: number; max_s: number };
  procedure?: { status_rate_ms: number; passes: number; how: string; measured_f1_median_s?: number };
  families?: FamilyTiming[];
  matrix?: MatrixThroughput;
  injection?: InjectionLatency & { description: string; samples: InjectionSample[]; snapshot_before_fault?: SnapshotProfile };
  label_latency?: LabelLatency & { description: string };
  /** the reference manager on the milestone sample and the mutation candidates */
  milestone_batch?: { n: number; outcomes: Record<string, number>; not_passed: NotPassed[] };
  rss?: RssReport & { description: string };
  mutation?: MutationSummary & { defects: DefectResult[] };
  /**
   * Stryker's mutation score (%) over manager/ against its model-based unit tests; only with
   * `--stryker` or `npm run bench:stryker` (tens of minutes), so not one of FIGURE_KEYS.
   */
  stryker_score_manager?: number | null;
  stryker?: StrykerSummary & { description: string };
  errors: string[];
}

export type BenchReport = MaybeFigures & { machine: MachineInfo } & BenchDetails;

export function emptyFigures(): MaybeFigures {
  return Object.fromEntries(FIGURE_KEYS.map((k) => [k, null])) as MaybeFigures;
}

/** Figures that are all measured, or undefined when one is missing. */
export function completeFigures(report: BenchReport): Figures | undefined {
  const out = {} as Figures;
  for (const key of FIGURE_KEYS) {
    const v = report[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) return undefined;
    out[key] = v;
  }
  return out;
}

export async function writeReport(report: BenchReport, file = DEFAULT_REPORT_PATH): Promise<string> {
  const abs = path.resolve(file);
  await mkdir(path.dirname(abs), { recursive: true });
  // Write then rename: a nightly job reading the file never sees half of it.
  const tmp = `${abs}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(report, null, 2) + '\n');
  await rename(tmp, abs);
  return abs;
}

const UNITS: Record<FigureKey, string> = {
  iteration_median_s: 's',
  iteration_p95_s: 's',
  procedure_configured_s: 's',
  matrix_full_minutes: 'min',
  injection_p50_ms: 'ms',
  injection_p95_ms: 'ms',
  embedded_peak_rss_mb: 'MB',
  harness_peak_rss_mb: 'MB',
  mutation_score: '',
  time_to_first_failure_median_s: 's',
  label_latency_max_ms: 'ms',
};

export function formatFigures(report: BenchReport): string {
  const values = Object.fromEntries(FIGURE_KEYS.map((k) => [k, report[k] ?? NaN])) as Figures;
  const rows = checkTargets(values).map((c) => [c.key, Number.isFinite(c.value) ? `${cell(c.value, c.key === 'mutation_score' ? 3 : 2)} ${UNITS[c.key]}`.trim() : 'NOT MEASURED', c.target ?? '', Number.isFinite(c.value) ? mark(c) : '✗']);
  return formatTable(['figure', 'value', 'target', ''], rows);
}

export function formatFamilies(families: readonly FamilyTiming[], configuredS: number): string {
  const rows = families.map((f) => [
    f.family,
    String(f.n),
    Object.entries(f.outcomes)
      .map(([o, n]) => `${n} ${o}`)
      .join(', '),
    cell(f.wall_median_s),
    cell(f.wall_p95_s),
    cell(f.procedure_median_s),
    cell(configuredS),
    `×${cell(f.overhead_ratio, 1)}`,
    `${Math.round(f.phases.setupMs.share * 100)}/${Math.round(f.phases.procedureMs.share * 100)}/${Math.round(f.phases.settleMs.share * 100)}/${Math.round(f.phases.checkMs.share * 100)}`,
  ]);
  return formatTable(['family', 'n', 'outcomes', 'median s', 'p95 s', 'req→done s', 'configured s', 'overhead', 'setup/proc/settle/check %'], rows);
}

export function formatDefects(defects: readonly DefectResult[]): string {
  const rows = defects.map((d) => [d.defect, d.caught ? '✓' : '✗', d.caught ? `${d.scenario}#${d.iteration}` : `(${d.tried.length} tried)`, d.failed_invariants?.join(',') ?? (d.caught ? 'timeout' : ''), cell(d.time_to_first_failure_s)]);
  return formatTable(['defect', 'caught', 'by scenario', 'invariants', 'to first failure s'], rows);
}

export function formatRss(rss: RssReport): string {
  const rows = Object.entries(rss.peakByRoleMb).map(([role, mbPeak]) => [role, cell(mbPeak, 1), cell(rss.atEmbeddedPeakMb[role], 1)]);
  return formatTable(['process', 'peak MB', 'at cluster peak MB'], rows);
}

/**
 * The bench report already in `file` (so a figure measured on its own — Stryker's, the matrices'
 * mutation scores — joins the figures of the last bench run), or undefined when there is none yet. A file that is there but unreadable is an error:
 * overwriting it would lose figures.
 */
export async function readBenchReport(file: string, figure: string): Promise<BenchReport | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new MeasurementError(figure, `cannot read the bench report ${file} to merge into (${(err as Error).message})`, { file });
  }
  try {
    const json = JSON.parse(text) as unknown;
    if (typeof json === 'object' && json !== null && !Array.isArray(json) && Array.isArray((json as { errors?: unknown }).errors)) return json as unknown as BenchReport;
  } catch {
    // reported below, with the same words as a JSON value of the wrong shape
  }
  throw new MeasurementError(figure, `${file} is not a bench report; not merging into it`, { file });
}
