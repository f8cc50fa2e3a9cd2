/**
 * An independent Shamir implementation for test vectors: GF(2^8) with the AES
 * polynomial by plain shift-and-add multiplication (no tables, no shared code
 * with common/shamir.ts), Lagrange interpolation at x = 0, Vault's
 * layout (y bytes, then the x byte).
 */
import { randomBytes } from 'node:crypto';

export function mul(a: number, b: number): number {
  let product = 0;
  for (let i = 0; i < 8; i++) {
    if (b & 1) product ^= a;
    const carry = a & 0x80;
    a = (a << 1) & 0xff;
    if (carry) a ^= 0x1b;
    b >>= 1;
  }
  return product;
}

/** a^254 = a^-1 in GF(2^8). */
export function inverse(a: number): number {
  if (a === 0) throw new Error('zero has no inverse');
  let result = 1;
  let base = a;
  let e = 254;
  while (e > 0) {
    if (e & 1) result = mul(result, base);
    base = mul(base, base);
    e >>= 1;
  }
  return result;
}

export function combineIndependent(shares: Uint8Array[]): Uint8Array {
  const len = shares[0]!.length - 1;
  const xs = shares.map((s) => s[len]!);
  const out = new Uint8Array(len);
  for (let byte = 0; byte < len; byte++) {
    let acc = 0;
    for (let i = 0; i < shares.length; i++) {
      // Basis polynomial i at x = 0: Π_{j≠i} x_j / (x_j − x_i); subtraction is XOR.
      let basis = 1;
      for (let j = 0; j < shares.length; j++) {
        if (j === i) continue;
        basis = mul(basis, mul(xs[j]!, inverse(xs[j]! ^ xs[i]!)));
      }
      acc ^= mul(shares[i]![byte]!, basis);
    }
    out[byte] = acc;
  }
  return out;
}

export function splitIndependent(secret: Uint8Array, n: number, threshold: number): Uint8Array[] {
  // Distinct non-zero x values, shuffled.
  const xs = Array.from({ length: 255 }, (_, i) => i + 1);
  for (let i = xs.length - 1; i > 0; i--) {
    const j = randomBytes(1)[0]! % (i + 1);
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  const shares = xs.slice(0, n).map((x) => {
    const s = new Uint8Array(secret.length + 1);
    s[secret.length] = x;
    return s;
  });
  for (let byte = 0; byte < secret.length; byte++) {
    const coeffs = [secret[byte]!, ...randomBytes(threshold - 1)];
    for (const share of shares) {
      const x = share[secret.length]!;
      let y = 0;
      for (let k = coeffs.length - 1; k >= 0; k--) y = mul(y, x) ^ coeffs[k]!; // Horner
      share[byte] = y;
    }
  }
  return shares;
}
