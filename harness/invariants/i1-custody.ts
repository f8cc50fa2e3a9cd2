/**
 * I1 custody (docs/invariants.md): at every instant, the unseal key Vault
 * uses can be rebuilt from some complete set among cluster-key,
 * cluster-rekey, cluster-key-bk.
 *
 * Exact where the Vault double's key feed exists: the ledger and the feed
 * are merged into one history and, at every instant either changes, the key
 * in effect (and the key each server that is not up and unsealed would need)
 * must be the key of a complete, consistent set. Both sides are ordered by
 * commit instants: the feed's lines are stamped when the double commits, and
 * ledger entries carry the API server's commit instant (`committedAt`, from
 * its commit feed) — the same machine's epoch clock. The instant the harness
 * received a watch event is not used where a commit instant exists: a watch
 * that lags by more than a manager step would otherwise show the key in
 * effect as held by no set although the manager stored it first.
 *
 * Bracketed elsewhere: the switch to the new key happens somewhere between the
 * first appearance of the new set and `cluster-rekey-verified`, so the old key
 * must be held up to `verified`, and the new key (the cluster-rekey set's key
 * when `verified` is written) from its first complete appearance to the end.
 * Every comparison there is between instants of the one secret watch, which
 * keeps its order, so a lag of the whole watch cannot fail a correct run.
 */
import type { CustodyEntry, InvariantResult, KeyInEffect, RunRecord, ServerState } from '../../common/record.js';
import { describeSets, failed, firstEvent, heldKeys, initialKeyFp, passed } from './evidence.js';

type Instant = { t: number; entry?: CustodyEntry; key?: KeyInEffect };

export function checkI1(record: RunRecord): InvariantResult {
  if (record.ledger.length === 0) return failed('I1', 'no custody ledger was recorded: custody cannot be shown', {});
  return record.keyFeed && record.keyFeed.length > 0 ? checkExact(record, record.keyFeed) : checkBracketed(record);
}

/**
 * Each entry's instant: its commit instant, else (a change derived after a
 * watch gap, whose commit the gap hid) the earlier of when it was received
 * and the next commit instant in the ledger — it was committed before the
 * re-list that found it, so before any change watched after that. This keeps
 * the ledger's own order and does not let one late arrival delay the rest.
 */
function ledgerInstants(ledger: CustodyEntry[]): { instants: Instant[]; kind: 'commit' | 'receive' | 'mixed' } {
  const instants: Instant[] = new Array(ledger.length);
  let next = Infinity;
  for (let i = ledger.length - 1; i >= 0; i--) {
    const entry = ledger[i]!;
    const t = entry.committedAt ?? Math.min(entry.t, next);
    if (entry.committedAt !== undefined) next = entry.committedAt;
    instants[i] = { t, entry };
  }
  const committed = ledger.filter((e) => e.committedAt !== undefined).length;
  return { instants, kind: committed === ledger.length ? 'commit' : committed === 0 ? 'receive' : 'mixed' };
}

