/**
 * The values a chart is rendered with, in Helm's order of precedence:
 * the chart's values.yaml < the user's values file < the user's set= pairs
 * < the values the harness must force (names, replicas, status rate,
 * Vault version). Maps merge key by key, anything else replaces, and a null
 * removes the key (Helm's coalescing). The keys the harness forced over a
 * user's different choice are reported, so the CLI can say so.
 */
import { isDeepStrictEqual } from 'node:util';
import { parseDocument, type YAMLError } from 'yaml';
import { UsageError } from '../../common/errors.js';
import type { SetPair } from './spec.js';

export type Values = { [key: string]: unknown };

export function isMapping(v: unknown): v is Values {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * A values file's text as a mapping; an empty file is an empty mapping.
 * A syntax error or a top level that is not a mapping goes to `fail` as
 * `file:line: problem` (lines from the yaml package).
 */
/** A yaml package error as a line number and a one-line message (the position goes in front, as file:line). */
export function yamlProblem(error: YAMLError): { line: number; message: string } {
  const first = error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  return { line: error.linePos?.[0].line ?? 1, message: first };
}

export function parseValuesMapping(text: string, file: string, fail: (problem: string) => never = (p) => { throw new UsageError(p, { file }); }): Values {
  const doc = parseDocument(text);
  const error = doc.errors[0];
  if (error) {
    const { line, message } = yamlProblem(error);
    fail(`${file}:${line}: ${message}`);
  }
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) return {};
  if (!isMapping(value)) {
    const offset = doc.contents?.range?.[0] ?? 0;
    const line = text.slice(0, offset).split('\n').length;
    fail(`${file}:${line}: a values file must be a YAML mapping, found ${Array.isArray(value) ? 'a list' : `a ${typeof value}`}`);
  }
  return value;
}

/**
 * `override` over `base`, Helm style. Nulls of `override` stay in the result
 * (so a file handed to helm still removes the key from the chart's
 * defaults); `dropNulls` gives the values the templates see.
 */
export function mergeValues(base: Values, override: Values): Values {
  const out: Values = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const below = out[key];
    out[key] = isMapping(value) && isMapping(below) ? mergeValues(below, value) : value;
  }
  return out;
}

export function dropNulls(values: Values): Values {
  const out: Values = {};
  for (const [key, value] of Object.entries(values)) {
    if (value === null) continue;
    out[key] = isMapping(value) ? dropNulls(value) : value;
  }
  return out;
}

/** The tree one dotted key sets: `a.b=1` → {a: {b: 1}}. */
export function treeAt(path: readonly string[], value: unknown): Values {
  let tree: unknown = value;
  for (let i = path.length - 1; i >= 0; i--) tree = { [path[i]!]: tree };
  return tree as Values;
}

export function valueAt(values: Values, path: readonly string[]): unknown {
  let at: unknown = values;
  for (const key of path) {
    if (!isMapping(at) || !(key in at)) return undefined;
    at = at[key];
  }
  return at;
}

/** What the harness needs the chart to agree on, whatever the user's values say. */
export interface HarnessManagerValues {
  namespace: string;
  releaseName: string;
  /** `vault.name` (the server pods' app name, e.g. vault) */
  vaultName: string;
  /** `vault.fullname` (the servers' StatefulSet name, e.g. sva-vault) */
  vaultFullname: string;
  /** `server.ha.replicas`: the harness always runs three servers */
  haReplicas: 3;
  /** `manager.statusCheckRate`: whole seconds ≥ 1 (StarlingX's script replaces anything else by 5) */
  statusCheckRateS: number;
  /** `server.version`, when the backend's Vault must report a particular version; unset keeps the chart's */
  vaultVersion?: string;
}

/** The status rate of a script that counts whole seconds, from the harness's rate in ms. */
export function statusRateSecondsFor(statusRateMs: number): number {
  const seconds = statusRateMs / 1000;
  if (!Number.isInteger(seconds) || seconds < 1) {
    throw new UsageError(`the vault-manager script counts its status rate in whole seconds (≥ 1 s); a status rate of ${statusRateMs} ms cannot be given to it (use a time scale of at least 0.2)`, { statusRateMs });
  }
  return seconds;
}

export function forcedValues(h: HarnessManagerValues): Values {
  if (!Number.isInteger(h.statusCheckRateS) || h.statusCheckRateS < 1) {
    throw new UsageError(`manager.statusCheckRate must be a whole number of seconds ≥ 1, got ${h.statusCheckRateS}`);
  }
  const server: Values = { ha: { replicas: h.haReplicas } };
  if (h.vaultVersion !== undefined) server['version'] = h.vaultVersion;
  return { vault: { name: h.vaultName, fullname: h.vaultFullname }, server, manager: { statusCheckRate: h.statusCheckRateS } };
}

export interface ValueOverride {
  /** dotted key */
  key: string;
  /** the user's value the harness replaced */
  user: unknown;
  forced: unknown;
  /** where the user's value came from (the last source that set it) */
  from: 'values file' | 'set';
}

export interface MergedValues {
  /** what the templates see (nulls removed) */
  values: Values;
  /** the user's and the harness's values over the chart's, nulls kept: the `-f` file for helm */
  valuesForHelm: Values;
  overrides: ValueOverride[];
}

function leaves(values: Values, prefix: string[] = []): { path: string[]; value: unknown }[] {
  return Object.entries(values).flatMap(([key, value]) =>
    isMapping(value) && Object.keys(value).length > 0 ? leaves(value, [...prefix, key]) : [{ path: [...prefix, key], value }],
  );
}

export function mergeAllValues(input: { chart: Values; userFile: Values; sets: readonly SetPair[]; harness: HarnessManagerValues }): MergedValues {
  let fromSets: Values = {};
  for (const pair of input.sets) fromSets = mergeValues(fromSets, treeAt(pair.path, pair.value));
  const forced = forcedValues(input.harness);
  const user = mergeValues(input.userFile, fromSets);
  const overrides: ValueOverride[] = [];
  for (const { path, value } of leaves(forced)) {
    const mine = valueAt(user, path);
    if (mine === undefined || isDeepStrictEqual(mine, value)) continue;
    const from = valueAt(fromSets, path) !== undefined ? 'set' : 'values file';
    overrides.push({ key: path.join('.'), user: mine, forced: value, from });
  }
  const valuesForHelm = mergeValues(user, forced);
  return { values: dropNulls(mergeValues(input.chart, valuesForHelm)), valuesForHelm, overrides };
}
