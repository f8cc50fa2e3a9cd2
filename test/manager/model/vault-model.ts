/**
 * An in-memory model of a 3-server Vault HA cluster as far as the rekey
 * procedure sees it (docs/procedure.md, "The Vault calls"): real Shamir in Vault's
 * byte layout, key identity compared exactly (what AES-GCM's authentication
 * decides in real Vault), rekey and verification state in the active
 * server's memory only, standbys forwarding rekey calls, restarted servers
 * sealed, and a server that was sealed during a rotation still needing the
 * old key until it is unsealed and catches up.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { combine, split } from '../../../common/shamir.js';
import type { RekeyInitRequest, VaultResponse } from '../../../manager/ports.js';

export const VERSION = '1.14.9';
const AUTH_FAILED = 'invalid key: failed to decrypt keys from storage: cipher: message authentication failed';

export interface ServerModel {
  name: string;
  ip: string;
  initialized: boolean;
  sealed: boolean;
  parts: Uint8Array[];
  /** the key this server's local storage needs to unseal */
  nodeKey: Uint8Array | undefined;
  /** the shares/threshold that key was split with (what this server's unseal needs) */
  nodePolicy: SealPolicy;
}

/** Shares and threshold of a key, as `sys/seal-status` reports them (n, t). */
export interface SealPolicy {
  shares: number;
  threshold: number;
}

interface RekeyState {
  nonce: string;
  /** the new key's policy, as rekey/init asked for it */
  policy: SealPolicy;
  requireVerification: boolean;
  parts: Uint8Array[];
  verificationNonce?: string;
  pendingKey?: Uint8Array;
  verifyParts: Uint8Array[];
}

const ok = (body?: Record<string, unknown>): VaultResponse => ({ status: body ? 200 : 204, body, errors: [] });
const fail = (status: number, message: string): VaultResponse => ({ status, body: { errors: [message] }, errors: [message] });
const same = (a: Uint8Array, b: Uint8Array | undefined) => b !== undefined && Buffer.from(a).equals(Buffer.from(b));
const hasPart = (parts: Uint8Array[], key: Uint8Array) => parts.some((p) => same(p, key));

async function tryCombine(parts: Uint8Array[]): Promise<Uint8Array | undefined> {
  try {
    return await combine(parts);
  } catch {
    return undefined;
  }
}

function decodeKey(key: string): Uint8Array | undefined {
  if (!/^[0-9a-f]+$/i.test(key) || key.length % 2 !== 0) return undefined;
  const bytes = Buffer.from(key, 'hex');
  return bytes.length >= 16 && bytes.length <= 33 ? new Uint8Array(bytes) : undefined;
}

export class VaultModel {
  readonly servers: ServerModel[];
  key: Uint8Array | undefined;
  active: number | undefined;
  rekey: RekeyState | undefined;
  rotations = 0;
  /** the policy of the key in effect */
  policy: SealPolicy = { shares: 5, threshold: 3 };

  constructor() {
    this.servers = [0, 1, 2].map((i) => ({ name: `sva-vault-${i}`, ip: `10.9.0.${10 + i}`, initialized: false, sealed: true, parts: [], nodeKey: undefined, nodePolicy: { shares: 5, threshold: 3 } }));
  }

  index(name: string): number {
    const i = this.servers.findIndex((s) => s.name === name);
    if (i < 0) throw new Error(`no server ${name}`);
    return i;
  }

  // ---- faults -------------------------------------------------------------

  /** Process restart: sealed, unseal progress gone; if it was active, the rekey state dies with it. */
  restart(i: number): void {
    const s = this.servers[i]!;
    s.sealed = true;
    s.parts = [];
    if (this.active === i) {
      this.rekey = undefined;
      this.active = this.servers.findIndex((o, j) => j !== i && !o.sealed);
      if (this.active < 0) this.active = undefined;
    }
  }

  // ---- per-server, never forwarded ------------------------------------------

  health(i: number): VaultResponse {
    const s = this.servers[i]!;
    const body = { initialized: s.initialized, sealed: s.sealed, standby: this.active !== i, version: VERSION };
    if (!s.initialized) return { status: 501, body, errors: [] };
    if (s.sealed) return { status: 503, body, errors: [] };
    return { status: this.active === i ? 200 : 429, body, errors: [] };
  }

