/**
 * sys/generate-root/attempt|update. The attempt lives in the memory of
 * the server that answered it and, as in Vault, survives seal and step-down.
 * A completed attempt mints a real root token, returned as base64(token XOR OTP).
 */
import { randomUUID } from 'node:crypto';
import { tokenFingerprint } from '../../common/fingerprint.js';
import type { VaultCore } from './core.js';
import { STORED_KEYS_FAILED, badRequest } from './errors.js';
import { str, type ApiReply, type ApiRequest } from './http.js';
import { CombineError, InvalidKeySize, checkKeyLength, combineParts, decodeKey, open } from './keys.js';
import { info } from './log.js';
import { mintRootToken, randomBase62 } from './tokens.js';

export const OTP_LENGTH = 28;

interface Attempt {
  nonce: string;
  otp: string;
  parts: Buffer[];
}

export class GenerateRoot {
  private attempt: Attempt | undefined;
  constructor(private readonly core: VaultCore) {}

  private body(extra: Record<string, unknown> = {}): Record<string, unknown> {
    const a = this.attempt;
    return {
      nonce: a?.nonce ?? '',
      started: a !== undefined,
      progress: a?.parts.length ?? 0,
      required: this.core.currentGeneration()?.gen.threshold ?? 0,
      complete: false,
      encoded_token: '',
      encoded_root_token: '',
      pgp_fingerprint: '',
      otp: '',
      otp_length: OTP_LENGTH,
      ...extra,
    };
  }

  get(): ApiReply {
    return { status: 200, body: this.body() };
  }

  start(req: ApiRequest): ApiReply {
    if (this.attempt) throw badRequest('root generation already in progress');
    const given = str(req.body, 'otp');
    if (str(req.body, 'pgp_key')) throw badRequest('pgp_key is not supported by the Vault double');
    if (given !== undefined && given !== '' && given.length !== OTP_LENGTH) throw badRequest('OTP string is wrong length');
    const generated = given === undefined || given === '';
    const otp = generated ? randomBase62(OTP_LENGTH) : given;
    this.attempt = { nonce: randomUUID(), otp, parts: [] };
    info('root generation started');
    // A generated OTP is returned only in this response.
    return { status: 200, body: this.body(generated ? { otp } : {}) };
  }

  cancel(): ApiReply {
    this.attempt = undefined;
    return { status: 204 };
  }

  async update(req: ApiRequest): Promise<ApiReply> {
    const key = str(req.body, 'key');
    if (key === undefined || key === '') throw badRequest("'key' must be specified in request body as JSON");
    const part = decodeKey(key);
    checkKeyLength(part, 'invalid key: ');
    const a = this.attempt;
    if (!a) throw badRequest('no root generation in progress');
    if (str(req.body, 'nonce') !== a.nonce) throw badRequest(`incorrect nonce supplied; nonce for this root generation operation is "${a.nonce}"`);
    if (a.parts.some((p) => p.equals(part))) throw badRequest('given key has already been provided during this generation operation');
    a.parts.push(part);
    const current = this.core.currentGeneration()!;
    if (a.parts.length < current.gen.threshold) return { status: 200, body: this.body() };
    const parts = a.parts;
    a.parts = [];
    try {
      open(await combineParts(parts, current.gen.threshold), current.gen.envelope);
    } catch (err) {
      if (err instanceof CombineError) throw badRequest(`failed to compute root key: ${err.message}`);
      const cause = err instanceof InvalidKeySize ? `invalid key: failed to setup unseal key: ${err.message}` : STORED_KEYS_FAILED;
      info('root generation: wrong key set; attempt stays open');
      throw badRequest(`root generation aborted: unable to authenticate: unable to retrieve stored keys: ${cause}`);
    }
    const token = await mintRootToken(this.core.store);
    const xored = Buffer.from(token, 'utf8').map((b, i) => b ^ a.otp.charCodeAt(i));
    const encoded = Buffer.from(xored).toString('base64').replace(/=+$/, '');
    this.attempt = undefined;
    info(`root generation complete: token ${tokenFingerprint(token)}`);
    return { status: 200, body: { ...this.body(), nonce: a.nonce, started: true, progress: current.gen.threshold, complete: true, encoded_token: encoded, encoded_root_token: encoded } };
  }
}
