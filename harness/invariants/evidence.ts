/**
 * Small shared helpers of the invariant checks: result constructors, compact
 * evidence of the shard sets at an instant, and the latest independent audit
 * of a set.
 */
import type { InvariantId } from '../../common/scenario.js';
import type { CustodyEntry, InvariantResult, RunRecord, SetAudit, SetSnapshot } from '../../common/record.js';
import { SET_PREFIXES, type SetPrefix } from '../../common/secrets.js';

export function passed(id: InvariantId, message: string, evidence: Record<string, unknown> = {}): InvariantResult {
  return { id, status: 'passed', message, evidence };
}

export function failed(id: InvariantId, message: string, evidence: Record<string, unknown> = {}, at?: number): InvariantResult {
  return at === undefined ? { id, status: 'failed', message, evidence } : { id, status: 'failed', message, at, evidence };
}

export function skipped(id: InvariantId, message: string): InvariantResult {
  return { id, status: 'skipped', message, evidence: {} };
}

/** The sets at an instant, as a reader wants to see them: state, present indices, key fingerprint, consistency. */
export function describeSets(sets: Record<SetPrefix, SetSnapshot> | undefined): Record<string, unknown> {
  if (!sets) return {};
  const out: Record<string, unknown> = {};
  for (const prefix of SET_PREFIXES) {
    const s = sets[prefix];
    if (!s) continue;
    out[prefix] = { state: s.state, present: s.present, keyFp: s.keyFp, consistent: s.consistent };
  }
  return out;
}

/** Key fingerprints held by a complete set whose ten subsets agree (the only sets that certainly rebuild a key). */
export function heldKeys(entry: CustodyEntry): Map<string, SetPrefix[]> {
  const held = new Map<string, SetPrefix[]>();
  for (const prefix of SET_PREFIXES) {
    const s = entry.sets[prefix];
    if (!s || s.state !== 'complete' || s.keyFp === undefined || s.consistent === false) continue;
    held.set(s.keyFp, [...(held.get(s.keyFp) ?? []), prefix]);
  }
  return held;
}

/** The newest audit of a prefix by t (the settled end state is audited last). */
export function latestAudit(record: RunRecord, prefix: SetAudit['prefix']): SetAudit | undefined {
  let best: SetAudit | undefined;
  for (const audit of record.audits) if (audit.prefix === prefix && (!best || audit.t >= best.t)) best = audit;
  return best;
}

/** The old key: the one recorded before the request, else the cluster-key of the first ledger entry. */
export function initialKeyFp(record: RunRecord): string | undefined {
  return record.initial.keyFp ?? record.ledger[0]?.sets['cluster-key']?.keyFp;
}

/** First timeline event with this name at or after `from`. */
export function firstEvent(record: RunRecord, name: string, from = -Infinity): number | undefined {
  for (const e of record.timeline) if (e.name === name && e.t >= from) return e.t;
  return undefined;
}
