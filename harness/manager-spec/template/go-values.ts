/**
 * How Go's text/template and Helm's functions see the values: Go
 * truthiness and emptiness, `%v` printing, `%q` quoting and Helm's toYaml.
 * Numbers read from YAML are float64 in Helm (values go through JSON), so a
 * JavaScript number prints like a Go float64 (1000000 → 1e+06, as in Helm);
 * an integer literal written in a template is a bigint and prints plainly.
 */
import { stringify } from 'yaml';

export type GoValue = unknown;

export function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Go template truth (and sprig's `empty`, negated). */
export function isTrue(v: GoValue): boolean {
  if (v === null || v === undefined) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'bigint') return v !== 0n;
  if (typeof v === 'string') return v.length > 0;
  if (Array.isArray(v)) return v.length > 0;
  if (isMap(v)) return Object.keys(v).length > 0;
  return true;
}

/** strconv.FormatFloat(f, 'g', -1, 64), which `%v` uses for a float64. */
export function goFloat(f: number): string {
  if (Number.isNaN(f)) return 'NaN';
  if (!Number.isFinite(f)) return f > 0 ? '+Inf' : '-Inf';
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  const [mantissa, expText] = f.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  // Go switches to an exponent when it is below -4 or at least 6 (shortest precision).
  if (exp < -4 || exp >= 6) {
    const sign = exp < 0 ? '-' : '+';
    const digits = String(Math.abs(exp)).padStart(2, '0');
    return `${mantissa}e${sign}${digits}`;
  }
  // Shortest digits in plain notation; JavaScript's String() agrees with Go inside this exponent range.
  return String(f);
}

/** fmt's `%v` of a value as text/template prints it; a missing value prints empty (Helm's rule). */
export function goPrint(v: GoValue, nested = false): string {
  if (v === null || v === undefined) return nested ? '<nil>' : '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return goFloat(v);
  if (typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map((x) => goPrint(x, true)).join(' ')}]`;
  if (isMap(v)) return `map[${Object.keys(v).sort().map((k) => `${k}:${goPrint(v[k], true)}`).join(' ')}]`;
  return String(v);
}

/** Go's `%q` of a string: double-quoted with Go escapes; printable Unicode stays as it is. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\x07') out += '\\a';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (ch === '\v') out += '\\v';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v)) return v.map(plain);
  if (isMap(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

/**
 * Helm's toYaml: keys sorted, sequences not indented under their key, no
 * line folding, no trailing newline. Scalars may be quoted differently from
 * Go's YAML encoder; the data is the same.
 */
export function toYaml(v: GoValue): string {
  if (v === undefined || v === null) return 'null';
  return stringify(plain(v), { sortMapEntries: true, indentSeq: false, lineWidth: 0 }).replace(/\n$/, '');
}

/** Go's type name of a value, for messages that match Helm's. */
export function goTypeName(v: GoValue): string {
  if (v === null || v === undefined) return 'nil';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return 'float64';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return '[]interface {}';
  return 'map[string]interface {}';
}
