/**
 * The one parser of the `--manager` option (also the `manager=` field of
 * replay tokens and the record's `manager`):
 *
 *   reference
 *   chart:<dir>[,values=<file>][,set=<key>=<value>]...
 *   script:<file>                       (an already rendered vault-manager script)
 *
 * `parseManagerSpec` checks the grammar only (pure; safe on a replay token
 * from another machine). `loadManagerSpec` also checks the files: the chart
 * directory with its Chart.yaml, the values file (a YAML mapping), the script.
 * Every problem is one line, thrown as a UsageError (exit 2).
 *
 * `set=` follows Helm's --set for a subset: dotted keys (`a.b.c=v`, no list
 * indexes `a[0]`, no escaped dots `a\.b`), and the value typed like Helm types
 * it: `true`/`false` (any case) → bool, `null` (any case) → null (removes the
 * key), `0` and signed decimal integers not starting with 0 → int (within
 * JavaScript's exact range; beyond it the text stays a string), anything else
 * a string (so `1.5`, `007` and `1e3` stay strings). As with Helm, a comma
 * separates pairs, so a value cannot contain one.
 */
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../../common/errors.js';
import { parseValuesMapping, type Values } from './values.js';

export type SetValue = string | number | boolean | null;

export interface SetPair {
  /** the key's dotted segments */
  path: string[];
  value: SetValue;
  /** `key=value` as written */
  raw: string;
}

export type ManagerSpec =
  | { kind: 'reference'; text: string }
  | { kind: 'chart'; text: string; dir: string; valuesFile?: string; sets: SetPair[] }
  | { kind: 'script'; text: string; file: string };

export type ManagerKind = ManagerSpec['kind'];

/** A chart spec whose files were checked: absolute paths and the user's values already read. */
export type LoadedManagerSpec =
  | { kind: 'reference'; text: string }
  | { kind: 'chart'; text: string; dir: string; valuesFile?: string; userValues: Values; sets: SetPair[] }
  | { kind: 'script'; text: string; file: string };

export const MANAGER_SPEC_GRAMMAR = 'reference, chart:<dir>[,values=<file>][,set=<key>=<value>]... or script:<file>';

function bad(text: string, problem: string): never {
  throw new UsageError(`--manager ${text}: ${problem}`, { manager: text });
}

/** Helm's typing of a --set value (strvals typedVal). */
export function typeSetValue(raw: string): SetValue {
  const lower = raw.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  if (lower === 'null') return null;
  if (raw === '0') return 0;
  // Go's ParseInt: an optional sign and decimal digits; Helm skips it for text starting with 0.
  if (!raw.startsWith('0') && /^[+-]?[0-9]+$/.test(raw)) {
    const n = Number(raw);
    // Go parses into int64; past JavaScript's exact range the value would change, so keep the text.
    if (Number.isSafeInteger(n)) return n;
  }
  return raw;
}

export function parseSetPair(text: string, pair: string): SetPair {
  const eq = pair.indexOf('=');
  if (eq < 0) bad(text, `set=${pair} is not set=<key>=<value>`);
  const key = pair.slice(0, eq);
  if (key === '') bad(text, `set=${pair} has an empty key`);
  if (/[[\]]/.test(key)) bad(text, `set=${pair}: list indexes are not supported (dotted keys only)`);
  if (key.includes('\\')) bad(text, `set=${pair}: escaped dots are not supported (dotted keys only)`);
  const segments = key.split('.');
  if (segments.some((s) => s.trim() === '')) bad(text, `set=${pair}: the key "${key}" has an empty segment`);
  return { path: segments, value: typeSetValue(pair.slice(eq + 1)), raw: pair };
}

/** The grammar alone; no file is touched. */
export function parseManagerSpec(text: string): ManagerSpec {
  if (text === 'reference') return { kind: 'reference', text };
  const colon = text.indexOf(':');
  const kind = colon < 0 ? text : text.slice(0, colon);
  const rest = colon < 0 ? '' : text.slice(colon + 1);
  if (kind === 'script') {
    if (rest === '') bad(text, 'script: needs a file (script:<file>)');
    return { kind: 'script', text, file: rest };
  }
  if (kind !== 'chart') {
    throw new UsageError(`--manager must be ${MANAGER_SPEC_GRAMMAR}; got "${text}"`, { manager: text });
  }
  const [dir, ...options] = rest.split(',');
  if (dir === undefined || dir === '') bad(text, 'chart: needs a chart directory (chart:<dir>)');
  const spec: ManagerSpec = { kind: 'chart', text, dir, sets: [] };
  for (const option of options) {
    if (option.startsWith('values=')) {
      if (spec.valuesFile !== undefined) bad(text, 'values= given twice (one values file; use set= for more)');
      const file = option.slice('values='.length);
      if (file === '') bad(text, 'values= needs a file');
      spec.valuesFile = file;
    } else if (option.startsWith('set=')) {
      spec.sets.push(parseSetPair(text, option.slice('set='.length)));
    } else {
      bad(text, `unknown option "${option}" (expected values=<file> or set=<key>=<value>)`);
    }
  }
  return spec;
}

function checkReadable(text: string, file: string, what: string, wantDir: boolean): void {
  let isDir: boolean;
  try {
    isDir = statSync(file).isDirectory();
  } catch {
    bad(text, `${what} ${file} does not exist`);
  }
  if (wantDir && !isDir) bad(text, `${what} ${file} is not a directory`);
  if (!wantDir && isDir) bad(text, `${what} ${file} is a directory, not a file`);
  try {
    accessSync(file, wantDir ? constants.R_OK | constants.X_OK : constants.R_OK);
  } catch {
    bad(text, `${what} ${file} is not readable`);
  }
}

/** Grammar and files: paths made absolute (from `cwd`), the chart checked, the values file read. */
export function loadManagerSpec(text: string, options: { cwd?: string } = {}): LoadedManagerSpec {
  const spec = parseManagerSpec(text);
  const cwd = options.cwd ?? process.cwd();
  if (spec.kind === 'reference') return spec;
  if (spec.kind === 'script') {
    const file = path.resolve(cwd, spec.file);
    checkReadable(text, file, 'script', false);
    return { kind: 'script', text, file };
  }
  const dir = path.resolve(cwd, spec.dir);
  checkReadable(text, dir, 'chart directory', true);
  const chartYaml = path.join(dir, 'Chart.yaml');
  try {
    accessSync(chartYaml, constants.R_OK);
  } catch {
    bad(text, `${dir} has no readable Chart.yaml (not a Helm chart)`);
  }
  const loaded: LoadedManagerSpec = { kind: 'chart', text, dir, userValues: {}, sets: spec.sets };
  if (spec.valuesFile !== undefined) {
    const valuesFile = path.resolve(cwd, spec.valuesFile);
    checkReadable(text, valuesFile, 'values file', false);
    loaded.valuesFile = valuesFile;
    loaded.userValues = parseValuesMapping(readFileSync(valuesFile, 'utf8'), valuesFile, (problem) => bad(text, problem));
  }
  return loaded;
}
