/**
 * Root tokens: minted by init and generate-root, valid until revoked. The
 * store keeps only SHA-256 hashes, so a store dump never reveals a token.
 */
import { createHash, randomInt } from 'node:crypto';
import type { SharedStore } from './store.js';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export function randomBase62(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += BASE62[randomInt(BASE62.length)];
  return out;
}

function hash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A new root token, `hvs.` + 24 base62 characters (28 in all, the OTP length). */
export async function mintRootToken(store: SharedStore): Promise<string> {
  const token = `hvs.${randomBase62(24)}`;
  await store.withLock(() => store.writeTokenHashes([...store.tokenHashes(), hash(token)]));
  return token;
}

export function tokenValid(store: SharedStore, token: string | undefined): boolean {
  return token !== undefined && token.length > 0 && store.tokenHashes().includes(hash(token));
}

export async function revokeToken(store: SharedStore, token: string): Promise<void> {
  const h = hash(token);
  await store.withLock(() => store.writeTokenHashes(store.tokenHashes().filter((x) => x !== h)));
}
