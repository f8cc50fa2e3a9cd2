/**
 * Milestone gates on the embedded cluster: deterministic "right after a
 * milestone" fault injection (docs/architecture.md, "Milestone gates").
 *
 * The manager at time scale 0.02 does several writes and Vault calls a few
 * milliseconds apart, faster than any observe→inject path. A gate pauses the
 * cluster's own programs at the milestone instead of racing them:
 *
 *   const gate = await armMilestoneGate(cluster, 'cluster-rekey-2', { maxHoldMs: 5000 });
 *   // ... request the rekey; the trigger sees `cluster-rekey-2` on the timeline ...
 *   await injectFault(...);            // lands while the manager is paused
 *   await gate?.release();             // always, also on failure (or let maxHoldMs expire)
 *   const s = await gate?.status();    // closed? when? how many requests were held / dropped
 *
 * What is paused, by milestone:
 *   `<secret>` / `<secret>-deleted`   the API server gate: when a POD-credential request commits
 *       that create/delete, its answer and every later pod write are held (reads and the
 *       harness's own requests pass). The manager, a sequential program, waits on that answer,
 *       so neither its next Kubernetes write nor its next Vault call happens.
 *   `vault-rekey-started`, `vault-auth-progress-N`, `vault-auth-complete`,
 *   `vault-verify-progress-N`, `vault-rotated`   a Vault double gate armed on every server:
 *       the server that emits the event holds that call's answer and every later write-like
 *       rekey/unseal/generate-root call it handles (standbys forward to it), until release.
 *   anything else (`rekey-complete`, `cluster-rekey-request` which the harness writes itself,
 *   audits the double cannot tell from a rekey, cancellations, active changes): undefined,
 *   the caller falls back to plain timing.
 *
 * Embedded backend only (its `gates` capability, harness/backends/backend.ts): the
 * extensions exist in the embedded API server and the Vault double, never in a real cluster.
 */
import fs from 'node:fs';
import path from 'node:path';
import { EnvironmentError, RekeyChaosError, UsageError } from '../../common/errors.js';
import { requestJson } from '../../common/http-json.js';
import { milestoneSecretNames } from '../../common/milestones.js';
import { readClusterState, resolveStateDir, type ClusterState, type EmbeddedCluster } from '../../platform/cluster.js';
import type { GateKind, MilestoneGate, MilestoneGates, MilestoneGateStatus } from './backend.js';

export interface ArmOptions {
  /** The gate opens by itself this long after it closed (default 5000 ms): a forgotten release cannot wedge a run. */
  maxHoldMs?: number;
}

export class GateError extends RekeyChaosError {
  constructor(message: string, context: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, 1, context, options);
  }
}

/** The cluster to gate: a started cluster, a state dir, or undefined for the default state dir. */
export type GateClusterRef = EmbeddedCluster | string | undefined;

export type GateSpec =
  | { kind: 'kubernetes'; body: { resource: 'secrets'; name: string; type: 'ADDED' | 'DELETED' } }
  | { kind: 'vault'; body: { event: 'rekey-started' | 'rekey-progress' | 'rekey-auth-complete' | 'verify-progress' | 'rotated'; progress?: number } };

const DEFAULT_MAX_HOLD_MS = 5000;
/** Secrets the harness itself writes: the pods never commit them, so no gate would close. */
const HARNESS_WRITTEN = new Set(['cluster-rekey-request']);

/** How a milestone is gated, or undefined when it cannot be (pure; for planning and tests). */
export function gateSpecFor(milestone: string): GateSpec | undefined {
  const progress = /^vault-(auth|verify)-progress-([1-9]\d*)$/.exec(milestone);
  if (progress) return { kind: 'vault', body: { event: progress[1] === 'auth' ? 'rekey-progress' : 'verify-progress', progress: Number(progress[2]) } };
  if (milestone === 'vault-rekey-started') return { kind: 'vault', body: { event: 'rekey-started' } };
  if (milestone === 'vault-auth-complete') return { kind: 'vault', body: { event: 'rekey-auth-complete' } };
  if (milestone === 'vault-rotated') return { kind: 'vault', body: { event: 'rotated' } };
  const secrets = milestoneSecretNames();
  if (secrets.includes(milestone) && !HARNESS_WRITTEN.has(milestone)) return { kind: 'kubernetes', body: { resource: 'secrets', name: milestone, type: 'ADDED' } };
  const deleted = milestone.endsWith('-deleted') ? milestone.slice(0, -'-deleted'.length) : undefined;
  if (deleted && secrets.includes(deleted)) return { kind: 'kubernetes', body: { resource: 'secrets', name: deleted, type: 'DELETED' } };
  return undefined;
}

