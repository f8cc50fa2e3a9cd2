/**
 * The mutation score: for every deliberately broken manager variant
 * (manager/defects/), run a fixed, ordered list of candidate scenarios —
 * the ones most likely to catch it first — until one fails. A failure only
 * counts when the reference manager passes that same iteration (the
 * baseline): otherwise the failure says nothing about the defect, and the
 * candidate is skipped without running.
 */
import { DEFECTS } from '../manager/defects/registry.js';
import { DEFECT_CATCHERS } from '../manager/defects/catchers.js';
import type { Outcome, RunRecord } from '../common/record.js';
import type { Catalog } from '../matrix/catalog.js';
import type { PlannedIteration } from '../matrix/selection.js';
import { buildItems } from '../cli/run-exec.js';
import { MeasurementError } from './errors.js';
import type { BenchSession } from './session.js';
import { round, summarize } from './stats.js';

export interface CandidateRef {
  scenario: string;
  iteration: number;
}

/**
 * The candidates of each defect, in order: the shared defect → catcher list
 * (manager/defects/catchers.ts, also read by the coverage test), its verified
 * catcher first, then scenarios aiming at the same window.
 */
export const MUTATION_CANDIDATES: Record<string, CandidateRef[]> = Object.fromEntries(
  Object.entries(DEFECT_CATCHERS).map(([defect, catcher]) => [defect, catcher.candidates.map((id) => c(id))]),
);

function c(scenario: string, iteration = 0): CandidateRef {
  return { scenario, iteration };
}

export function candidateKey(ref: CandidateRef): string {
  return `${ref.scenario}#${ref.iteration}`;
}

/** Every registered defect has a list and every listed scenario exists; else the score would be meaningless. */
export function checkCandidates(catalog: Catalog, defects: readonly string[] = DEFECTS.map((d) => d.name), candidates = MUTATION_CANDIDATES): void {
  for (const defect of defects) {
    const list = candidates[defect];
    if (!list || list.length === 0) throw new MeasurementError('mutation score', `no candidate scenarios for defect ${defect}`, { defect });
    for (const ref of list) {
      const scenario = catalog.get(ref.scenario);
      if (!scenario) throw new MeasurementError('mutation score', `candidate scenario ${ref.scenario} of defect ${defect} is not in the catalogue`, { defect, scenario: ref.scenario });
      if (ref.iteration >= scenario.iterations) throw new MeasurementError('mutation score', `candidate ${candidateKey(ref)} of defect ${defect}: the scenario has ${scenario.iterations} iterations`, { defect });
    }
  }
}

/** The distinct candidates of all defects, for one reference-manager baseline batch. */
export function baselineRefs(catalog: Catalog, defects: readonly string[], candidates = MUTATION_CANDIDATES): PlannedIteration[] {
  const seen = new Set<string>();
  const out: PlannedIteration[] = [];
  for (const defect of defects) {
    for (const ref of candidates[defect] ?? []) {
      if (seen.has(candidateKey(ref))) continue;
      seen.add(candidateKey(ref));
      out.push({ scenario: catalog.get(ref.scenario)!, iteration: ref.iteration });
    }
  }
  return out;
}

export function baselineOutcomes(records: readonly RunRecord[]): Map<string, Outcome> {
  return new Map(records.map((r) => [candidateKey({ scenario: r.scenario.id, iteration: r.plan.iteration }), r.outcome]));
}

export type CandidateVerdict = 'caught' | 'passed' | 'not-hit' | 'environment-error' | 'baseline-not-passed';

export interface CandidateTry {
  scenario: string;
  iteration: number;
  reference: Outcome | 'not-run';
  outcome?: Outcome;
  verdict: CandidateVerdict;
  failed_invariants?: string[];
}

export interface DefectResult {
  defect: string;
  description: string;
  caught: boolean;
  scenario?: string;
  iteration?: number;
  failed_invariants?: string[];
  /** from the first candidate iteration's start to the end of the failing one (the verdict), redeploys between included */
  time_to_first_failure_s?: number;
  deploy_s: number;
  tried: CandidateTry[];
}