  sealStatus(i: number): VaultResponse {
    const s = this.servers[i]!;
    return ok({ type: 'shamir', initialized: s.initialized, sealed: s.sealed, t: s.nodePolicy.threshold, n: s.nodePolicy.shares, progress: s.parts.length, version: VERSION });
  }

  async unseal(i: number, body: { key?: string; reset?: boolean }): Promise<VaultResponse> {
    const s = this.servers[i]!;
    if (!s.initialized) return fail(400, 'Vault is not initialized');
    if (body.reset) {
      if (!s.sealed) return fail(400, 'vault is unsealed');
      s.parts = [];
      return this.sealStatus(i);
    }
    const key = body.key === undefined ? undefined : decodeKey(body.key);
    if (!key) return fail(400, "'key' must be a valid hex or base64 string");
    if (!s.sealed) return this.sealStatus(i);
    if (hasPart(s.parts, key)) return this.sealStatus(i);
    s.parts.push(key);
    if (s.parts.length < s.nodePolicy.threshold) return this.sealStatus(i);
    const parts = s.parts;
    s.parts = [];
    const combined = await tryCombine(parts);
    if (!combined) return fail(400, 'invalid key: failed to compute combined key: duplicate part detected');
    if (!same(combined, s.nodeKey)) return fail(400, `unable to retrieve stored keys: ${AUTH_FAILED}`);
    s.sealed = false;
    s.nodeKey = this.key; // catches up with the cluster once unsealed
    s.nodePolicy = this.policy;
    if (this.active === undefined) this.active = i;
    return this.sealStatus(i);
  }

  async init(i: number, shares: number, threshold: number): Promise<VaultResponse> {
    if (this.key) return fail(400, 'Vault is already initialized');
    const key = new Uint8Array(randomBytes(32));
    const parts = await split(key, shares, threshold);
    this.key = key;
    this.policy = { shares, threshold };
    const s = this.servers[i]!;
    s.initialized = true;
    s.nodeKey = key;
    s.nodePolicy = this.policy;
    const hex = parts.map((p) => Buffer.from(p).toString('hex'));
    return ok({ keys: hex, keys_base64: parts.map((p) => Buffer.from(p).toString('base64')), root_token: `hvs.${randomBytes(18).toString('base64url')}` });
  }

  raftJoin(i: number): VaultResponse {
    if (!this.key || this.active === undefined) return fail(500, 'failed to join raft cluster: failed to get raft challenge');
    const s = this.servers[i]!;
    s.initialized = true;
    s.nodeKey = this.key;
    s.nodePolicy = this.policy;
    return ok({ joined: true });
  }

  // ---- rekey: answered by the active server (standbys forward) ----------------

  /** Which server answers a rekey call arriving at server i; an error response when none can. */
  route(i: number | 'active'): VaultResponse | undefined {
    if (i !== 'active') {
      const s = this.servers[i]!;
      if (!s.initialized) return fail(400, 'server is not yet initialized');
      if (s.sealed) return fail(503, 'Vault is sealed');
    }
    if (this.active === undefined) return fail(500, 'local node not active but active cluster node not found');
    return undefined;
  }

  rekeyStatus(): VaultResponse {
    const r = this.rekey;
    const body: Record<string, unknown> = {
      nonce: r?.nonce ?? '',
      started: r !== undefined,
      t: r ? r.policy.threshold : 0,
      n: r ? r.policy.shares : 0,
      progress: r?.parts.length ?? 0,
      required: this.policy.threshold,
      pgp_fingerprints: null,
      backup: false,
      verification_required: r?.requireVerification ?? false,
    };
    if (r?.verificationNonce) body.verification_nonce = r.verificationNonce;
    return ok(body);
  }

  rekeyInit(req: RekeyInitRequest): VaultResponse {
    if (this.rekey) return fail(400, 'rekey already in progress');
    if (!(req.secret_threshold >= 1 && req.secret_threshold <= req.secret_shares)) return fail(400, 'invalid seal configuration: threshold must be between 1 and the number of shares');
    this.rekey = { nonce: randomUUID(), policy: { shares: req.secret_shares, threshold: req.secret_threshold }, requireVerification: req.require_verification, parts: [], verifyParts: [] };
    return this.rekeyStatus();
  }

