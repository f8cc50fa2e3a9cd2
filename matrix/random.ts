/**
 * Deterministic randomness for plans and generated matrices. Everything a
 * plan randomises is derived from (seed, scenario id, iteration, purpose) by
 * hashing, never from Math.random, so a replay token reproduces the plan
 * byte for byte on any machine.
 */

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

/** mulberry32: a tiny, well-mixed 32-bit generator; returns floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A deterministic sample of `count` items keeping their original order. */
export function seededSample<T>(items: readonly T[], count: number, seed: number): T[] {
  const rand = seededRandom(seed);
  const indices = items.map((_, i) => i);
  for (let i = indices.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [indices[i], indices[j]] = [indices[j]!, indices[i]!];
  }
  return indices
    .slice(0, Math.min(count, items.length))
    .sort((a, b) => a - b)
    .map((i) => items[i]!);
}
