/**
 * Wall time of one iteration per family (F1–F10 of the standard matrix),
 * with the reference manager: a sample of N iterations per family, spread
 * evenly over the family's sweep positions (the fault time moves across the
 * whole procedure, so the sample sees early and late faults alike).
 */
import type { Outcome, RunRecord } from '../common/record.js';
import { redact } from '../common/redact.js';
import type { Catalog } from '../matrix/catalog.js';
import { FAMILY_IDS, type PlannedIteration } from '../matrix/selection.js';
import { buildItems } from '../cli/run-exec.js';
import { MeasurementError } from './errors.js';
import { phaseProfile } from './profile.js';
import type { BenchSession } from './session.js';
import { round, summarize } from './stats.js';

/** n distinct positions in 0..total-1, evenly spread, first and last included. */
export function evenPositions(total: number, n: number): number[] {
  if (!Number.isInteger(total) || total < 1) throw new RangeError(`total must be a positive integer, got ${total}`);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`n must be a positive integer, got ${n}`);
  const k = Math.min(n, total);
  if (k === 1) return [0];
  return Array.from({ length: k }, (_, i) => Math.round((i * (total - 1)) / (k - 1)));
}

export interface FamilySampleRefs {
  family: string;
  scenarioId: string;
  /** the family's iteration count in the standard matrix */
  matrixIterations: number;
  refs: PlannedIteration[];
}

export function familySample(catalog: Catalog, perFamily: number, families: readonly string[] = FAMILY_IDS): FamilySampleRefs[] {
  return families.map((family) => {
    const scenarios = catalog.all().filter((s) => s.family === family);
    if (scenarios.length !== 1) throw new MeasurementError(`family ${family} timing`, `expected one scenario of family ${family}, found ${scenarios.length}`);
    const scenario = scenarios[0]!;
    return { family, scenarioId: scenario.id, matrixIterations: scenario.iterations, refs: evenPositions(scenario.iterations, perFamily).map((iteration) => ({ scenario, iteration })) };
  });
}

export interface FamilyTiming {
  family: string;
  scenario: string;
  matrix_iterations: number;
  positions: number[];
  n: number;
  outcomes: Partial<Record<Outcome, number>>;
  wall_median_s: number;
  wall_p95_s: number;
  wall_mean_s: number;
  /** batch elapsed / n: the iteration plus the runner's work between iterations (recovery redeploys) */
  cycle_mean_s: number;
  /** request → rekey-complete, median over the iterations that completed */
  procedure_median_s?: number;
  /** wall median / the procedure's configured time */
  overhead_ratio: number;
  phases: ReturnType<typeof phaseProfile>;
  /** every iteration the reference manager did not pass: evidence for the harness, or a finding */
  not_passed: NotPassed[];
}

export interface NotPassed {
  scenario: string;
  iteration: number;
  outcome: Outcome;
  /** the failed invariants' messages, or the runner's error, or the fault's miss reason */
  why: string[];
  replay: string;
}

export function notPassed(records: readonly RunRecord[]): NotPassed[] {
  return records
    .filter((r) => r.outcome !== 'passed')
    .map((r) => {
      const failed = r.invariants.filter((i) => i.status === 'failed').map((i) => `${i.id}: ${i.message}`);
      const misses = r.faults.filter((f) => !f.landed && f.missReason).map((f) => `fault ${f.index}: ${f.missReason}`);
      const why = [...failed, ...(r.error ? [r.error] : []), ...misses].map((w) => redact(w));
      return { scenario: r.scenario.id, iteration: r.plan.iteration, outcome: r.outcome, why, replay: r.replay };
    });
}

/** Records that actually ran (an iteration the runner could not even start has no duration). */
export function ranRecords(records: readonly RunRecord[]): RunRecord[] {
  return records.filter((r) => r.endedAt > r.startedAt);
}

export function summarizeFamily(sample: FamilySampleRefs, records: readonly RunRecord[], elapsedMs: number, configuredS: number): FamilyTiming {
  const ran = ranRecords(records);
  const figure = `iteration wall time of ${sample.family}`;
  if (ran.length === 0) throw new MeasurementError(figure, `none of the ${records.length} iterations ran (${records.map((r) => r.error).filter(Boolean)[0] ?? 'no error recorded'})`);
  const wall = summarize(ran.map((r) => (r.endedAt - r.startedAt) / 1000), figure);
  const procedures = ran.filter((r) => r.requestedAt !== undefined && r.completedAt !== undefined).map((r) => (r.completedAt! - r.requestedAt!) / 1000);
  const outcomes: Partial<Record<Outcome, number>> = {};
  for (const r of records) outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
  return {
    family: sample.family,
    scenario: sample.scenarioId,
    matrix_iterations: sample.matrixIterations,
    positions: sample.refs.map((r) => r.iteration),
    n: ran.length,
    outcomes,
    wall_median_s: round(wall.median),
    wall_p95_s: round(wall.p95),
    wall_mean_s: round(wall.mean),
    cycle_mean_s: round(elapsedMs / 1000 / records.length),
    ...(procedures.length > 0 ? { procedure_median_s: round(summarize(procedures, `${sample.family} procedure time`).median) } : {}),
    overhead_ratio: round(wall.median / configuredS, 1),
    phases: phaseProfile(ran),
    not_passed: notPassed(records),
  };
}

export interface FamiliesResult {
  families: FamilyTiming[];
  records: RunRecord[];
}

/** Runs each family's sample as its own batch (so each has its own elapsed time) with the reference manager. */
export async function measureFamilies(session: BenchSession, samples: FamilySampleRefs[], timescale: number, configuredS: number, log: (line: string) => void): Promise<FamiliesResult> {
  const families: FamilyTiming[] = [];
  const records: RunRecord[] = [];
  for (const sample of samples) {
    const items = buildItems(sample.refs, { backend: 'embedded', manager: 'reference', timescale });
    const batch = await session.run(items, { kind: 'reference' });
    const batchRecords = batch.summary.results.map((r) => r.record);
    records.push(...batchRecords);
    const timing = summarizeFamily(sample, batchRecords, batch.elapsedMs, configuredS);
    families.push(timing);
    log(`  ${sample.family}: ${timing.n} iterations, median ${timing.wall_median_s.toFixed(2)} s (${Object.entries(timing.outcomes).map(([o, n]) => `${n} ${o}`).join(', ')})`);
  }
  return { families, records };
}

/** The headline sample: iterations with one fault (F2–F10; F1 has none). */
export function faultedIterationSeconds(records: readonly RunRecord[]): number[] {
  return ranRecords(records)
    .filter((r) => r.plan.faults.length === 1)
    .map((r) => (r.endedAt - r.startedAt) / 1000);
}
