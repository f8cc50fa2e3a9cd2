/**
 * Key material of the double: decoding submitted keys as Vault does, Shamir
 * split/combine with Vault's error texts, and the AES-256-GCM envelope of the
 * root key under the unseal key. A wrong unseal key is detected only by the
 * GCM tag failing, exactly like Vault, never by comparing keys.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { combine, split } from '../../common/shamir.js';
import { AUTH_FAILED, badRequest } from './errors.js';

export const MIN_KEY = 16;
export const MAX_KEY = 33;

/**
 * Vault's key decoding: try hex; if that fails or the length is outside [16, 33], try padded
 * standard base64; otherwise the caller's 400. Length is checked by the caller
 * afterwards (its message differs per endpoint).
 */
export function decodeKey(key: string): Buffer {
  if (/^([0-9a-fA-F]{2})*$/.test(key)) {
    const hex = Buffer.from(key, 'hex');
    if (hex.length >= MIN_KEY && hex.length <= MAX_KEY) return hex;
  }
  // Go's StdEncoding: padded, standard alphabet, no stray characters.
  if (key.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(key)) return Buffer.from(key, 'base64');
  throw badRequest("'key' must be a valid hex or base64 string");
}

/** Length message of the core; unseal and generate-root prefix `invalid key: `. */
export function checkKeyLength(key: Buffer, prefix: string): void {
  if (key.length < MIN_KEY) throw badRequest(`${prefix}key is shorter than minimum ${MIN_KEY} bytes`);
  if (key.length > MAX_KEY) throw badRequest(`${prefix}key is longer than maximum ${MAX_KEY} bytes`);
}

/** A combine failure, carrying Vault's shamir message (the caller picks the status and prefix). */
export class CombineError extends Error {}

/** Vault's shamir.Combine, with its checks and messages; threshold 1 means the part is the key itself. */
export async function combineParts(parts: Buffer[], threshold: number): Promise<Buffer> {
  if (threshold === 1) return Buffer.from(parts[0]!);
  if (parts.length < 2) throw new CombineError('less than two parts cannot be used to reconstruct the secret');
  const length = parts[0]!.length;
  if (length < 2) throw new CombineError('parts must be at least two bytes');
  const xs = new Set<number>();
  for (const part of parts) {
    if (part.length !== length) throw new CombineError('all parts must be the same length');
    const x = part[part.length - 1]!;
    if (xs.has(x)) throw new CombineError('duplicate part detected');
    xs.add(x);
  }
  return Buffer.from(await combine(parts));
}

/** Shares of a fresh key as Vault returns them: n = 1 gives the raw key. */
export async function splitKey(key: Buffer, shares: number, threshold: number): Promise<Buffer[]> {
  if (shares === 1) return [Buffer.from(key)];
  return (await split(key, shares, threshold)).map((s) => Buffer.from(s));
}

export function newKey(): Buffer {
  return randomBytes(32);
}

const NONCE = 12;
const TAG = 16;

/** AES-256-GCM of `plain` under `key`: nonce ‖ ciphertext ‖ tag, base64. */
export function seal(key: Buffer, plain: Buffer): string {
  const nonce = randomBytes(NONCE);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64');
}

/** A decryption that failed (wrong key); its message is Go's GCM error text. */
export class OpenError extends Error {
  constructor() {
    super(AUTH_FAILED);
  }
}

/**
 * Opens a `seal()` envelope. A combined key of a length AES cannot use fails
 * like Go's `aes.NewCipher` (`crypto/aes: invalid key size N`); any other
 * failure is the GCM authentication failure.
 */
export function open(key: Buffer, envelope: string): Buffer {
  if (key.length !== 16 && key.length !== 24 && key.length !== 32) throw new InvalidKeySize(key.length);
  const raw = Buffer.from(envelope, 'base64');
  const nonce = raw.subarray(0, NONCE);
  const tag = raw.subarray(raw.length - TAG);
  const body = raw.subarray(NONCE, raw.length - TAG);
  // The envelope is always AES-256; a 16/24-byte key cannot be the right one.
  if (key.length !== 32) throw new OpenError();
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    throw new OpenError();
  }
}

export class InvalidKeySize extends Error {
  constructor(size: number) {
    super(`crypto/aes: invalid key size ${size}`);
  }
}