/**
 * Arms a one-shot gate for `milestone`. Arm it before the milestone can
 * happen (before requesting the rekey). Undefined when the milestone cannot
 * be gated. Throws UsageError for a bad maxHoldMs, EnvironmentError when the
 * cluster is not running or no server accepted the gate.
 */
export async function armMilestoneGate(cluster: GateClusterRef, milestone: string, options: ArmOptions = {}): Promise<MilestoneGate | undefined> {
  const maxHoldMs = options.maxHoldMs ?? DEFAULT_MAX_HOLD_MS;
  if (!Number.isInteger(maxHoldMs) || maxHoldMs <= 0 || maxHoldMs > 120_000) throw new UsageError(`maxHoldMs must be an integer in 1..120000, got ${maxHoldMs}`, { maxHoldMs });
  const spec = gateSpecFor(milestone);
  if (!spec) return undefined;
  const { state, stateDir } = clusterOf(cluster);
  const api: Endpoint = { base: state.apiUrl, ca: state.apiCaPem, token: state.token };
  if (spec.kind === 'kubernetes') {
    const armed = await call<RawStatus>(api, 'POST', '/rekey-chaos/v1/gates', { ...spec.body, namespace: state.namespace, maxHoldMs });
    return makeGate(milestone, 'kubernetes', [{ endpoint: api, path: `/rekey-chaos/v1/gates/${armed.id}`, server: 'apiserver', id: armed.id }]);
  }
  const ca = fs.readFileSync(path.join(stateDir, 'pki', 'ca.crt'), 'utf8');
  const servers = await vaultServers(api, state);
  const armed: GateRef[] = [];
  const failures: string[] = [];
  for (const s of servers) {
    const endpoint: Endpoint = { base: s.url, ca };
    try {
      const gate = await call<RawStatus>(endpoint, 'POST', '/v1/sys/rekey-chaos/gates', { ...spec.body, maxHoldMs });
      armed.push({ endpoint, path: `/v1/sys/rekey-chaos/gates/${gate.id}`, server: s.pod, id: gate.id });
    } catch (err) {
      // A server that is down cannot emit the event either; the others are armed.
      failures.push(`${s.pod}: ${(err as Error).message}`);
    }
  }
  if (armed.length === 0) throw new EnvironmentError(`no Vault server accepted a gate for ${milestone}: ${failures.join('; ') || 'no server pods'}`, { milestone });
  return makeGate(milestone, 'vault', armed);
}

/** Which gate the embedded cluster would hold a milestone with (pure; the capability's `kindOf`). */
export function embeddedGateKind(milestone: string): GateKind | undefined {
  return gateSpecFor(milestone)?.kind;
}

/** The embedded backend's `gates` capability, on a started cluster. */
export function embeddedGates(cluster: () => EmbeddedCluster): MilestoneGates {
  return {
    kindOf: embeddedGateKind,
    arm: (milestone, maxHoldMs) => armMilestoneGate(cluster(), milestone, { maxHoldMs }),
  };
}

// --- internals -------------------------------------------------------------

interface Endpoint {
  base: string;
  ca: string;
  token?: string;
}
interface GateRef {
  endpoint: Endpoint;
  path: string;
  server: string;
  id: string;
}
interface RawStatus {
  id: string;
  state: MilestoneGateStatus['state'];
  closedAt: number | null;
  releasedAt: number | null;
  held: number;
  dropped: number;
}

function clusterOf(ref: GateClusterRef): { state: ClusterState; stateDir: string } {
  if (ref !== undefined && typeof ref !== 'string') return { state: ref.state, stateDir: ref.stateDir };
  const stateDir = resolveStateDir(ref);
  const state = readClusterState(stateDir);
  if (!state) throw new EnvironmentError(`no embedded cluster is running in ${stateDir} (gates exist only on the embedded backend)`, { stateDir });
  return { state, stateDir };
}

