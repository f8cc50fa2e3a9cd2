/**
 * Transient trouble: a harness-only extension (served only with
 * `VAULT_DOUBLE_HARNESS_API=1`, like the gates of gates.ts) that makes this
 * server misbehave for the next N client requests on a path prefix, so a
 * manager's unseal and rekey loops can be checked for liveness under
 * repeated failures. Off until a rule is armed; real Vault has no such thing.
 *
 *   POST   /v1/sys/rekey-chaos/trouble        {path, mode, count, delayMs?, message?, methods?} → 201 status
 *   GET    /v1/sys/rekey-chaos/trouble[/id]   list, or one rule's status
 *   DELETE /v1/sys/rekey-chaos/trouble[/id]   remove one rule (or all); requests it is delaying go on at once
 *
 * Modes: `error` answers 500 with a Vault-shaped `{"errors":[message]}`
 * without handling the request; `reset` resets the TCP connection without
 * answering (curl: exit 56); `delay` holds the request `delayMs`, then
 * handles it normally. A rule applies where the client's request arrives,
 * before forwarding, and never to a standby's relay hop, so each client
 * request counts once.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { VaultApiError } from './errors.js';
import { FORWARDED_HEADER } from './forward.js';
import { parseJson, type ApiReply, type ApiRequest, type RequestGuard } from './http.js';
import { info } from './log.js';

export const VAULT_TROUBLE_PATH = '/v1/sys/rekey-chaos/trouble';
export const TROUBLE_MODES = ['error', 'reset', 'delay'] as const;
export type TroubleMode = (typeof TROUBLE_MODES)[number];
const METHODS = ['GET', 'PUT', 'DELETE', 'HEAD'] as const;
const MAX_COUNT = 1000;
const MAX_DELAY_MS = 120_000;
const DEFAULT_MESSAGE = 'internal error';

export interface TroubleSpec {
  /** path after `/v1/`, matched as a prefix (`sys/unseal`, `sys/rekey/`; a trailing `*` is allowed) */
  path: string;
  mode: TroubleMode;
  /** how many matching requests misbehave */
  count: number;
  /** delay mode only: how long each request is held */
  delayMs?: number;
  /** error mode only: the message of the 500 (default `internal error`) */
  message?: string;
  /** methods that match (default all; POST counts as PUT) */
  methods?: (typeof METHODS)[number][];
}

export interface TroubleStatus extends Required<Pick<TroubleSpec, 'path' | 'mode' | 'count' | 'methods'>> {
  id: string;
  delayMs?: number;
  message?: string;
  /** matching requests still to misbehave */
  remaining: number;
  /** requests this rule has acted on */
  applied: number;
  /** delay mode: requests being held right now */
  delaying: number;
}

interface Rule {
  status: TroubleStatus;
  /** Ends the holds of requests delayed by this rule (on removal). */
  releases: Set<() => void>;
}

export type TroubleAction = ApiReply | 'reset' | undefined;

export class VaultTrouble implements RequestGuard {
  private readonly rules: Rule[] = [];
  private nextId = 1;

  /** RequestGuard: what to do with a client request before it is forwarded or handled. */
  async admit(method: ApiRequest['method'], pathname: string, headers: IncomingHttpHeaders): Promise<TroubleAction> {
    if (headers[FORWARDED_HEADER] !== undefined) return undefined;
    const rule = this.rules.find((r) => r.status.remaining > 0 && r.status.methods.includes(method as TroubleStatus['methods'][number]) && pathname.startsWith(`/v1/${r.status.path}`));
    if (!rule) return undefined;
    const s = rule.status;
    s.remaining -= 1;
    s.applied += 1;
    info(`trouble ${s.id}: ${s.mode} for ${method} ${pathname} (${s.remaining} left)`);
    if (s.mode === 'error') return { status: 500, body: { errors: [s.message ?? DEFAULT_MESSAGE] } };
    if (s.mode === 'reset') return 'reset';
    s.delaying += 1;
    await new Promise<void>((resolve) => {
      const release = () => {
        clearTimeout(timer);
        rule.releases.delete(release);
        resolve();
      };
      const timer = setTimeout(release, s.delayMs);
      rule.releases.add(release);
    });
    s.delaying -= 1;
    return undefined;
  }

