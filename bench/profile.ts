/**
 * Where an iteration's wall time goes, from the runner's own marks in the
 * run record: setup (leftover check, initial fingerprints, watch start, the
 * request), procedure (request → rekey-complete: the manager's work, fault
 * recovery included), settle (after-completion faults, waiting for three
 * unsealed servers), check (audits, logs, invariants, record).
 */
import type { RunRecord } from '../common/record.js';
import { round } from './stats.js';

export interface IterationPhases {
  wallMs: number;
  setupMs?: number;
  procedureMs?: number;
  settleMs?: number;
  checkMs?: number;
}

export const PHASES = ['setupMs', 'procedureMs', 'settleMs', 'checkMs'] as const;
export type Phase = (typeof PHASES)[number];

function runnerMark(record: RunRecord, ...names: string[]): number | undefined {
  return record.timeline.find((e) => e.source === 'runner' && names.includes(e.name))?.t;
}

export function iterationPhases(record: RunRecord): IterationPhases {
  const out: IterationPhases = { wallMs: record.endedAt - record.startedAt };
  const requested = record.requestedAt;
  const completed = record.completedAt;
  const settled = runnerMark(record, 'runner:settled', 'runner:not-settled');
  if (requested !== undefined) out.setupMs = requested - record.startedAt;
  if (requested !== undefined && completed !== undefined) out.procedureMs = completed - requested;
  if (completed !== undefined && settled !== undefined) out.settleMs = settled - completed;
  if (settled !== undefined) out.checkMs = record.endedAt - settled;
  return out;
}

/** Mean of each phase over the records that have it, in ms, and the share of the mean wall time it takes. */
export function phaseProfile(records: readonly RunRecord[]): Record<Phase, { meanMs: number; n: number; share: number }> & { wallMeanMs: number } {
  const phases = records.map(iterationPhases);
  const wallMeanMs = phases.reduce((a, p) => a + p.wallMs, 0) / Math.max(1, phases.length);
  const out = { wallMeanMs: round(wallMeanMs, 1) } as Record<Phase, { meanMs: number; n: number; share: number }> & { wallMeanMs: number };
  for (const phase of PHASES) {
    const values = phases.map((p) => p[phase]).filter((v): v is number => v !== undefined);
    const meanMs = values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0;
    out[phase] = { meanMs: round(meanMs, 1), n: values.length, share: wallMeanMs > 0 ? round(meanMs / wallMeanMs, 3) : 0 };
  }
  return out;
}
