/**
 * I8 procedure conformance (docs/invariants.md): in a fault-free iteration
 * the manager passes every milestone its procedure requires, in order. A
 * skipped step (an audit never made) or two steps swapped (a set deleted
 * before its backup exists) can leave a final state that looks right; the
 * timeline still shows it.
 *
 * The required list comes from one table per manager kind
 * (common/milestones.ts PROCEDURE_MILESTONES). Vault events are required
 * only where they are exact (the Vault double's feed): the poller may miss a
 * short audit rekey or stamp an inferred event late, so without the feed
 * only the secret milestones are judged.
 */
import { eventInstant, type InvariantResult, type RunRecord, type TimelineEvent } from '../../common/record.js';
import { isVaultEvent, managerKindOf, PROCEDURE_MILESTONES, type ManagerKind } from '../../common/milestones.js';
import { failed, passed, skipped } from './evidence.js';
import { isFaultFree } from './i6-clean-log.js';

export type ConformanceProblem =
  | { kind: 'missing'; milestone: string; after?: string }
  | { kind: 'out-of-order'; milestone: string; after: string; t: number; afterT: number };

/**
 * Walks the required milestones through the events (in the order they happened, eventInstant): each
 * must occur after the one before it. Returns the first problem, or
 * undefined with the number of milestones matched. Extra events (a
 * cancelled rekey, an active change) are ignored.
 */
export function findConformanceProblem(events: readonly Pick<TimelineEvent, 'name' | 't' | 'detail'>[], required: readonly string[]): { problem?: ConformanceProblem; matched: number } {
  const ordered = [...events].map((e) => ({ name: e.name, t: eventInstant(e) })).sort((a, b) => a.t - b.t);
  let cursor = -1;
  let previous: { name: string; t: number } | undefined;
  for (const [n, milestone] of required.entries()) {
    const next = ordered.findIndex((e, i) => i > cursor && e.name === milestone);
    if (next >= 0) {
      cursor = next;
      previous = { name: milestone, t: ordered[next]!.t };
      continue;
    }
    const earlier = ordered.find((e) => e.name === milestone);
    if (earlier && previous) return { matched: n, problem: { kind: 'out-of-order', milestone, after: previous.name, t: earlier.t, afterT: previous.t } };
    return { matched: n, problem: previous ? { kind: 'missing', milestone, after: previous.name } : { kind: 'missing', milestone } };
  }
  return { matched: required.length };
}

/** The manager kind of a record: the recorded one, else derived from its --manager spec. */
export function recordManagerKind(record: RunRecord): ManagerKind | undefined {
  return record.managerKind ?? managerKindOf(record.manager);
}

/** Vault events are exact only when they come from the feed. */
export function hasExactVaultEvents(record: RunRecord): boolean {
  return record.keyFeed !== null || record.timeline.some((e) => e.source === 'vault-feed');
}

export function checkI8(record: RunRecord): InvariantResult {
  if (!isFaultFree(record)) return skipped('I8', 'applies to fault-free runs only');
  const kind = recordManagerKind(record);
  if (kind === undefined) return failed('I8', `no procedure table for manager "${record.manager}": conformance cannot be shown`, { manager: record.manager });
  const exact = hasExactVaultEvents(record);
  const required = PROCEDURE_MILESTONES[kind].filter((name) => exact || !isVaultEvent(name));
  const events = record.timeline.filter((e) => e.source !== 'fault' && e.source !== 'runner' && (exact || e.source !== 'vault-poll'));
  const { problem, matched } = findConformanceProblem(events, required);
  const evidence = { managerKind: kind, vaultEvents: exact ? 'required (feed)' : 'not judged (no feed)', required: required.length, matched };
  if (!problem) return passed('I8', `all ${required.length} milestones of the ${kind} procedure occurred in order`, evidence);
  if (problem.kind === 'missing') {
    const where = problem.after ? ` after ${problem.after}` : '';
    return failed('I8', `required milestone ${problem.milestone} never occurred${where} (${kind} procedure)`, { ...evidence, milestone: problem.milestone, after: problem.after });
  }
  return failed(
    'I8',
    `milestone ${problem.milestone} occurred out of order: before ${problem.after}, which the ${kind} procedure requires first`,
    { ...evidence, milestone: problem.milestone, after: problem.after, afterAt: problem.afterT },
    problem.t,
  );
}