/** The Vault server pods with their addresses, from the API server (addresses change on recreation). */
async function vaultServers(api: Endpoint, state: ClusterState): Promise<Array<{ pod: string; url: string }>> {
  const selector = encodeURIComponent(`app.kubernetes.io/name=vault,component=server,app.kubernetes.io/instance=${state.fullname}`);
  const list = await call<{ items: Array<{ metadata: { name: string; deletionTimestamp?: string }; status?: { podIP?: string } }> }>(
    api,
    'GET',
    `/api/v1/namespaces/${encodeURIComponent(state.namespace)}/pods?labelSelector=${selector}`,
  );
  return list.items
    .filter((p) => p.status?.podIP && !p.metadata.deletionTimestamp)
    .map((p) => ({ pod: p.metadata.name, url: `https://${p.status!.podIP}:8200` }));
}

function makeGate(milestone: string, kind: MilestoneGate['kind'], refs: GateRef[]): MilestoneGate {
  const combine = (parts: Array<{ ref: GateRef; s: RawStatus }>): MilestoneGateStatus => {
    const closedOnes = parts.filter((p) => p.s.closedAt !== null).sort((a, b) => a.s.closedAt! - b.s.closedAt!);
    const first = closedOnes[0];
    // The gate that closed speaks for the whole; before any closed, they are all armed (or disarmed) alike.
    const lead = first ?? parts[0]!;
    const status: MilestoneGateStatus = {
      milestone,
      state: lead.s.state,
      closed: first !== undefined,
      held: parts.reduce((n, p) => n + p.s.held, 0),
      dropped: parts.reduce((n, p) => n + p.s.dropped, 0),
    };
    if (first) status.closedAt = first.s.closedAt!;
    if (lead.s.releasedAt !== null) status.releasedAt = lead.s.releasedAt;
    if (first && kind === 'vault') status.server = first.ref.server;
    return status;
  };
  const each = async (method: 'GET' | 'DELETE'): Promise<MilestoneGateStatus> => {
    const parts: Array<{ ref: GateRef; s: RawStatus }> = [];
    const errors: string[] = [];
    await Promise.all(
      refs.map(async (ref) => {
        try {
          parts.push({ ref, s: await call<RawStatus>(ref.endpoint, method, ref.path) });
        } catch (err) {
          // A killed or recreated Vault server took its gates (and anything it held) with it.
          errors.push(`${ref.server}: ${(err as Error).message}`);
        }
      }),
    );
    if (parts.length === 0) throw new GateError(`gate for ${milestone} unreachable: ${errors.join('; ')}`, { milestone });
    return combine(parts);
  };
  return {
    milestone,
    kind,
    ids: refs.map((r) => r.id),
    release: () => each('DELETE'),
    status: () => each('GET'),
    [Symbol.asyncDispose]: async () => {
      await each('DELETE');
    },
    async waitClosed({ timeoutMs = 30_000, signal } = {}) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        signal?.throwIfAborted();
        const s = await each('GET');
        if (s.closed) return s;
        if (s.state !== 'armed') throw new GateError(`gate for ${milestone} was ${s.state} before it closed`, { milestone, state: s.state });
        if (Date.now() > deadline) throw new GateError(`gate for ${milestone} did not close within ${timeoutMs} ms`, { milestone, timeoutMs });
        await new Promise((r) => setTimeout(r, 5));
      }
    },
  };
}

/** One JSON request; a non-2xx answer is a GateError carrying the server's message. */
async function call<T>(endpoint: Endpoint, method: string, pathAndQuery: string, body?: unknown): Promise<T> {
  const res = await requestJson<T>(new URL(pathAndQuery, endpoint.base), {
    method,
    ca: endpoint.ca,
    ...(endpoint.token !== undefined ? { bearer: endpoint.token } : {}),
    ...(body !== undefined ? { json: body } : {}),
  });
  if (res.status >= 200 && res.status < 300) return res.json as T;
  const answer = res.json as { message?: string; errors?: string[] } | undefined;
  const why = answer?.message ?? answer?.errors?.join('; ') ?? res.text.slice(0, 200);
  throw new GateError(`${method} ${endpoint.base}${pathAndQuery.split('?')[0]} answered ${res.status}: ${why}`, { method, code: res.status });
}
