/**
 * Applying one fault: resolve its targets now (from a fresh snapshot, with
 * the fault's seeded random source), then hit every target concurrently — a
 * fault with several targets is one combined fault, as in F5–F8 and F10.
 * A vault-trouble fault's hit is a rule armed on the server (trouble.ts).
 *
 * `appliedAt` is when the last of the calls returned success (the API server
 * accepted the delete, the agent reported the kill), so "landed before the
 * next milestone" is judged conservatively. A target that vanished between
 * snapshot and call is a miss, not an error: the outcome is "not hit".
 */
import { nowMs } from '../../common/clock.js';
import { redact } from '../../common/redact.js';
import type { TroubleEffect } from '../../common/record.js';
import type { FaultSpec } from '../../common/scenario.js';
import { UnsupportedFaultError, type ClusterNames, type ProcessCapabilities } from '../backends/backend.js';
import { PodNotFoundError, snapshotTargets, type PodApi } from './pod-api.js';
import { seededRandom } from '../../common/random.js';
import { resolveTargets, unitName, type TargetUnit } from './targets.js';
import { armTrouble, finishTrouble, type ArmedTroubleRule } from './trouble.js';

export interface FaultContext {
  pods: PodApi;
  /** the backend's process-level capabilities (and its Vault trouble API); a missing one makes its targets a reported miss */
  processes: ProcessCapabilities;
  names: ClusterNames;
  /** procedure seconds → ms multiplier is 1000 × timescale */
  timescale: number;
}

export interface UnitResult {
  target: string;
  ok: boolean;
  at?: number;
  error?: string;
}

export interface FaultApplication {
  /** resolved targets, comma separated (pod or `node/<name>`) */
  target: string;
  units: UnitResult[];
  notes: string[];
  /** why some target specs hit nothing or a call failed; empty = everything hit */
  missing: string[];
  /** when the last successful call returned; undefined when nothing was hit */
  appliedAt?: number;
  /**
   * vault-trouble: reads what each armed rule did and removes it. Call once
   * the procedure is over and before anything else talks to Vault (the
   * harness's audits would otherwise meet the rules' leftovers).
   */
  finish?: () => Promise<TroubleEffect[]>;
}

/** Node loss lasts this long when the scenario does not say (procedure seconds). */
export const DEFAULT_NODE_DOWN_S = 30;

async function hit(unit: TargetUnit, fault: FaultSpec, ctx: FaultContext): Promise<{ at: number; rule?: ArmedTroubleRule }> {
  const ns = ctx.names.namespace;
  if (unit.type === 'node') {
    const downMs = Math.max(1, Math.round((fault.downS ?? DEFAULT_NODE_DOWN_S) * 1000 * ctx.timescale));
    if (!ctx.processes.loseNode) throw new UnsupportedFaultError('node loss', ctx.processes.name);
    await ctx.processes.loseNode(unit.node, downMs);
  } else if (fault.kind === 'vault-trouble') {
    return armTrouble(ns, unit.pod, fault, ctx.processes);
  } else if (fault.kind === 'delete-pod') {
    await ctx.pods.deletePod(ns, unit.pod, fault.graceS);
  } else {
    if (!ctx.processes.killProcess) throw new UnsupportedFaultError('process kill', ctx.processes.name);
    await ctx.processes.killProcess(ns, unit.pod);
  }
  return { at: nowMs() };
}

export async function applyFault(fault: FaultSpec, targetSeed: number, ctx: FaultContext): Promise<FaultApplication> {
  const view = await snapshotTargets(ctx.pods, ctx.names);
  const resolution = resolveTargets(fault, view, seededRandom(targetSeed));
  const settled = await Promise.allSettled(resolution.units.map((u) => hit(u, fault, ctx)));
  const missing = [...resolution.missing];
  const units: UnitResult[] = resolution.units.map((u, i) => {
    const r = settled[i]!;
    if (r.status === 'fulfilled') return { target: unitName(u), ok: true, at: r.value.at };
    const gone = r.reason instanceof PodNotFoundError;
    const error = gone ? 'target gone before the call' : redact(r.reason instanceof Error ? r.reason.message : String(r.reason));
    missing.push(`${unitName(u)}: ${error}`);
    return { target: unitName(u), ok: false, error };
  });
  const times = units.filter((u) => u.ok).map((u) => u.at!);
  const rules = settled.flatMap((r) => (r.status === 'fulfilled' && r.value.rule ? [r.value.rule] : []));
  return {
    target: units.map((u) => u.target).join(','),
    units,
    notes: resolution.notes,
    missing,
    ...(times.length > 0 ? { appliedAt: Math.max(...times) } : {}),
    ...(rules.length > 0 ? { finish: () => finishTrouble(ctx.names.namespace, rules, ctx.processes) } : {}),
  };
}