  rekeyCancel(): VaultResponse {
    this.rekey = undefined;
    return ok();
  }

  async rekeyUpdate(keyText: string, nonce: string): Promise<VaultResponse> {
    const key = decodeKey(keyText);
    if (!key) return fail(400, "'key' must be a valid hex or base64 string");
    const r = this.rekey;
    if (!r) return fail(400, 'no barrier rekey in progress');
    if (r.verificationNonce) return fail(400, `rekey operation already finished; verification must be performed; nonce for the verification operation is "${r.verificationNonce}"`);
    if (nonce !== r.nonce) return fail(400, `incorrect nonce supplied; nonce for this rekey operation is "${r.nonce}"`);
    if (hasPart(r.parts, key)) return fail(400, 'given key has already been provided during this generation operation');
    r.parts.push(key);
    if (r.parts.length < this.policy.threshold) return this.rekeyStatus();
    const parts = r.parts;
    r.parts = [];
    const combined = await tryCombine(parts);
    if (!combined) return fail(500, 'failed to compute root key: duplicate part detected');
    if (!same(combined, this.key)) return fail(500, `failed to read root key: ${AUTH_FAILED}`);
    const newKey = new Uint8Array(randomBytes(32));
    const shares = await split(newKey, r.policy.shares, r.policy.threshold);
    const body: Record<string, unknown> = {
      nonce: r.nonce,
      complete: true,
      keys: shares.map((p) => Buffer.from(p).toString('hex')),
      keys_base64: shares.map((p) => Buffer.from(p).toString('base64')),
      pgp_fingerprints: null,
      backup: false,
      verification_required: r.requireVerification,
    };
    if (r.requireVerification) {
      r.pendingKey = newKey;
      r.verificationNonce = randomUUID();
      body.verification_nonce = r.verificationNonce;
    } else {
      this.rotate(newKey, r.policy);
    }
    return ok(body);
  }

  rekeyVerifyStatus(): VaultResponse {
    const r = this.rekey;
    if (!r) return fail(400, 'no rekey configuration found');
    return ok({ nonce: r.verificationNonce ?? '', started: r.verificationNonce !== undefined, t: r.policy.threshold, n: r.policy.shares, progress: r.verifyParts.length });
  }

  async rekeyVerify(keyText: string, nonce: string): Promise<VaultResponse> {
    const key = decodeKey(keyText);
    if (!key) return fail(400, "'key' must be a valid hex or base64 string");
    const r = this.rekey;
    if (!r) return fail(400, 'no rekey in progress');
    if (!r.verificationNonce) return fail(400, 'no rekey verification in progress');
    if (nonce !== r.verificationNonce) return fail(400, `incorrect nonce supplied; nonce for this verify operation is "${r.verificationNonce}"`);
    if (hasPart(r.verifyParts, key)) return fail(400, 'given key has already been provided during this verify operation');
    r.verifyParts.push(key);
    if (r.verifyParts.length < r.policy.threshold) return this.rekeyVerifyStatus();
    const parts = r.verifyParts;
    r.verifyParts = [];
    const combined = await tryCombine(parts);
    if (!combined || !same(combined, r.pendingKey)) {
      r.verificationNonce = randomUUID();
      return combined ? fail(400, 'rekey verification failed; incorrect key shares supplied') : fail(500, 'failed to compute key for verification: duplicate part detected');
    }
    const answer = ok({ nonce, complete: true });
    this.rotate(r.pendingKey!, r.policy);
    return answer;
  }

  /** The new key takes effect: every unsealed server switches; sealed ones keep needing the old key. */
  private rotate(newKey: Uint8Array, policy: SealPolicy): void {
    this.key = newKey;
    this.policy = policy;
    this.rekey = undefined;
    this.rotations++;
    for (const s of this.servers) {
      if (s.sealed || !s.initialized) continue;
      s.nodeKey = newKey;
      s.nodePolicy = policy;
    }
  }
}