function checkExact(record: RunRecord, feed: KeyInEffect[]): InvariantResult {
  const ledger = ledgerInstants(record.ledger);
  const instants: Instant[] = [...ledger.instants, ...feed.map((key) => ({ t: key.t, key }))];
  // stable sort: at equal instants the ledger entry (listed first) applies before the feed line
  instants.sort((a, b) => a.t - b.t);
  let entry: CustodyEntry | undefined;
  let key: KeyInEffect | undefined;
  let checked = 0;
  const keysSeen = new Set<string>();
  for (const instant of instants) {
    if (instant.entry) entry = instant.entry;
    if (instant.key) key = instant.key;
    if (!entry || !key) continue;
    checked++;
    keysSeen.add(key.keyFp);
    const held = heldKeys(entry);
    const evidence = (extra: Record<string, unknown>) => ({
      mode: 'exact',
      instants: ledger.kind,
      keyInEffect: key!.keyFp,
      lastSecretChange: entry!.cause,
      sets: describeSets(entry!.sets),
      heldKeys: [...held.keys()],
      ...extra,
    });
    if (!held.has(key.keyFp)) {
      return failed('I1', `at ${iso(instant.t)} the key in effect ${key.keyFp} was in no complete, consistent set (after ${entry.cause})`, evidence({}), instant.t);
    }
    for (const [server, needed] of Object.entries(key.servers ?? {})) {
      if (held.has(needed) || serverIsUp(record, server, instant.t)) continue;
      return failed(
        'I1',
        `at ${iso(instant.t)} ${server} (not up and unsealed) needs key ${needed}, which no complete, consistent set held (after ${entry.cause})`,
        evidence({ server, keyNeeded: needed }),
        instant.t,
      );
    }
  }
  if (checked === 0) return failed('I1', 'the key feed and the ledger never overlapped in time: custody cannot be shown', { mode: 'exact', instants: ledger.kind });
  return passed('I1', `the key in effect was held by a complete set at all ${checked} instants of change`, { mode: 'exact', instants: ledger.kind, checked, keysInEffect: [...keysSeen] });
}

/** True when the newest service sample at or before t shows the server reachable and unsealed. */
function serverIsUp(record: RunRecord, pod: string, t: number): boolean {
  let state: ServerState | undefined;
  for (const sample of record.service) {
    if (sample.t > t) break;
    state = sample.servers.find((s) => s.pod === pod) ?? state;
  }
  return state !== undefined && state.reachable && state.sealed === false;
}

function checkBracketed(record: RunRecord): InvariantResult {
  const oldKey = initialKeyFp(record);
  if (oldKey === undefined) return failed('I1', 'the initial cluster-key fingerprint is unknown: custody cannot be shown', { mode: 'bracketed' });
  const newSetAt = record.ledger.find((e) => e.sets['cluster-rekey'].state !== 'absent')?.t;
  const verifiedAt = firstEvent(record, 'cluster-rekey-verified', newSetAt ?? -Infinity);
  const verifiedEntry = verifiedAt === undefined ? undefined : lastEntryAtOrBefore(record.ledger, verifiedAt);
  const newSet = verifiedEntry?.sets['cluster-rekey'];
  const base = { mode: 'bracketed', oldKey, bracket: { from: newSetAt, to: verifiedAt } };
  if (verifiedAt !== undefined && (!newSet || newSet.state !== 'complete' || newSet.keyFp === undefined)) {
    return failed('I1', `cluster-rekey-verified was written at ${iso(verifiedAt)} while the new set was not complete`, { ...base, sets: describeSets(verifiedEntry?.sets) }, verifiedAt);
  }
  const newKey = newSet?.keyFp;
  const newKeyFrom = newKey === undefined ? undefined : record.ledger.find((e) => heldKeys(e).has(newKey))?.t;
  for (const entry of record.ledger) {
    const held = heldKeys(entry);
    const required: string[] = [];
    if (verifiedAt === undefined || entry.t < verifiedAt) required.push(oldKey);
    if (newKey !== undefined && newKeyFrom !== undefined && entry.t >= newKeyFrom) required.push(newKey);
    const missing = required.find((k) => !held.has(k));
    if (missing === undefined) continue;
    const which = missing === oldKey ? 'old' : 'new';
    return failed(
      'I1',
      `at ${iso(entry.t)} the ${which} key ${missing}, possibly in effect then, was in no complete, consistent set (after ${entry.cause})`,
      { ...base, newKey, keyMissing: missing, lastSecretChange: entry.cause, sets: describeSets(entry.sets), heldKeys: [...held.keys()] },
      entry.t,
    );
  }
  return passed('I1', `every candidate key was held by a complete set throughout (${record.ledger.length} ledger entries)`, { ...base, newKey });
}

function lastEntryAtOrBefore(ledger: CustodyEntry[], t: number): CustodyEntry | undefined {
  let found: CustodyEntry | undefined;
  for (const e of ledger) if (e.t <= t) found = e;
  return found;
}

function iso(t: number): string {
  return new Date(t).toISOString();
}
