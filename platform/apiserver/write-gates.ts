/**
 * Write gates of the embedded API server (harness-only extension, see
 * docs/architecture.md "Milestone gates").
 *
 * The server knows two credentials: the harness's (the `kubeconfig` of the
 * state dir) and the pods' (`pod-kubeconfig`, handed to the manager and the
 * Vault servers). A gate armed on `{resource, name, type}` closes when a
 * request carrying the POD credential commits that change. The milestone
 * write itself is applied and its watch event delivered at once, but its
 * answer is held with everything after it: every later mutating request of
 * the pod credential waits (not applied) until the harness releases the gate
 * or `maxHoldMs` runs out. Holding the milestone request's own answer is what
 * pauses a sequential program such as the manager right at the milestone,
 * whatever its next step is (a Kubernetes write, or a Vault call this server
 * never sees). Reads are never held, nor is anything the harness credential
 * does (its faults must go through).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GateBoard, httpClientLink, MAX_HOLD_MS, type GateStatus } from './gate-board.js';
import { holdReply, parseJson, readBody, sendJson } from './http-util.js';
import { badRequest, methodNotAllowed, notFound } from './status.js';
import type { ObjectStore, WatchEvent, WatchEventType } from './store.js';

export type Credential = 'harness' | 'pod';

export interface WriteGateMatch {
  resource: string;
  /** undefined: any namespace */
  namespace?: string;
  name: string;
  type: WatchEventType;
}

export type WriteGateStatus = GateStatus<WriteGateMatch>;

/** What the request being handled is; lets a store event know which request committed it. */
export interface RequestScope {
  credential: Credential;
  method: string;
  path: string;
  res: ServerResponse;
}

export const requestScope = new AsyncLocalStorage<RequestScope>();

export const GATES_PREFIX = '/rekey-chaos/v1/gates';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const EVENT_TYPES: readonly WatchEventType[] = ['ADDED', 'MODIFIED', 'DELETED'];

export class WriteGates {
  readonly board = new GateBoard<WriteGateMatch>();
  private readonly stopWatch = new Map<string, () => void>();

  constructor(private readonly store: ObjectStore, private readonly maxBodyBytes: number) {}

  /** Arms a gate; the store watch that closes it starts at the current version, so only later writes count. */
  arm(match: WriteGateMatch, maxHoldMs: number): WriteGateStatus {
    if (!this.store.resources().some((r) => r.name === match.resource)) throw badRequest(`gate request: this server has no resource "${match.resource}"`);
    const gate = this.board.arm(match, maxHoldMs);
    const internal = match;
    const stop = this.store.watch(
      match.resource,
      match.namespace,
      { resourceVersion: this.store.currentResourceVersion(), fieldSelector: `metadata.name=${match.name}` },
      (event) => this.onEvent(gate.id, internal, event),
    );
    this.stopWatch.set(gate.id, stop);
    return this.board.status(gate.id)!;
  }

  release(id: string): WriteGateStatus | undefined {
    const status = this.board.release(id);
    if (status && status.state !== 'armed') this.unwatch(id);
    return status;
  }

  /**
   * Admission of one request before it is dispatched. Resolves true to go on
   * (dispatch in the same tick, so nothing closes a gate between the check
   * and the commit) or false when the request was dropped (its client went
   * away while held; nothing was applied and nothing must be answered).
   */
  async admit(credential: Credential, method: string, res: ServerResponse): Promise<boolean> {
    if (credential !== 'pod' || !MUTATING.has(method)) return true;
    const link = httpClientLink(res);
    for (;;) {
      const wait = this.board.admission(link);
      if (!wait) return true;
      if ((await wait) === 'dropped') return false;
    }
  }

  dispose(): void {
    for (const id of [...this.stopWatch.keys()]) this.unwatch(id);
    this.board.dispose();
  }

  /** `/rekey-chaos/v1/gates[/{id}]`: arm (POST), list or read (GET), release or disarm (DELETE). */
  async handleApi(req: IncomingMessage, res: ServerResponse, rest: string): Promise<void> {
    const method = req.method ?? 'GET';
    const parts = rest.split('/').filter((s) => s !== '');
    if (parts.length === 0) {
      if (method === 'GET') return sendJson(res, 200, { gates: this.board.list() });
      if (method !== 'POST') throw methodNotAllowed(method);
      const body = parseJson(await readBody(req, this.maxBodyBytes), 'arm a gate');
      const { match, maxHoldMs } = parseGateRequest(body);
      return sendJson(res, 201, this.arm(match, maxHoldMs));
    }
    if (parts.length !== 1) throw notFound('gates', parts.join('/'));
    const id = decodeURIComponent(parts[0]!);
    if (method === 'GET') return sendJson(res, 200, this.board.status(id) ?? throwNotFound(id));
    if (method === 'DELETE') return sendJson(res, 200, this.release(id) ?? throwNotFound(id));
    throw methodNotAllowed(method);
  }

  // --- internals ---------------------------------------------------------

  private onEvent(id: string, match: WriteGateMatch, event: WatchEvent): void {
    if (event.type !== match.type) return;
    const scope = requestScope.getStore();
    // Only the cluster's own programs close a gate: the milestone is theirs.
    if (scope?.credential !== 'pod') return;
    const closed = this.board.close((m) => m === match, `${scope.method} ${scope.path}`);
    if (closed.length === 0) return;
    this.unwatch(id);
    holdReply(scope.res, this.board.whenOpen(closed));
  }

  private unwatch(id: string): void {
    this.stopWatch.get(id)?.();
    this.stopWatch.delete(id);
  }
}

function throwNotFound(id: string): never {
  throw notFound('gates', id);
}

/** Validates `{resource, namespace?, name, type, maxHoldMs}` into a 400 that names the field. */
export function parseGateRequest(body: unknown): { match: WriteGateMatch; maxHoldMs: number } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badRequest('gate request must be a JSON object');
  const b = body as Record<string, unknown>;
  const resource = b.resource ?? 'secrets';
  if (typeof resource !== 'string' || resource === '') throw badRequest('gate request: resource must be a resource name such as "secrets"');
  if (typeof b.name !== 'string' || b.name === '') throw badRequest('gate request: name must be a non-empty object name');
  if (typeof b.type !== 'string' || !(EVENT_TYPES as readonly string[]).includes(b.type))
    throw badRequest(`gate request: type must be one of ${EVENT_TYPES.join(', ')}, got ${JSON.stringify(b.type)}`);
  if (b.namespace !== undefined && (typeof b.namespace !== 'string' || b.namespace === '')) throw badRequest('gate request: namespace must be a non-empty string when given');
  const maxHoldMs = b.maxHoldMs;
  if (typeof maxHoldMs !== 'number' || !Number.isInteger(maxHoldMs) || maxHoldMs <= 0 || maxHoldMs > MAX_HOLD_MS)
    throw badRequest(`gate request: maxHoldMs must be an integer in 1..${MAX_HOLD_MS}, got ${JSON.stringify(maxHoldMs)}`);
  const match: WriteGateMatch = { resource, name: b.name, type: b.type as WatchEventType };
  if (typeof b.namespace === 'string') match.namespace = b.namespace;
  return { match, maxHoldMs };
}
