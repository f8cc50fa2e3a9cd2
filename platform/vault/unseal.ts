/**
 * sys/unseal, sys/init and sys/storage/raft/join: never
 * forwarded, always about this server.
 */
import { randomUUID } from 'node:crypto';
import { tokenFingerprint } from '../../common/fingerprint.js';
import { bootstrap, makeKeyMaterial } from './barrier.js';
import type { VaultCore } from './core.js';
import { AUTH_FAILED, STORED_KEYS_FAILED, VaultApiError, badRequest } from './errors.js';
import { bool, int, str, type ApiReply, type ApiRequest } from './http.js';
import { CombineError, InvalidKeySize, checkKeyLength, combineParts, decodeKey, newKey, open } from './keys.js';
import { info, warn } from './log.js';
import { sealStatus } from './status.js';
import { mintRootToken } from './tokens.js';

/** Vault's SealConfig.Validate messages, in its order. */
export function sealConfigProblem(shares: number, threshold: number): string | undefined {
  if (shares < 1) return 'shares must be at least one';
  if (threshold < 1) return 'threshold must be at least one';
  if (shares > 1 && threshold === 1) return 'threshold must be greater than one for multiple shares';
  if (shares > 255) return 'shares must be less than 256';
  if (threshold > shares) return 'threshold cannot be larger than shares';
  return undefined;
}

export async function unseal(core: VaultCore, req: ApiRequest): Promise<ApiReply> {
  const key = str(req.body, 'key');
  if (!core.initialized()) throw badRequest('Vault is not initialized');
  if (bool(req.body, 'reset')) {
    if (!core.sealed) throw badRequest('vault is unsealed');
    core.clearUnsealParts();
    return { status: 200, body: sealStatus(core) };
  }
  if (key === undefined || key === '') throw badRequest("'key' must be specified in request body as JSON, or 'reset' set to true");
  const part = decodeKey(key);
  checkKeyLength(part, 'invalid key: ');
  if (!core.sealed || core.followerUnsealPending) return { status: 200, body: sealStatus(core) };
  if (core.unsealParts.some((p) => p.equals(part))) return { status: 200, body: sealStatus(core) };
  const target = core.unsealGeneration()!;
  core.unsealParts.push(part);
  if (core.unsealNonce === '') core.unsealNonce = randomUUID();
  if (core.unsealParts.length < target.gen.threshold) {
    core.feed.emit({ event: 'unseal-progress', progress: core.unsealParts.length, threshold: target.gen.threshold });
    return { status: 200, body: sealStatus(core) };
  }

  // At the threshold the parts are evaluated once and always cleared.
  const parts = core.unsealParts;
  core.clearUnsealParts();
  let combined: Buffer;
  try {
    combined = await combineParts(parts, target.gen.threshold);
  } catch (err) {
    if (err instanceof CombineError) {
      core.feed.emit({ event: 'unseal-rejected' });
      throw badRequest(`invalid key: failed to compute combined key: ${err.message}`);
    }
    throw err;
  }
  const neverUnsealed = core.store.member(core.pod)?.syncedGeneration === null;
  let rootKey: Buffer;
  try {
    rootKey = open(combined, target.gen.envelope);
  } catch (err) {
    // Whatever the reason, the submitted set did not open this server's barrier.
    core.feed.emit({ event: 'unseal-rejected' });
    if (err instanceof InvalidKeySize) throw badRequest(`invalid key: failed to setup unseal key: ${err.message}`);
    info(`unseal attempt failed: wrong key set for generation ${target.number}`);
    // A joined follower proves the key by decrypting the leader's join challenge.
    if (neverUnsealed) throw new VaultApiError(500, `error decrypting challenge: ${AUTH_FAILED}`);
    throw badRequest(`unable to retrieve stored keys: ${STORED_KEYS_FAILED}`);
  }
  if (neverUnsealed && core.options.followerUnsealDelayMs > 0) {
    // Raft follower: the keyring replicates first; it reports sealed, progress 0 meanwhile.
    core.followerUnsealPending = true;
    setTimeout(() => void core.markUnsealed(rootKey).catch((e: Error) => warn(`follower unseal failed: ${e.message}`)), core.options.followerUnsealDelayMs);
    return { status: 200, body: sealStatus(core) };
  }
  await core.markUnsealed(rootKey);
  return { status: 200, body: sealStatus(core) };
}

export function initStatus(core: VaultCore): ApiReply {
  return { status: 200, body: { initialized: core.initialized() } };
}

export async function init(core: VaultCore, req: ApiRequest): Promise<ApiReply> {
  if (core.initialized()) throw badRequest('Vault is already initialized');
  const recovery = Object.keys(req.body).filter((k) => k.startsWith('recovery_') && req.body[k] !== undefined && req.body[k] !== null && req.body[k] !== 0);
  if (recovery.length > 0) throw badRequest(`parameters ${recovery.join(',')} not applicable to seal type shamir`);
  const shares = int(req.body, 'secret_shares');
  const threshold = int(req.body, 'secret_threshold');
  const problem = sealConfigProblem(shares, threshold);
  if (problem) throw badRequest(`invalid seal configuration: ${problem}`);
  const pgp = req.body.pgp_keys;
  if (Array.isArray(pgp) && pgp.length > 0) {
    if (pgp.length !== shares) throw badRequest('incorrect number of PGP keys');
    throw badRequest('pgp_keys are not supported by the Vault double');
  }
  if (core.store.barrier()) {
    // Another server already bootstrapped; a real unjoined raft node would start a second cluster, which the shared store cannot represent.
    warn('init refused: storage already bootstrapped by another server (join it instead)');
    throw badRequest('Vault is already initialized');
  }
  const rootKey = newKey();
  const material = await makeKeyMaterial(rootKey, shares, threshold);
  if (!(await bootstrap(core, material))) throw badRequest('Vault is already initialized');
  const token = await mintRootToken(core.store);
  info(`initialized: ${shares} shares, threshold ${threshold}, key ${material.generation.keyFp}, root token ${tokenFingerprint(token)}`);
  core.emitNodeKeyIfChanged();
  core.registration.set({ 'vault-initialized': true });
  return {
    status: 200,
    body: { keys: material.shares.map((s) => s.toString('hex')), keys_base64: material.shares.map((s) => s.toString('base64')), root_token: token },
  };
}

/** Joining = recording membership in the shared store; the server then needs the leader's shares. */
export async function join(core: VaultCore, req: ApiRequest): Promise<ApiReply> {
  if (core.initialized()) return { status: 200, body: { joined: true } };
  const tryJoin = () =>
    core.store.withLock(() => {
      if (!core.store.barrier()) return false;
      if (!core.store.member(core.pod)) core.store.writeMember(core.pod, { syncedGeneration: null, unsealed: false, heartbeatAt: 0, pid: process.pid, address: core.address });
      return true;
    });
  if (bool(req.body, 'retry')) {
    const timer = setInterval(() => {
      void tryJoin().then((ok) => {
        if (ok) {
          clearInterval(timer);
          info('joined the raft cluster (retry)');
          core.emitNodeKeyIfChanged();
        }
      });
    }, 2000);
    timer.unref();
    return { status: 200, body: { joined: false } };
  }
  if (!(await tryJoin())) throw new VaultApiError(500, 'failed to join raft cluster: failed to get raft challenge');
  info('joined the raft cluster');
  core.emitNodeKeyIfChanged();
  return { status: 200, body: { joined: true } };
}
