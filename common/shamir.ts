/**
 * Shamir secret sharing in Vault's byte layout (y-bytes then one x byte, over
 * GF(2^8) with the AES polynomial), via the `shamir-secret-sharing` package,
 * which is byte-compatible with Vault's `shamir` package. This wrapper
 * converts Node Buffers to the plain Uint8Arrays the package insists on and
 * emulates Vault's n = 1 case (the share is the raw key).
 */
import { combine as combineShares, split as splitSecret } from 'shamir-secret-sharing';

function plain(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

export async function split(secret: Uint8Array, shares: number, threshold: number): Promise<Uint8Array[]> {
  if (shares === 1 && threshold === 1) return [plain(secret)];
  return splitSecret(plain(secret), shares, threshold);
}

/**
 * Combines shares into the secret. Like Vault, a wrong or mixed set silently
 * yields wrong bytes; only decryption of the protected key can tell.
 * Throws on duplicate x bytes or unequal lengths.
 */
export async function combine(shares: Uint8Array[]): Promise<Uint8Array> {
  if (shares.length === 1) return plain(shares[0]!);
  return combineShares(shares.map(plain));
}

/** All k-element index subsets of 0..n-1, in lexicographic order (I7 checks the ten 3-of-5 ones). */
export function subsets(n: number, k: number): number[][] {
  const out: number[][] = [];
  const pick = (start: number, acc: number[]) => {
    if (acc.length === k) {
      out.push([...acc]);
      return;
    }
    for (let i = start; i < n; i++) pick(i + 1, [...acc, i]);
  };
  pick(0, []);
  return out;
}
