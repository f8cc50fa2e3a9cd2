/**
 * Label and field selectors with Kubernetes' grammar. Parsing happens once per
 * request; a malformed selector is a 400 BadRequest naming the offending part,
 * never a silently empty match.
 */
import { badRequest } from './status.js';

type LabelRequirement =
  | { op: 'eq' | 'ne'; key: string; value: string }
  | { op: 'in' | 'notin'; key: string; values: string[] }
  | { op: 'exists' | 'notexists'; key: string };

/** A compiled label selector; the empty selector matches everything. */
export interface LabelSelector {
  readonly requirements: readonly LabelRequirement[];
  matches(labels: Record<string, string> | undefined): boolean;
}

// Qualified name: optional DNS prefix + '/' + name of up to 63 chars.
/** Kubernetes' label key syntax (optional DNS-subdomain prefix, then a name); shared with metadata validation. */
export const LABEL_KEY_RE = /^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
/** Kubernetes' label value syntax (empty allowed). */
export const LABEL_VALUE_RE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

function checkKey(key: string, whole: string): string {
  if (!LABEL_KEY_RE.test(key)) throw badRequest(`unable to parse requirement: invalid label key "${key}" in selector "${whole}"`);
  return key;
}

function checkValue(value: string, whole: string): string {
  if (!LABEL_VALUE_RE.test(value)) throw badRequest(`unable to parse requirement: invalid label value "${value}" in selector "${whole}"`);
  return value;
}

/** Splits on commas that are not inside a parenthesised value set. */
function splitTopLevel(text: string, whole: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') {
      depth--;
      if (depth < 0) throw badRequest(`unable to parse selector "${whole}": unbalanced ")"`);
    } else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  if (depth !== 0) throw badRequest(`unable to parse selector "${whole}": unclosed "("`);
  parts.push(text.slice(start));
  return parts;
}

function parseRequirement(raw: string, whole: string): LabelRequirement {
  const part = raw.trim();
  if (part === '') throw badRequest(`unable to parse selector "${whole}": empty requirement`);
  const setMatch = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(part);
  if (setMatch) {
    const key = checkKey(setMatch[1]!, whole);
    const values = setMatch[3]!.split(',').map((v) => checkValue(v.trim(), whole));
    if (values.length === 0 || (values.length === 1 && values[0] === ''))
      throw badRequest(`unable to parse selector "${whole}": "${setMatch[2]}" needs at least one value`);
    return { op: setMatch[2] as 'in' | 'notin', key, values };
  }
  const opMatch = /^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/.exec(part);
  if (opMatch) {
    const key = checkKey(opMatch[1]!, whole);
    const value = checkValue(opMatch[3]!.trim(), whole);
    return { op: opMatch[2] === '!=' ? 'ne' : 'eq', key, value };
  }
  if (part.startsWith('!')) return { op: 'notexists', key: checkKey(part.slice(1).trim(), whole) };
  if (/^\S+$/.test(part)) return { op: 'exists', key: checkKey(part, whole) };
  throw badRequest(`unable to parse selector "${whole}": cannot understand "${part}"`);
}

function requirementMatches(r: LabelRequirement, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  switch (r.op) {
    case 'eq':
      return has && labels[r.key] === r.value;
    case 'ne':
      return !has || labels[r.key] !== r.value;
    case 'in':
      return has && r.values.includes(labels[r.key]!);
    case 'notin':
      return !has || !r.values.includes(labels[r.key]!);
    case 'exists':
      return has;
    case 'notexists':
      return !has;
  }
}

/** Parses `a=b,c!=d,e in (x,y),f notin (z),g,!h`. Throws ApiError 400 on malformed input. */
export function parseLabelSelector(text: string | undefined): LabelSelector {
  const whole = text ?? '';
  const requirements = whole.trim() === '' ? [] : splitTopLevel(whole, whole).map((p) => parseRequirement(p, whole));
  return {
    requirements,
    matches: (labels) => requirements.every((r) => requirementMatches(r, labels ?? {})),
  };
}

/** Extracts the value of a selectable field from an object (undefined → the empty string). */
export type FieldGetter = (obj: Record<string, unknown>) => string | undefined;

export interface FieldSelector {
  matches(obj: Record<string, unknown>): boolean;
}

/**
 * Parses `metadata.name=x,status.phase!=Running` against the fields a
 * resource supports; an unsupported field is a 400, as on a real server.
 */
export function parseFieldSelector(text: string | undefined, fields: Record<string, FieldGetter>, resource: string): FieldSelector {
  const whole = text ?? '';
  if (whole.trim() === '') return { matches: () => true };
  const terms = whole.split(',').map((raw) => {
    const m = /^\s*([A-Za-z0-9_.]+)\s*(==|=|!=)\s*([^,]*?)\s*$/.exec(raw);
    if (!m) throw badRequest(`invalid field selector "${whole}": cannot parse "${raw}"`);
    const getter = fields[m[1]!];
    if (!getter) throw badRequest(`field label not supported: "${m[1]}" (selectable fields of ${resource}: ${Object.keys(fields).join(', ')})`);
    return { getter, negate: m[2] === '!=', value: m[3]! };
  });
  return {
    matches: (obj) => terms.every((t) => ((t.getter(obj) ?? '') === t.value) !== t.negate),
  };
}
