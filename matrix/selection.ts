/**
 * What a `run` or `list` covers: the named matrices, the --scenario/--family
 * filters, the expansion to single iterations, and the --shard split of that
 * list for parallel CI jobs (every iteration in exactly one shard).
 */
import { UsageError } from '../common/errors.js';
import type { Scenario } from '../common/scenario.js';
import type { Catalog } from './catalog.js';
import { quickCoverageScenarios } from './quick-coverage.js';

export const FAMILY_IDS = ['F1', 'F2', 'F3', 'F4', 'F5', 'F6', 'F7', 'F8', 'F9', 'F10'];
export const MATRIX_NAMES = ['quick', 'standard', 'milestones'] as const;
export type MatrixName = (typeof MATRIX_NAMES)[number];

export interface MatrixEntry {
  scenario: Scenario;
  /** 0-based iteration positions to run; undefined = all of the scenario's iterations */
  iterations?: number[];
}

/** One iteration a run will execute: a scenario and its 0-based iteration position. */
export interface PlannedIteration {
  scenario: Scenario;
  iteration: number;
}

function familyScenarios(catalog: Catalog, family: string): Scenario[] {
  const found = catalog.all().filter((s) => s.family === family);
  if (found.length === 0) throw new UsageError(`unknown family "${family}" (families: ${FAMILY_IDS.join(', ')})`, { family });
  return found;
}

/**
 * quick: the fault-free family first (alone it catches every defect that
 * shows without a fault), then the milestone coverage list (quick-coverage.ts:
 * a fault on each party whose loss matters, in each window of the procedure),
 * the transient Vault trouble scenarios (scenarios/trouble/: failing unseal and
 * rekey calls), then one iteration of each other family, spread across the sweep (family n
 * runs position 5n, so those faults land at different points of the procedure).
 */
export function namedMatrix(name: string, catalog: Catalog): MatrixEntry[] {
  const milestones = catalog.all().filter((s) => s.family === 'milestone');
  switch (name) {
    case 'standard':
      return FAMILY_IDS.flatMap((f) => familyScenarios(catalog, f)).map((scenario) => ({ scenario }));
    case 'milestones':
      return milestones.map((scenario) => ({ scenario }));
    case 'quick': {
      const families = FAMILY_IDS.map((f, n) => {
        const scenario = familyScenarios(catalog, f)[0]!;
        return { scenario, iterations: [Math.min(5 * (n + 1), scenario.iterations - 1)] };
      });
      const coverage = quickCoverageScenarios(milestones).map((scenario) => ({ scenario }));
      const trouble = catalog.all().filter((s) => s.family === 'trouble').map((scenario) => ({ scenario }));
      return [families[0]!, ...coverage, ...trouble, ...families.slice(1)];
    }
    default:
      throw new UsageError(`unknown matrix "${name}" (matrices: ${MATRIX_NAMES.join(', ')})`, { matrix: name });
  }
}

export interface SelectionOptions {
  scenarios?: string[];
  families?: string[];
  matrix?: string;
}

/** The union of --scenario, --family and --matrix, each scenario once, in the order given. */
export function select(catalog: Catalog, options: SelectionOptions): MatrixEntry[] {
  const entries: MatrixEntry[] = [];
  for (const ref of options.scenarios ?? []) entries.push({ scenario: catalog.resolve(ref) });
  for (const family of options.families ?? []) entries.push(...familyScenarios(catalog, family).map((scenario) => ({ scenario })));
  if (options.matrix !== undefined) entries.push(...namedMatrix(options.matrix, catalog));
  const seen = new Set<string>();
  return entries.filter((e) => (seen.has(e.scenario.id) ? false : (seen.add(e.scenario.id), true)));
}

/** One entry per iteration, in a stable order; `iterations` (--iterations) replaces each scenario's own count. */
export function expand(entries: MatrixEntry[], iterations?: number): PlannedIteration[] {
  if (iterations !== undefined && (!Number.isInteger(iterations) || iterations < 1)) {
    throw new UsageError(`--iterations must be a positive integer, got ${iterations}`);
  }
  const out: PlannedIteration[] = [];
  for (const { scenario, iterations: positions } of entries) {
    const list = iterations !== undefined ? range(iterations) : (positions ?? range(scenario.iterations));
    for (const iteration of list) out.push({ scenario, iteration });
  }
  return out;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** `--shard I/N`: which of N parallel CI jobs this is (not an unseal shard, common/secrets.ts). */
export interface ShardSelector {
  index: number; // 1-based
  count: number;
}

export function parseShardSelector(text: string): ShardSelector {
  const m = /^([0-9]+)\/([0-9]+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count) throw new UsageError(`--shard must be I/N with 1 <= I <= N, got "${text}"`, { shard: text });
  return { index, count };
}

/**
 * Round robin over the stable expanded order: shard I of N takes positions
 * I-1, I-1+N, … — so the N shards partition the list and stay balanced.
 */
export function takeShard<T>(list: readonly T[], shard: ShardSelector): T[] {
  return list.filter((_, i) => i % shard.count === shard.index - 1);
}
