/**
 * The harness's own reader of a stored shard, strict where the manager's
 * (`parseShard` in secrets.ts) is lenient: a shard is accepted only in the
 * exact form Vault hands out and a bash consumer (jq, `base64 -d`) of the
 * secret can rely on — `{"keys":["<hex>"],"keys_base64":["<base64>"]}` with
 * exactly 66 lower-case hex characters (Vault's 33-byte share) and padded
 * standard base64 that re-encodes to itself, both the same bytes.
 *
 * Kept apart from the manager's parser on purpose: a checker that reads the
 * secrets the way the manager does cannot see the manager's encoding bugs
 * (unpadded or URL-safe base64, upper-case hex, stray whitespace), which its
 * lenient reader accepts and another consumer would not. The manager never
 * imports this file (test/invariants/independence.unit.test.ts).
 */

/** Vault's share of a 32-byte key: 32 y bytes and the x byte. */
export const SHARE_BYTES = 33;
const HEX_RE = new RegExp(`^[0-9a-f]{${SHARE_BYTES * 2}}$`);
const BASE64_RE = /^[A-Za-z0-9+/]+={0,2}$/;

export type StrictShard = { ok: true; share: Uint8Array } | { ok: false; reason: string };

const bad = (reason: string): StrictShard => ({ ok: false, reason });

/** What is wrong with a hex text, in words (never the text itself: it is a shard). */
function hexProblem(hex: string): string {
  const traits: string[] = [`${hex.length} characters`];
  if (/\s/.test(hex)) traits.push('whitespace');
  if (/[A-F]/.test(hex)) traits.push('upper-case');
  if (/[^0-9a-fA-F\s]/.test(hex)) traits.push('non-hex characters');
  return `keys[0] is not ${SHARE_BYTES * 2} lower-case hex characters (${traits.join(', ')})`;
}

function base64Problem(b64: string): string | undefined {
  if (/\s/.test(b64)) return 'keys_base64[0] contains whitespace';
  if (/[-_]/.test(b64)) return 'keys_base64[0] uses the URL-safe alphabet';
  if (!BASE64_RE.test(b64)) return 'keys_base64[0] has characters outside standard base64';
  if (b64.length % 4 !== 0) return 'keys_base64[0] is not padded';
  if (Buffer.from(b64, 'base64').toString('base64') !== b64) return 'keys_base64[0] does not re-encode to itself';
  return undefined;
}

function single(doc: Record<string, unknown>, field: string): string | undefined {
  const v = doc[field];
  return Array.isArray(v) && v.length === 1 && typeof v[0] === 'string' ? v[0] : undefined;
}

/** Reads a shard secret's `strdata`; the reason names the first thing wrong, never a value. */
export function parseShardStrict(strdata: string): StrictShard {
  let doc: unknown;
  try {
    doc = JSON.parse(strdata);
  } catch {
    return bad('strdata is not JSON');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return bad('strdata is not a JSON object');
  const fields = Object.keys(doc).sort();
  if (fields.join() !== 'keys,keys_base64') return bad(`strdata has fields [${fields.join(', ')}], not exactly keys and keys_base64`);
  const hex = single(doc as Record<string, unknown>, 'keys');
  const b64 = single(doc as Record<string, unknown>, 'keys_base64');
  if (hex === undefined) return bad('keys is not an array of one string');
  if (b64 === undefined) return bad('keys_base64 is not an array of one string');
  if (!HEX_RE.test(hex)) return bad(hexProblem(hex));
  const b64Problem = base64Problem(b64);
  if (b64Problem) return bad(b64Problem);
  const fromHex = Buffer.from(hex, 'hex');
  if (!fromHex.equals(Buffer.from(b64, 'base64'))) return bad('keys and keys_base64 hold different bytes');
  return { ok: true, share: new Uint8Array(fromHex) };
}