  /** RequestGuard: the trouble API itself; undefined for any other path. */
  extension(method: ApiRequest['method'], pathname: string, rawBody: Buffer): ApiReply | undefined {
    if (pathname !== VAULT_TROUBLE_PATH && !pathname.startsWith(`${VAULT_TROUBLE_PATH}/`)) return undefined;
    const id = pathname.slice(VAULT_TROUBLE_PATH.length + 1);
    if (id === '') {
      if (method === 'GET') return { status: 200, body: { trouble: this.rules.map((r) => r.status) } };
      if (method === 'DELETE') {
        for (const r of this.rules.splice(0)) this.end(r);
        return { status: 200, body: { trouble: [] } };
      }
      if (method !== 'PUT') throw new VaultApiError(405, 'unsupported operation');
      const spec = parseTroubleRequest(parseJson(rawBody));
      const status: TroubleStatus = { id: `t${this.nextId++}`, ...spec, methods: spec.methods ?? [...METHODS], remaining: spec.count, applied: 0, delaying: 0 };
      this.rules.push({ status, releases: new Set() });
      info(`trouble ${status.id} armed: ${status.mode} x${status.count} on ${status.path}`);
      return { status: 201, body: status };
    }
    const index = this.rules.findIndex((r) => r.status.id === id);
    if (index < 0) throw new VaultApiError(404, `no trouble rule ${id}`);
    const rule = this.rules[index]!;
    if (method === 'GET') return { status: 200, body: rule.status };
    if (method !== 'DELETE') throw new VaultApiError(405, 'unsupported operation');
    this.rules.splice(index, 1);
    this.end(rule);
    return { status: 200, body: rule.status };
  }

  dispose(): void {
    for (const r of this.rules.splice(0)) this.end(r);
  }

  private end(rule: Rule): void {
    rule.status.remaining = 0;
    for (const release of [...rule.releases]) release();
  }
}

/** Validates a trouble request (lower-cased field names, as the double's body parser gives them). */
export function parseTroubleRequest(body: Record<string, unknown>): TroubleSpec {
  const bad = (what: string, value: unknown) => new VaultApiError(400, `trouble request: ${what}, got ${JSON.stringify(value)}`);
  const rawPath = body.path;
  if (typeof rawPath !== 'string' || !/^sys\/[A-Za-z0-9/_-]+\*?$/.test(rawPath)) throw bad('path must be an API path under sys/ such as sys/unseal or sys/rekey/*', rawPath);
  const path = rawPath.replace(/\*$/, '');
  const mode = body.mode;
  if (typeof mode !== 'string' || !(TROUBLE_MODES as readonly string[]).includes(mode)) throw bad(`mode must be one of ${TROUBLE_MODES.join(', ')}`, mode);
  const count = body.count;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > MAX_COUNT) throw bad(`count must be an integer in 1..${MAX_COUNT}`, count);
  const spec: TroubleSpec = { path, mode: mode as TroubleMode, count };
  const delayMs = body.delayms;
  if (mode === 'delay') {
    if (typeof delayMs !== 'number' || !Number.isInteger(delayMs) || delayMs < 1 || delayMs > MAX_DELAY_MS) throw bad(`delayMs must be an integer in 1..${MAX_DELAY_MS} for mode delay`, delayMs);
    spec.delayMs = delayMs;
  } else if (delayMs !== undefined) throw bad('delayMs applies only to mode delay', delayMs);
  const message = body.message;
  if (mode === 'error' && message !== undefined) {
    if (typeof message !== 'string' || message === '') throw bad('message must be a non-empty string', message);
    spec.message = message;
  } else if (message !== undefined) throw bad('message applies only to mode error', message);
  const methods = body.methods;
  if (methods !== undefined) {
    if (!Array.isArray(methods) || methods.length === 0) throw bad(`methods must be a non-empty list of ${METHODS.join(', ')}, POST`, methods);
    const upper = methods.map((m) => (typeof m === 'string' ? m.toUpperCase() : m)).map((m) => (m === 'POST' ? 'PUT' : m));
    if (!upper.every((m) => (METHODS as readonly unknown[]).includes(m))) throw bad(`methods must be a non-empty list of ${METHODS.join(', ')}, POST`, methods);
    spec.methods = [...new Set(upper)] as TroubleSpec['methods'];
  }
  return spec;
}
