/**
 * Target resolution: turns a fault's target specs (the grammar of
 * common/scenario.ts) into the pods or nodes to hit, from a snapshot
 * of the cluster taken at injection time. Pure: the same snapshot and the
 * same seed give the same targets, which is what makes a plan replayable.
 *
 * Decisions the grammar leaves open (each recorded in `notes` or `missing`):
 *  - `active` with no server labelled vault-active=true resolves to nothing
 *    (the fault then misses: "not hit"); with two or more, one is picked with
 *    the seeded source and the ambiguity is noted.
 *  - `standby` picks among servers with vault-active=false that are not
 *    labelled sealed.
 *  - For pod faults, `node:<name>` and `node-of:active` mean the *server* pods
 *    on that node (the matrix kills "the vault server process on the node");
 *    the manager is only ever hit through `manager`.
 *  - For node loss every pod target maps to the node hosting it.
 *  - Terminating pods (deletionTimestamp set) are already gone: never targets.
 */
import { UsageError } from '../../common/errors.js';
import type { FaultSpec } from '../../common/scenario.js';
import type { Random } from '../../common/random.js';

/** A pod as target resolution sees it (not platform/agent's ClusterView, which is the CLI's status). */
export interface TargetPod {
  name: string;
  role: 'server' | 'manager' | 'other';
  node?: string;
  labels: Record<string, string>;
  uid?: string;
  ip?: string;
  terminating: boolean;
}

/** The pods and nodes at injection time, that a fault's targets are resolved against. */
export interface TargetSnapshot {
  namespace: string;
  fullname: string;
  pods: TargetPod[];
  /** node names known to exist (from pods' nodeName when the backend has no node list) */
  nodes: string[];
}

export type TargetUnit = { type: 'pod'; pod: string; node?: string } | { type: 'node'; node: string };

export interface Resolution {
  units: TargetUnit[];
  /** decisions taken, e.g. "2 servers labelled active; picked sva-vault-1" */
  notes: string[];
  /** target specs that resolved to nothing, with why */
  missing: string[];
}

export function unitName(unit: TargetUnit): string {
  return unit.type === 'pod' ? unit.pod : `node/${unit.node}`;
}

const byName = (a: TargetPod, b: TargetPod) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

function livePods(view: TargetSnapshot, role: TargetPod['role']): TargetPod[] {
  return view.pods.filter((p) => p.role === role && !p.terminating).sort(byName);
}

function activeServer(view: TargetSnapshot, rnd: Random, notes: string[]): TargetPod | undefined {
  const active = livePods(view, 'server').filter((p) => p.labels['vault-active'] === 'true');
  if (active.length === 0) return undefined;
  if (active.length === 1) return active[0];
  const chosen = rnd.pick(active);
  notes.push(`${active.length} servers labelled vault-active=true (${active.map((p) => p.name).join(', ')}); picked ${chosen.name}`);
  return chosen;
}

/** Resolves one target spec to pods (or, for `node:<name>`, possibly a bare node). */
function resolveSpec(spec: string, view: TargetSnapshot, rnd: Random, notes: string[]): { pods: TargetPod[]; node?: string; why?: string } {
  const servers = livePods(view, 'server');
  if (spec === 'active') {
    const a = activeServer(view, rnd, notes);
    return a ? { pods: [a] } : { pods: [], why: 'no server labelled vault-active=true' };
  }
  if (spec === 'standby') {
    const standbys = servers.filter((p) => p.labels['vault-active'] === 'false' && p.labels['vault-sealed'] !== 'true');
    return standbys.length > 0 ? { pods: [rnd.pick(standbys)] } : { pods: [], why: 'no unsealed standby server' };
  }
  if (spec === 'random-server') return servers.length > 0 ? { pods: [rnd.pick(servers)] } : { pods: [], why: 'no server pod' };
  if (spec === 'all-servers') return servers.length > 0 ? { pods: servers } : { pods: [], why: 'no server pod' };
  if (spec === 'manager') {
    const managers = livePods(view, 'manager');
    return managers.length > 0 ? { pods: managers } : { pods: [], why: 'no manager pod' };
  }
  const server = /^server:([0-9]+)$/.exec(spec);
  if (server) {
    const name = `${view.fullname}-${server[1]}`;
    const pod = servers.find((p) => p.name === name);
    return pod ? { pods: [pod] } : { pods: [], why: `pod ${name} does not exist or is terminating` };
  }
  const node = /^node:(.+)$/.exec(spec);
  if (node) {
    const name = node[1]!;
    if (view.nodes.length > 0 && !view.nodes.includes(name)) return { pods: [], why: `node ${name} unknown` };
    return { pods: servers.filter((p) => p.node === name), node: name };
  }
  if (spec === 'node-of:active') {
    const a = activeServer(view, rnd, notes);
    if (!a) return { pods: [], why: 'no server labelled vault-active=true' };
    if (!a.node) return { pods: [], why: `active server ${a.name} has no node` };
    return { pods: servers.filter((p) => p.node === a.node), node: a.node };
  }
  throw new UsageError(`unknown fault target '${spec}'`, { target: spec });
}

/** F8's choice: a random 1–4 element subset of {manager, the server on each node}. */
function randomSubset(view: TargetSnapshot, rnd: Random): TargetPod[] {
  const universe = [...livePods(view, 'manager').slice(0, 1), ...livePods(view, 'server')];
  if (universe.length === 0) return [];
  const size = 1 + rnd.int(Math.min(4, universe.length));
  for (let i = universe.length - 1; i > 0; i--) {
    const j = rnd.int(i + 1);
    [universe[i], universe[j]] = [universe[j]!, universe[i]!];
  }
  return universe.slice(0, size).sort(byName);
}

export function resolveTargets(fault: FaultSpec, view: TargetSnapshot, rnd: Random): Resolution {
  const notes: string[] = [];
  const missing: string[] = [];
  const pods: TargetPod[] = [];
  const bareNodes: string[] = [];
  if (fault.randomSubset) {
    pods.push(...randomSubset(view, rnd));
    notes.push(`random subset: ${pods.map((p) => p.name).join(', ') || '(none)'}`);
    if (pods.length === 0) missing.push('random-subset: no manager or server pod');
  } else {
    for (const spec of fault.targets) {
      const r = resolveSpec(spec, view, rnd, notes);
      pods.push(...r.pods);
      if (r.pods.length === 0 && r.node !== undefined && fault.kind === 'node-loss') bareNodes.push(r.node);
      else if (r.pods.length === 0) missing.push(`${spec}: ${r.why ?? 'no server pod on the node'}`);
    }
  }
  const units: TargetUnit[] = [];
  const seen = new Set<string>();
  const add = (u: TargetUnit) => {
    const key = unitName(u);
    if (!seen.has(key)) {
      seen.add(key);
      units.push(u);
    }
  };
  if (fault.kind === 'node-loss') {
    for (const p of pods) {
      if (p.node) add({ type: 'node', node: p.node });
      else missing.push(`${p.name}: no node`);
    }
    for (const n of bareNodes) add({ type: 'node', node: n });
  } else {
    for (const p of pods) add({ type: 'pod', pod: p.name, ...(p.node ? { node: p.node } : {}) });
  }
  return { units, notes, missing };
}
