/**
 * sys/rekey/init|update|verify. The operation lives only in the active
 * server's memory: leadership loss, seal, step-down or a crash erase it.
 * Old shares are judged only at the threshold, by decrypting the stored
 * root key; the new key takes effect only at the rotation.
 */
import { randomUUID } from 'node:crypto';
import type { ActiveScoped, StandbyReason, VaultCore } from './core.js';
import { STORED_KEYS_FAILED, VaultApiError, badRequest } from './errors.js';
import { bool, int, str, type ApiReply, type ApiRequest } from './http.js';
import { CombineError, InvalidKeySize, checkKeyLength, combineParts, decodeKey, open } from './keys.js';
import { makeKeyMaterial, rotate, type NewKeyMaterial } from './barrier.js';
import { info } from './log.js';
import { sealConfigProblem } from './unseal.js';

interface RekeyOperation {
  nonce: string;
  shares: number;
  threshold: number;
  requireVerification: boolean;
  parts: Buffer[];
  /** After authentication under require_verification: the new key, not yet in effect. */
  pending?: NewKeyMaterial;
  verificationNonce: string;
  verifyParts: Buffer[];
}

function keyOf(req: ApiRequest): Buffer {
  const key = str(req.body, 'key');
  if (key === undefined || key === '') throw badRequest("'key' must be specified in request body as JSON");
  const part = decodeKey(key);
  checkKeyLength(part, '');
  return part;
}

export class Rekey implements ActiveScoped {
  private op: RekeyOperation | undefined;
  constructor(private readonly core: VaultCore) {
    core.addActiveScoped(this);
  }

  onLeadershipLost(reason: StandbyReason): void {
    if (!this.op) return;
    this.op = undefined;
    info(`rekey abandoned: ${reason}`);
    this.core.feed.emit({ event: 'rekey-cancelled', reason });
  }

  private required(): number {
    return this.core.currentGeneration()?.gen.threshold ?? 0;
  }

  private status(): Record<string, unknown> {
    const op = this.op;
    if (!op) return { nonce: '', started: false, t: 0, n: 0, progress: 0, required: this.required(), pgp_fingerprints: null, backup: false, verification_required: false };
    const body: Record<string, unknown> = {
      nonce: op.nonce,
      started: true,
      t: op.threshold,
      n: op.shares,
      progress: op.parts.length,
      required: this.required(),
      pgp_fingerprints: null,
      backup: false,
      verification_required: op.requireVerification,
    };
    if (op.verificationNonce !== '') body.verification_nonce = op.verificationNonce;
    return body;
  }

  private verifyStatus(): Record<string, unknown> {
    const op = this.op!;
    return { nonce: op.verificationNonce, started: op.pending !== undefined, t: op.threshold, n: op.shares, progress: op.verifyParts.length };
  }

  private checkInitialized(): void {
    if (!this.core.initialized()) throw badRequest('server is not yet initialized');
  }

  getInit(): ApiReply {
    this.checkInitialized();
    return { status: 200, body: this.status() };
  }

  startInit(req: ApiRequest): ApiReply {
    this.checkInitialized();
    const shares = int(req.body, 'secret_shares');
    const threshold = int(req.body, 'secret_threshold');
    const pgp = Array.isArray(req.body.pgp_keys) ? req.body.pgp_keys : [];
    if (bool(req.body, 'backup') && pgp.length === 0) throw badRequest('cannot request a backup of the new keys without providing PGP keys for encryption');
    if (pgp.length > 0 && pgp.length !== shares) throw badRequest('incorrect number of PGP keys for rekey');
    if (threshold > shares) throw badRequest('provided threshold greater than the total shares');
    const problem = sealConfigProblem(shares, threshold);
    if (problem) throw new VaultApiError(500, `invalid rekey seal configuration: ${problem}`);
    if (pgp.length > 0) throw badRequest('pgp_keys are not supported by the Vault double');
    if (this.op) throw badRequest('rekey already in progress');
    this.op = { nonce: randomUUID(), shares, threshold, requireVerification: bool(req.body, 'require_verification'), parts: [], verificationNonce: '', verifyParts: [] };
    info(`rekey started: ${shares} shares, threshold ${threshold}, verification ${this.op.requireVerification}`);
    // The double cannot tell a manager's audit from a real rekey; the harness classifies.
    this.core.feed.emit({ event: 'rekey-started', audit: false });
    return { status: 200, body: this.status() };
  }

  cancelInit(): ApiReply {
    if (this.op) {
      this.op = undefined;
      info('rekey cancelled (DELETE)');
      this.core.feed.emit({ event: 'rekey-cancelled', reason: 'delete' });
    }
    return { status: 204 };
  }

