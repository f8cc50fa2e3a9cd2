/**
 * Turns a run record into the lanes of the timeline picture: piecewise
 * constant states over time (shard sets, key in effect, servers). Pure data,
 * no drawing, so the rules of what a lane shows are testable on their own.
 */
import type { RunRecord, ServerState, SetSnapshot } from '../../common/record.js';
import { SET_PREFIXES, SHARES } from '../../common/secrets.js';

export interface Segment {
  from: number; // epoch ms
  to: number;
  state: string; // absent | partial | complete | active | standby | sealed | down | unknown | key
  /** key fingerprint the segment belongs to, when known: drives the colour */
  keyFp?: string;
  label?: string;
}

export interface Lane {
  id: string; // cluster-key, cluster-rekey, cluster-key-bk, key-in-effect, server:<pod>
  title: string;
  group: 'set' | 'key' | 'server';
  segments: Segment[];
  /** why the lane is empty, when it is */
  note?: string;
}

export interface TimeDomain {
  origin: number; // the request instant (x = 0)
  start: number;
  end: number;
}

export function timeDomain(record: RunRecord): TimeDomain {
  const origin = record.requestedAt ?? record.startedAt;
  const end = Math.max(record.endedAt, origin + 1);
  // A little pre-roll so the state at the request is visible, without letting deploy time dominate.
  const start = origin - Math.max(1, (end - origin) * 0.04);
  return { origin, start, end };
}

/** shard fingerprint → key fingerprint, learned from every snapshot that knew its key, so partial sets get a colour too. */
function shardOwners(record: RunRecord): Map<string, string> {
  const owners = new Map<string, string>();
  for (const entry of record.ledger)
    for (const snap of Object.values(entry.sets)) {
      if (!snap.keyFp || snap.consistent === false) continue;
      for (const fp of Object.values(snap.shardFps)) owners.set(fp, snap.keyFp);
    }
  return owners;
}

function keyOfSnapshot(snap: SetSnapshot, owners: Map<string, string>): string | undefined {
  if (snap.keyFp) return snap.keyFp;
  const keys = new Set(Object.values(snap.shardFps).map((fp) => owners.get(fp)));
  if (keys.size !== 1) return undefined; // unknown or mixed
  return [...keys][0];
}

function clampSegments(segments: Segment[], domain: TimeDomain): Segment[] {
  return segments
    .map((s) => ({ ...s, from: Math.max(s.from, domain.start), to: Math.min(s.to, domain.end) }))
    .filter((s) => s.to > s.from);
}

function setLanes(record: RunRecord, domain: TimeDomain): Lane[] {
  const owners = shardOwners(record);
  const entries = [...record.ledger].sort((a, b) => a.t - b.t);
  return SET_PREFIXES.map((prefix) => {
    const segments: Segment[] = [];
    entries.forEach((entry, i) => {
      const snap = entry.sets[prefix];
      if (!snap) return;
      const to = entries[i + 1]?.t ?? domain.end;
      const keyFp = snap.state === 'absent' ? undefined : keyOfSnapshot(snap, owners);
      const count = `${snap.present.length}/${SHARES}`;
      const mixed = snap.consistent === false ? ' inconsistent' : '';
      const label = snap.state === 'absent' ? undefined : `${keyFp ?? '?'} ${count}${mixed}`;
      const last = segments[segments.length - 1];
      // another set's change does not split this lane's bar
      if (last && last.state === snap.state && last.keyFp === keyFp && last.label === label) last.to = to;
      else segments.push({ from: entry.t, to, state: snap.state, keyFp, label });
    });
    const lane: Lane = { id: prefix, title: prefix, group: 'set', segments: clampSegments(segments, domain) };
    if (entries.length === 0) lane.note = 'no custody ledger';
    return lane;
  });
}

function keyLane(record: RunRecord, domain: TimeDomain): Lane {
  const lane: Lane = { id: 'key-in-effect', title: 'key in effect', group: 'key', segments: [] };
  if (record.keyFeed === null) {
    lane.note = `not observable on the ${record.backend} backend`;
    return lane;
  }
  const feed = [...record.keyFeed].sort((a, b) => a.t - b.t);
  lane.segments = clampSegments(
    feed.map((k, i) => ({ from: k.t, to: feed[i + 1]?.t ?? domain.end, state: 'key', keyFp: k.keyFp, label: k.keyFp })),
    domain,
  );
  if (feed.length === 0) lane.note = 'no key feed entries';
  return lane;
}

export function serverState(s: ServerState): string {
  if (!s.reachable) return 'down';
  if (s.sealed === true) return 'sealed';
  if (s.active === true) return 'active';
  if (s.sealed === false) return 'standby';
  return 'unknown';
}

function serverLanes(record: RunRecord, domain: TimeDomain): Lane[] {
  const samples = [...record.service].sort((a, b) => a.t - b.t);
  const pods = [...new Set(samples.flatMap((s) => s.servers.map((v) => v.pod)))].sort();
  if (pods.length === 0) return [{ id: 'servers', title: 'servers', group: 'server', segments: [], note: 'no server status samples in the record' }];
  return pods.map((pod) => {
    const segments: Segment[] = [];
    samples.forEach((sample, i) => {
      const server = sample.servers.find((v) => v.pod === pod);
      const state = server ? serverState(server) : 'unknown';
      const to = samples[i + 1]?.t ?? domain.end;
      const last = segments[segments.length - 1];
      if (last && last.state === state) last.to = to; // merge repeats: one bar per state change
      else segments.push({ from: sample.t, to, state, label: state });
    });
    return { id: `server:${pod}`, title: pod, group: 'server' as const, segments: clampSegments(segments, domain) };
  });
}

export function buildLanes(record: RunRecord, domain = timeDomain(record)): Lane[] {
  return [...setLanes(record, domain), keyLane(record, domain), ...serverLanes(record, domain)];
}
