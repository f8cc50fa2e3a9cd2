/**
 * Throughput of the full standard matrix (every family, every iteration):
 * extrapolated from the per-family sample, or measured with `--full`.
 */
import type { Catalog } from '../matrix/catalog.js';
import { expand, namedMatrix } from '../matrix/selection.js';
import { buildItems } from '../cli/run-exec.js';
import type { Outcome } from '../common/record.js';
import { MeasurementError } from './errors.js';
import type { FamilyTiming } from './families.js';
import type { BenchSession } from './session.js';
import { round } from './stats.js';

export interface MatrixThroughput {
  method: 'extrapolated' | 'measured';
  how: string;
  iterations: number;
  minutes: number;
  /** per family: iterations × mean cycle time, in minutes (extrapolated only) */
  per_family_minutes?: Record<string, number>;
  outcomes?: Partial<Record<Outcome, number>>;
}

/** The standard matrix's iteration count per family, from the catalogue (600 = 10 × 60 today). */
export function standardMatrixCounts(catalog: Catalog): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const ref of expand(namedMatrix('standard', catalog))) counts[ref.scenario.family] = (counts[ref.scenario.family] ?? 0) + 1;
  return counts;
}

/**
 * One cluster start and deploy, plus, per family, its iteration count times
 * the mean cycle time of its sample (mean, not median: a total is a sum).
 */
export function extrapolateMatrix(families: readonly FamilyTiming[], counts: Record<string, number>, upMs: number, deployMs: number): MatrixThroughput {
  const perFamily: Record<string, number> = {};
  let seconds = (upMs + deployMs) / 1000;
  let iterations = 0;
  for (const [family, count] of Object.entries(counts)) {
    const timing = families.find((f) => f.family === family);
    if (!timing) throw new MeasurementError('matrix throughput', `no sample of family ${family}`);
    perFamily[family] = round((count * timing.cycle_mean_s) / 60, 2);
    seconds += count * timing.cycle_mean_s;
    iterations += count;
  }
  const n = families.reduce((a, f) => a + f.n, 0);
  return {
    method: 'extrapolated',
    how: `sample of ${n} iterations (${families.map((f) => `${f.family}×${f.n}`).join(', ')}), positions evenly spread over each sweep; minutes = (cluster start ${round(upMs / 1000, 1)} s + deploy ${round(deployMs / 1000, 1)} s + Σ family iterations × family mean cycle time) / 60, one cluster, no --parallel`,
    iterations,
    minutes: round(seconds / 60, 2),
    per_family_minutes: perFamily,
  };
}

/** `--full`: every iteration of the standard matrix on the bench's cluster, timed end to end. */
export async function measureFullMatrix(session: BenchSession, catalog: Catalog, timescale: number, log: (line: string) => void): Promise<MatrixThroughput> {
  const refs = expand(namedMatrix('standard', catalog));
  const items = buildItems(refs, { backend: 'embedded', manager: 'reference', timescale });
  log(`  running all ${items.length} iterations of the standard matrix…`);
  const batch = await session.run(items, { kind: 'reference' });
  const outcomes: Partial<Record<Outcome, number>> = {};
  for (const r of batch.summary.results) outcomes[r.record.outcome] = (outcomes[r.record.outcome] ?? 0) + 1;
  // A reused deployment still cost one deploy at the start of the bench: count it once.
  const deployMs = batch.deployMs > 0 ? batch.deployMs : (session.deployMs[0] ?? 0);
  const seconds = (session.upMs + deployMs + batch.elapsedMs) / 1000;
  return {
    method: 'measured',
    how: `all ${items.length} iterations run on one cluster; minutes = (cluster start + deploy + the run) / 60`,
    iterations: items.length,
    minutes: round(seconds / 60, 2),
    outcomes,
  };
}
