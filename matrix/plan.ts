/**
 * From a scenario iteration to a FaultPlan: every random choice made (the
 * sweep time, the target seeds) from (seed, scenario id, iteration) alone,
 * so the same inputs give the same plan byte for byte — the basis of replay.
 */
import { UsageError } from '../common/errors.js';
import type { Backend } from '../common/record.js';
import type { FaultPlan, FaultSpec, PlannedFault, Scenario, ScheduledFault } from '../common/scenario.js';
import { iterationRequestId } from '../common/secrets.js';
import { hash32, seededRandom } from '../common/random.js';

/** The procedure's reference status rate: scenario seconds are seconds at this rate. */
export const REFERENCE_STATUS_RATE_MS = 5000;
/** The manager status rate each backend runs by default (embedded runs the procedure fast). */
export const DEFAULT_STATUS_RATE_MS: Record<Backend, number> = { embedded: 100, kind: 5000, kubeconfig: 5000 };

export function timescaleForRate(statusRateMs: number): number {
  return statusRateMs / REFERENCE_STATUS_RATE_MS;
}

export function defaultTimescale(backend: Backend): number {
  return timescaleForRate(DEFAULT_STATUS_RATE_MS[backend]);
}

export interface PlanOptions {
  timescale: number;
  /** overrides the scenario's seed (`--seed`) */
  seed?: number;
}

export function checkTimescale(timescale: number): void {
  if (!Number.isFinite(timescale) || timescale <= 0) throw new UsageError(`timescale must be a positive number, got ${timescale}`, { timescale });
}

/** Procedure seconds → scaled milliseconds, whole ms so the plan JSON is stable. */
function scaledMs(seconds: number, timescale: number): number {
  return Math.round(seconds * 1000 * timescale);
}

/**
 * The original's `k.rr` sweep: k is the iteration's position in the loop
 * (1-based), rr a random 2-digit fraction drawn from the iteration's seed.
 */
export function sweepSeconds(seed: number, scenarioId: string, iteration: number, faultIndex: number): number {
  const rr = Math.floor(seededRandom(hash32(seed, scenarioId, iteration, 'sweep', faultIndex)).next() * 100);
  return iteration + 1 + rr / 100;
}

function copySpec(spec: FaultSpec): FaultSpec {
  // Fixed key order: JSON.stringify of the plan must not depend on how the scenario was built.
  const out: FaultSpec = { kind: spec.kind, targets: [...spec.targets] };
  if (spec.graceS !== undefined) out.graceS = spec.graceS;
  if (spec.randomSubset !== undefined) out.randomSubset = spec.randomSubset;
  if (spec.downS !== undefined) out.downS = spec.downS;
  if (spec.trouble !== undefined) {
    const t = spec.trouble;
    out.trouble = { path: t.path, mode: t.mode, count: t.count, ...(t.delayMs !== undefined ? { delayMs: t.delayMs } : {}), ...(t.methods !== undefined ? { methods: [...t.methods] } : {}) };
  }
  return out;
}

function planFault(scenario: Scenario, scheduled: ScheduledFault, index: number, iteration: number, seed: number, timescale: number): PlannedFault {
  const t = scheduled.trigger;
  const trigger: PlannedFault['trigger'] =
    'after' in t
      ? { after: t.after, offsetMs: scaledMs(t.offsetS ?? 0, timescale), occurrence: t.occurrence ?? 1 }
      : 'atS' in t
        ? { atMs: scaledMs(t.atS, timescale) }
        : { atMs: scaledMs(sweepSeconds(seed, scenario.id, iteration, index), timescale) };
  return { index, trigger, fault: copySpec(scheduled.fault), targetSeed: hash32(seed, scenario.id, iteration, 'target', index) };
}

export function makePlan(scenario: Scenario, iteration: number, options: PlanOptions): FaultPlan {
  checkTimescale(options.timescale);
  if (!Number.isInteger(iteration) || iteration < 0) throw new UsageError(`iteration must be a non-negative integer, got ${iteration}`, { scenario: scenario.id });
  const seed = options.seed ?? scenario.seed;
  const timescale = options.timescale;
  return {
    scenarioId: scenario.id,
    iteration,
    requestId: iterationRequestId((scenario.iterationBase + iteration) % 10000),
    seed,
    timescale,
    faults: scenario.faults.map((f, i) => planFault(scenario, f, i, iteration, seed, timescale)),
    afterCompletion: scenario.afterCompletion.map(copySpec),
    timeoutMs: scaledMs(scenario.timeoutS, timescale),
    settleMs: scaledMs(scenario.settleS, timescale),
  };
}

/** JSON with keys sorted at every level: the form plans are compared and hashed in. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}
