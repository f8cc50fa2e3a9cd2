/**
 * Milestone gates of the Vault double: a harness-only extension, served only
 * when the embedded cluster sets `VAULT_DOUBLE_HARNESS_API=1` (real Vault has
 * nothing like it, and nothing in the double that plays Vault reads it).
 *
 *   POST   /v1/sys/rekey-chaos/gates        {event, progress?, maxHoldMs} → 201 {id, state, ...}
 *   GET    /v1/sys/rekey-chaos/gates[/id]   list, or one gate's status
 *   DELETE /v1/sys/rekey-chaos/gates/id     release (or disarm an armed gate)
 *
 * A gate closes when THIS server emits the matching feed event. From then on
 * this server holds the answer of the request that emitted it and every
 * later write-like rekey call it handles itself (PUT/DELETE of sys/rekey/*,
 * sys/unseal, sys/generate-root/*) until release or `maxHoldMs`. Requests a
 * standby forwards are held where they are handled, at the active. Reads
 * (status GETs, health, seal-status) are never held, so observers keep seeing
 * the state. Holding the milestone request's own answer is what pauses the
 * manager right at the event: it cannot act on the answer (store the new
 * shards, write the next milestone) before the harness's fault has landed.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { ServerResponse } from 'node:http';
import { GateBoard, httpClientLink, MAX_HOLD_MS, type GateStatus } from '../apiserver/gate-board.js';
import { VaultApiError } from './errors.js';
import type { FeedEvent } from './feed.js';
import { parseJson, type ApiReply, type RequestGuard } from './http.js';

export const GATE_EVENTS = ['rekey-started', 'rekey-progress', 'rekey-auth-complete', 'verify-progress', 'rotated'] as const;
export type GateEvent = (typeof GATE_EVENTS)[number];

export interface VaultGateMatch {
  event: GateEvent;
  /** for rekey-progress / verify-progress: the progress value to match (any when absent) */
  progress?: number;
}

export const VAULT_GATES_PATH = '/v1/sys/rekey-chaos/gates';

const GATED_PATHS = [/^\/v1\/sys\/rekey\//, /^\/v1\/sys\/unseal$/, /^\/v1\/sys\/generate-root\//];
const GATED_METHODS = new Set(['PUT', 'DELETE']);

interface Scope {
  label: string;
  closed: string[];
}

export class VaultGates implements RequestGuard {
  readonly board = new GateBoard<VaultGateMatch>();
  private readonly scope = new AsyncLocalStorage<Scope>();

  /** Feed listener: closes the gates this event matches, and ties them to the request that emitted it. */
  onFeedEvent(e: FeedEvent): void {
    const scope = this.scope.getStore();
    const closed = this.board.close((m) => matches(m, e), scope?.label ?? null);
    scope?.closed.push(...closed);
  }

  /** RequestGuard: admission for gated calls, then the handling, then (if it closed a gate) the held answer. */
  async run(method: string, pathname: string, res: ServerResponse, handle: () => Promise<ApiReply | undefined>): Promise<ApiReply | undefined> {
    if (GATED_METHODS.has(method) && GATED_PATHS.some((re) => re.test(pathname))) {
      const link = httpClientLink(res);
      for (;;) {
        const wait = this.board.admission(link);
        if (!wait) break;
        if ((await wait) === 'dropped') return undefined;
      }
    }
    const scope: Scope = { label: `${method} ${pathname}`, closed: [] };
    try {
      return await this.scope.run(scope, handle);
    } finally {
      if (scope.closed.length > 0) await this.board.whenOpen(scope.closed);
    }
  }

  /** RequestGuard: the gate API itself; undefined for any other path. */
  extension(method: string, pathname: string, rawBody: Buffer): ApiReply | undefined {
    if (pathname !== VAULT_GATES_PATH && !pathname.startsWith(`${VAULT_GATES_PATH}/`)) return undefined;
    const id = pathname.slice(VAULT_GATES_PATH.length + 1);
    if (id === '') {
      if (method === 'GET') return { status: 200, body: { gates: this.board.list() } };
      if (method !== 'PUT') throw new VaultApiError(405, 'unsupported operation');
      const { match, maxHoldMs } = parseVaultGateRequest(parseJson(rawBody));
      return { status: 201, body: this.board.arm(match, maxHoldMs) };
    }
    if (method !== 'GET' && method !== 'DELETE') throw new VaultApiError(405, 'unsupported operation');
    const status: GateStatus<VaultGateMatch> | undefined = method === 'GET' ? this.board.status(id) : this.board.release(id);
    if (!status) throw new VaultApiError(404, `no gate ${id}`);
    return { status: 200, body: status };
  }

  dispose(): void {
    this.board.dispose();
  }
}

function matches(m: VaultGateMatch, e: FeedEvent): boolean {
  if (m.event !== e.event) return false;
  if (m.progress === undefined) return true;
  return 'progress' in e && e.progress === m.progress;
}

/** Validates `{event, progress?, maxHoldMs}` (lower-cased field names, as the double's body parser gives them). */
export function parseVaultGateRequest(body: Record<string, unknown>): { match: VaultGateMatch; maxHoldMs: number } {
  const event = body.event;
  if (typeof event !== 'string' || !(GATE_EVENTS as readonly string[]).includes(event))
    throw new VaultApiError(400, `gate request: event must be one of ${GATE_EVENTS.join(', ')}, got ${JSON.stringify(event)}`);
  const progress = body.progress;
  if (progress !== undefined && (typeof progress !== 'number' || !Number.isInteger(progress) || progress < 1))
    throw new VaultApiError(400, `gate request: progress must be a positive integer, got ${JSON.stringify(progress)}`);
  if (progress !== undefined && event !== 'rekey-progress' && event !== 'verify-progress')
    throw new VaultApiError(400, `gate request: progress applies only to rekey-progress and verify-progress, not ${event}`);
  const maxHoldMs = body.maxholdms;
  if (typeof maxHoldMs !== 'number' || !Number.isInteger(maxHoldMs) || maxHoldMs <= 0 || maxHoldMs > MAX_HOLD_MS)
    throw new VaultApiError(400, `gate request: maxHoldMs must be an integer in 1..${MAX_HOLD_MS}, got ${JSON.stringify(maxHoldMs)}`);
  const match: VaultGateMatch = { event: event as GateEvent };
  if (progress !== undefined) match.progress = progress as number;
  return { match, maxHoldMs };
}