const isFailure = (o: Outcome) => o === 'failed' || o === 'timeout';

/** Folds the tries of one defect into its result (pure; the driver below feeds it). */
export function defectResult(defect: string, description: string, tries: CandidateTry[], records: readonly RunRecord[], deployMs: number): DefectResult {
  const hit = tries.findIndex((t) => t.verdict === 'caught');
  const result: DefectResult = { defect, description, caught: hit >= 0, deploy_s: round(deployMs / 1000, 2), tried: tries };
  if (hit >= 0) {
    const t = tries[hit]!;
    const catching = records.find((r) => r.scenario.id === t.scenario && r.plan.iteration === t.iteration)!;
    const first = records[0]!;
    result.scenario = t.scenario;
    result.iteration = t.iteration;
    if (t.failed_invariants) result.failed_invariants = t.failed_invariants;
    result.time_to_first_failure_s = round((catching.endedAt - first.startedAt) / 1000, 2);
  }
  return result;
}

export function verdictOf(reference: Outcome | 'not-run', outcome: Outcome): CandidateVerdict {
  if (isFailure(outcome)) return reference === 'passed' ? 'caught' : 'baseline-not-passed';
  return outcome === 'passed' ? 'passed' : outcome;
}

export async function measureDefect(session: BenchSession, catalog: Catalog, defect: { name: string; description: string }, baseline: Map<string, Outcome>, timescale: number, log: (line: string) => void): Promise<DefectResult> {
  const tries: CandidateTry[] = [];
  const records: RunRecord[] = [];
  let deployMs = 0;
  for (const ref of MUTATION_CANDIDATES[defect.name] ?? []) {
    const reference = baseline.get(candidateKey(ref)) ?? 'not-run';
    if (reference !== 'passed') {
      // A candidate the reference manager fails cannot tell a broken manager from a correct one.
      tries.push({ scenario: ref.scenario, iteration: ref.iteration, reference, verdict: 'baseline-not-passed' });
      continue;
    }
    const items = buildItems([{ scenario: catalog.get(ref.scenario)!, iteration: ref.iteration }], { backend: 'embedded', manager: 'reference', defect: defect.name, timescale });
    const batch = await session.run(items, { kind: 'reference', defect: defect.name });
    if (records.length === 0) deployMs = batch.deployMs;
    const record = batch.summary.results[0]?.record;
    if (!record) throw new MeasurementError('mutation score', `no record for ${candidateKey(ref)} with defect ${defect.name}`);
    records.push(record);
    const failed = record.invariants.filter((i) => i.status === 'failed').map((i) => i.id);
    const verdict = verdictOf(reference, record.outcome);
    tries.push({ scenario: ref.scenario, iteration: ref.iteration, reference, outcome: record.outcome, verdict, ...(failed.length > 0 ? { failed_invariants: failed } : {}) });
    if (verdict === 'caught') break;
  }
  const result = defectResult(defect.name, defect.description, tries, records, deployMs);
  log(`  ${defect.name}: ${result.caught ? `caught by ${result.scenario} (${result.failed_invariants?.join(',') ?? 'timeout'}) in ${result.time_to_first_failure_s} s` : `NOT caught (${tries.map((t) => `${t.scenario}:${t.verdict}`).join(', ')})`}`);
  return result;
}

export interface MutationSummary {
  score: number;
  caught: number;
  total: number;
  time_to_first_failure_median_s?: number;
}

export function mutationSummary(results: readonly DefectResult[]): MutationSummary {
  if (results.length === 0) throw new MeasurementError('mutation score', 'no defect was tried');
  const caught = results.filter((r) => r.caught);
  const times = caught.map((r) => r.time_to_first_failure_s!);
  return {
    score: round(caught.length / results.length, 4),
    caught: caught.length,
    total: results.length,
    ...(times.length > 0 ? { time_to_first_failure_median_s: round(summarize(times, 'time to first failure').median, 2) } : {}),
  };
}