  async update(req: ApiRequest): Promise<ApiReply> {
    const part = keyOf(req);
    const op = this.op;
    if (!op) throw badRequest('no barrier rekey in progress');
    if (op.pending) throw badRequest(`rekey operation already finished; verification must be performed; nonce for the verification operation is "${op.verificationNonce}"`);
    if (str(req.body, 'nonce') !== op.nonce) throw badRequest(`incorrect nonce supplied; nonce for this rekey operation is "${op.nonce}"`);
    if (op.parts.some((p) => p.equals(part))) throw badRequest('given key has already been provided during this generation operation');
    op.parts.push(part);
    const current = this.core.currentGeneration()!;
    if (op.parts.length < current.gen.threshold) {
      this.core.feed.emit({ event: 'rekey-progress', progress: op.parts.length });
      return { status: 200, body: this.status() };
    }
    const parts = op.parts;
    op.parts = [];
    let combined: Buffer;
    try {
      combined = await combineParts(parts, current.gen.threshold);
    } catch (err) {
      if (err instanceof CombineError) throw new VaultApiError(500, `failed to compute root key: ${err.message}`);
      throw err;
    }
    let rootKey: Buffer;
    try {
      rootKey = open(combined, current.gen.envelope);
    } catch (err) {
      if (err instanceof InvalidKeySize) throw new VaultApiError(500, `failed to read root key: invalid key: failed to setup unseal key: ${err.message}`);
      info('rekey authentication failed: wrong key set');
      throw new VaultApiError(500, `failed to read root key: ${STORED_KEYS_FAILED}`);
    }
    const material = await makeKeyMaterial(rootKey, op.shares, op.threshold);
    if (this.op !== op) throw badRequest('no barrier rekey in progress'); // lost leadership meanwhile
    const keys = { keys: material.shares.map((s) => s.toString('hex')), keys_base64: material.shares.map((s) => s.toString('base64')) };
    info(`rekey authenticated; new key ${material.generation.keyFp}${op.requireVerification ? ' pending verification' : ''}`);
    this.core.feed.emit({ event: 'rekey-auth-complete' });
    if (op.requireVerification) {
      op.pending = material;
      op.verificationNonce = randomUUID();
      return { status: 200, body: { nonce: op.nonce, complete: true, ...keys, pgp_fingerprints: null, backup: false, verification_required: true, verification_nonce: op.verificationNonce } };
    }
    this.op = undefined;
    await rotate(this.core, material.generation);
    return { status: 200, body: { nonce: op.nonce, complete: true, ...keys, pgp_fingerprints: null, backup: false, verification_required: false } };
  }

  getVerify(): ApiReply {
    if (!this.op) throw badRequest('no rekey configuration found');
    return { status: 200, body: this.verifyStatus() };
  }

  resetVerify(): ApiReply {
    const op = this.op;
    if (!op) throw badRequest('no rekey configuration found');
    op.verifyParts = [];
    if (op.pending) op.verificationNonce = randomUUID();
    return { status: 200, body: this.verifyStatus() };
  }

  async verify(req: ApiRequest): Promise<ApiReply> {
    const part = keyOf(req);
    const op = this.op;
    if (!op) throw badRequest('no rekey in progress');
    if (!op.pending) throw badRequest('no rekey verification in progress');
    if (str(req.body, 'nonce') !== op.verificationNonce) throw badRequest(`incorrect nonce supplied; nonce for this verify operation is "${op.verificationNonce}"`);
    if (op.verifyParts.some((p) => p.equals(part))) throw badRequest('given key has already been provided during this verify operation');
    op.verifyParts.push(part);
    if (op.verifyParts.length < op.threshold) {
      this.core.feed.emit({ event: 'verify-progress', progress: op.verifyParts.length });
      return { status: 200, body: this.verifyStatus() };
    }
    const parts = op.verifyParts;
    op.verifyParts = [];
    const pending = op.pending;
    try {
      const combined = await combineParts(parts, op.threshold);
      open(combined, pending.generation.envelope);
    } catch (err) {
      op.verificationNonce = randomUUID();
      if (err instanceof CombineError) throw new VaultApiError(500, `failed to compute key for verification: ${err.message}`);
      info('rekey verification failed: wrong new shares');
      throw badRequest('rekey verification failed; incorrect key shares supplied');
    }
    if (this.op !== op) throw badRequest('no rekey in progress');
    const nonce = op.verificationNonce;
    this.op = undefined;
    await rotate(this.core, pending.generation);
    return { status: 200, body: { nonce, complete: true } };
  }
}
