/**
 * The project's one deterministic random source. Plans (matrix/) and fault
 * target resolution (harness/faults/) both draw from it, so a replay token
 * reproduces the plan and the targets byte for byte on any machine. Seeds
 * come from hashing (seed, scenario id, iteration, purpose), never from
 * Math.random. Not for anything cryptographic.
 */

export interface Random {
  /** uniform in [0, 1) */
  next(): number;
  /** uniform integer in [0, n) */
  int(n: number): number;
  /** one element of a non-empty array */
  pick<T>(items: readonly T[]): T;
}

/** FNV-1a over the UTF-8 bytes of the parts joined by a separator no id may contain. */
export function hash32(...parts: Array<string | number>): number {
  const text = parts.map(String).join('\u0000');
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** mulberry32: a tiny, well-mixed 32-bit generator. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  return {
    next,
    int,
    pick<T>(items: readonly T[]): T {
      if (items.length === 0) throw new RangeError('pick from an empty list');
      return items[int(items.length)]!;
    },
  };
}

/** A deterministic sample of `count` items keeping their original order. */
export function seededSample<T>(items: readonly T[], count: number, seed: number): T[] {
  const random = seededRandom(seed);
  const indices = items.map((_, i) => i);
  for (let i = indices.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    [indices[i], indices[j]] = [indices[j]!, indices[i]!];
  }
  return indices
    .slice(0, Math.min(count, items.length))
    .sort((a, b) => a - b)
    .map((i) => items[i]!);
}
