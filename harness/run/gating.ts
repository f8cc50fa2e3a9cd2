/**
 * Milestone gates in the runner: which planned faults get a gate, how long a
 * gate may hold, and what a gate's status means for the landing decision.
 *
 * Without a gate, "right after milestone M" is a race: the manager at time
 * scale 0.02 takes its next step a few ms after M, faster than the
 * observe→inject path. With a gate (the backend's `gates` capability, the
 * embedded cluster's: harness/backends/embedded-gates.ts) the cluster's own programs are held right after M,
 * the fault is applied while they wait, and only then is the gate released.
 *
 * The fault fires when the milestone reaches the timeline, as without a gate:
 * the gate has closed by then (the API server closes it when it commits the
 * write, before the watch event; the double when it writes the feed line).
 * Polling the gates instead would load every Vault server with TLS handshakes
 * and gain nothing. A gate that closed but whose milestone never reached the
 * timeline opens after maxHoldMs, and its fault is reported not hit.
 *
 * What is gated, and what is not (those keep the plain timing path):
 *  - `after:` triggers whose milestone the backend's gates can hold (`kindOf`), occurrence 1,
 *    no offset. Armed before the request, a gate closes at the first
 *    occurrence after arming, which is the trigger's occurrence 1.
 *  - not `occurrence: N > 1`: re-arming after occurrence N-1 would race the
 *    very burst the gate is meant to stop (N-1 and N can be ms apart).
 *  - not offset triggers: the gate holds the system, so an offset measured while
 *    it is held would mean nothing, and one measured after the release is the
 *    ungated race again.
 *  - not timed (`at:`) triggers: they aim at an instant, not a milestone.
 *  - not where the backend has no `gates` capability (kind, kubeconfig: real clusters have none).
 */
import os from 'node:os';
import type { GateRecord } from '../../common/record.js';
import type { PlannedFault } from '../../common/scenario.js';
import { redact } from '../../common/redact.js';
import type { MilestoneGate, MilestoneGates, MilestoneGateStatus } from '../backends/backend.js';

/** The base hold: far above any inject latency (tens of ms), short enough that a lost release costs little. */
export const BASE_GATE_HOLD_MS = 5000;
const MAX_GATE_HOLD_MS = 120_000;

/**
 * How long a gate may hold before it opens by itself: the base, stretched by
 * the machine's load (a loaded 2-core machine can take seconds to schedule the
 * injection), unless configured.
 */
export function gateHoldMs(configured?: number, load = os.loadavg()[0] ?? 0, cores = os.cpus().length || 1): number {
  if (configured !== undefined) return configured;
  return Math.min(MAX_GATE_HOLD_MS, Math.round(BASE_GATE_HOLD_MS * Math.max(1, load / cores)));
}

/** Should this planned fault be injected behind one of these gates (see the header for the rules)? */
export function gateEligible(p: PlannedFault, gates: Pick<MilestoneGates, 'kindOf'>): boolean {
  const t = p.trigger;
  return 'after' in t && t.offsetMs === 0 && t.occurrence === 1 && gates.kindOf(t.after) !== undefined;
}

/** A fresh record for a gate just armed. */
export function armedRecord(gate: MilestoneGate, maxHoldMs: number): GateRecord {
  return { milestone: gate.milestone, kind: gate.kind, ids: gate.ids ?? [], maxHoldMs, state: 'armed', held: 0, dropped: 0 };
}

/** A record for a gate that could not be armed: the fault runs on plain timing. */
export function failedArmRecord(milestone: string, kind: GateRecord['kind'], maxHoldMs: number, err: unknown): GateRecord {
  return { milestone, kind, ids: [], maxHoldMs, state: 'unknown', held: 0, dropped: 0, error: describe(err) };
}

/**
 * Folds a status read into the record. The closing instant is kept from the
 * first read that saw it: a kill of the Vault server that closed the gate
 * takes that gate with it, and later reads only see the other servers' armed ones.
 */
export function mergeStatus(rec: GateRecord, s: MilestoneGateStatus): void {
  if (rec.closedAt === undefined && s.closedAt !== undefined) {
    rec.closedAt = s.closedAt;
    if (s.server !== undefined) rec.server = s.server;
  }
  const sameGate = rec.closedAt === undefined || s.closedAt === rec.closedAt;
  if (sameGate) {
    rec.state = s.state;
    if (s.releasedAt !== undefined) rec.releasedAt = s.releasedAt;
  } else if (rec.state === 'closed') {
    // The closing server is gone; what it held went with it (dropped, never applied). The others' release is the harness's.
    rec.state = 'released';
    if (s.releasedAt !== undefined) rec.releasedAt ??= s.releasedAt;
  }
  rec.held = Math.max(rec.held, s.held);
  rec.dropped = Math.max(rec.dropped, s.dropped);
}

export function noteGateError(rec: GateRecord, what: string, err: unknown): void {
  const line = `${what}: ${describe(err)}`;
  rec.error = rec.error ? `${rec.error}; ${line}` : line;
}

/**
 * Was the cluster held by the gate when the fault was applied? Yes when the
 * gate had closed, and neither the harness's release nor the gate's own expiry
 * (closedAt + maxHoldMs) came before the application. Undefined when the gate
 * never reported closing (armed only, or unreachable): the caller decides by
 * the timeline instead.
 */
export function heldAtApplication(gate: GateRecord | undefined, appliedAt: number): boolean | undefined {
  if (!gate || gate.closedAt === undefined) return undefined;
  if (appliedAt < gate.closedAt) return false;
  const opened = Math.min(gate.releasedAt ?? Infinity, gate.closedAt + gate.maxHoldMs);
  return appliedAt <= opened;
}

function describe(err: unknown): string {
  return redact(err instanceof Error ? err.message : String(err));
}
