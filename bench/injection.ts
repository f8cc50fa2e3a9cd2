/**
 * Fault-injection latency: from a milestone event being observed (the
 * fault's `triggeredAt`, the event's own timestamp) to the fault being
 * applied (`appliedAt`), minus any planned offset. Only milestone triggers
 * count: a timed trigger has no observed event to measure from.
 */
import type { RunRecord } from '../common/record.js';
import type { Scenario } from '../common/scenario.js';
import type { Catalog } from '../matrix/catalog.js';
import { hash32, seededSample } from '../common/random.js';
import { round, summarize } from './stats.js';

export interface InjectionSample {
  scenario: string;
  trigger: string;
  kind: string;
  target: string;
  landed: boolean;
  ms: number;
}

/** A fixed (seeded) sample of the milestone matrix: the same scenarios on every bench run. */
export function milestoneSample(catalog: Catalog, n: number): Scenario[] {
  const milestones = catalog.all().filter((s) => s.family === 'milestone');
  return seededSample(milestones, Math.min(n, milestones.length), hash32('bench-injection-sample'));
}

export function injectionSamples(records: readonly RunRecord[]): InjectionSample[] {
  const out: InjectionSample[] = [];
  for (const record of records) {
    for (const fault of record.faults) {
      const planned = record.plan.faults.find((p) => p.index === fault.index);
      if (!planned || !('after' in planned.trigger)) continue;
      if (fault.triggeredAt === undefined || fault.appliedAt === undefined) continue;
      out.push({
        scenario: record.scenario.id,
        trigger: fault.trigger,
        kind: fault.kind,
        target: fault.target,
        landed: fault.landed,
        ms: round(fault.appliedAt - fault.triggeredAt - planned.trigger.offsetMs, 2),
      });
    }
  }
  return out;
}

export interface InjectionLatency {
  n: number;
  p50_ms: number;
  p95_ms: number;
  max_ms: number;
  /** per fault kind: latency differs by path (agent API kill vs Kubernetes pod delete) */
  by_kind: Record<string, { n: number; p50_ms: number; p95_ms: number }>;
  landed: number;
  /** milestone-triggered faults that never fired or never applied (not in the latency sample) */
  not_applied: number;
}

export function injectionLatency(records: readonly RunRecord[]): InjectionLatency {
  const samples = injectionSamples(records);
  const all = summarize(
    samples.map((s) => s.ms),
    'fault-injection latency',
  );
  const byKind: InjectionLatency['by_kind'] = {};
  for (const kind of [...new Set(samples.map((s) => s.kind))].sort()) {
    const k = summarize(
      samples.filter((s) => s.kind === kind).map((s) => s.ms),
      `injection latency of ${kind}`,
    );
    byKind[kind] = { n: k.n, p50_ms: round(k.median, 2), p95_ms: round(k.p95, 2) };
  }
  const milestoneFaults = records.flatMap((r) => r.faults.filter((f) => f.index >= 0 && f.trigger.startsWith('after:')));
  return {
    n: all.n,
    p50_ms: round(all.median, 2),
    p95_ms: round(all.p95, 2),
    max_ms: round(all.max, 2),
    by_kind: byKind,
    landed: samples.filter((s) => s.landed).length,
    not_applied: milestoneFaults.length - samples.length,
  };
}
