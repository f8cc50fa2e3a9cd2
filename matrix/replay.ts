/**
 * The one-line replay command printed for every failure: a readable token
 * that pins everything a plan depends on (scenario, iteration, seed, time
 * scale) and where it ran (backend, manager, defect), e.g.
 *   rekey-chaos replay "F3:2:seed=2120:ts=0.02:backend=embedded:manager=reference:defect=skip-verify"
 */
import { UsageError } from '../common/errors.js';
import type { Backend } from '../common/record.js';

export const BACKENDS: readonly Backend[] = ['embedded', 'kind', 'kubeconfig'];

export interface ReplaySpec {
  scenario: string; // scenario id
  /** the scenario file, when it is not part of the catalogue under scenarios/ */
  file?: string;
  iteration: number;
  seed: number;
  timescale: number;
  backend: Backend;
  manager: string;
  defect?: string;
}

const enc = (s: string) => encodeURIComponent(s);

export function encodeReplayToken(spec: ReplaySpec): string {
  const parts = [enc(spec.scenario), String(spec.iteration), `seed=${spec.seed}`, `ts=${spec.timescale}`, `backend=${spec.backend}`, `manager=${enc(spec.manager)}`];
  if (spec.defect !== undefined) parts.push(`defect=${enc(spec.defect)}`);
  if (spec.file !== undefined) parts.push(`file=${enc(spec.file)}`);
  return parts.join(':');
}

export function replayCommand(spec: ReplaySpec): string {
  return `rekey-chaos replay "${encodeReplayToken(spec)}"`;
}

function bad(text: string, why: string): never {
  throw new UsageError(`not a replay token (${why}): ${text}`, { token: text });
}

/** The token out of whatever the user pasted: the token itself or the whole printed command. */
export function extractToken(text: string): string {
  const trimmed = text.trim();
  const m = /(?:^|\s)replay\s+(?:"([^"]*)"|'([^']*)'|(\S+))\s*$/.exec(trimmed);
  if (m) return m[1] ?? m[2] ?? m[3]!;
  return trimmed.replace(/^["']|["']$/g, '');
}

/** A percent-encoded part; a broken escape (`%3`, `%ZZ`) is a bad token, not a URIError. */
function decodePart(text: string, part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return bad(text, `"${part}" is not valid percent-encoding`);
  }
}

export function decodeReplayToken(text: string): ReplaySpec {
  const token = extractToken(text);
  const [scenarioPart, iterationPart, ...rest] = token.split(':');
  if (!scenarioPart || iterationPart === undefined) bad(text, 'expected <scenario>:<iteration>:key=value…');
  if (!/^[0-9]+$/.test(iterationPart)) bad(text, `iteration "${iterationPart}" is not a non-negative integer`);
  const fields = new Map<string, string>();
  for (const part of rest) {
    const eq = part.indexOf('=');
    if (eq <= 0) bad(text, `"${part}" is not key=value`);
    const key = part.slice(0, eq);
    if (fields.has(key)) bad(text, `"${key}" given twice`);
    fields.set(key, decodePart(text, part.slice(eq + 1)));
  }
  const known = new Set(['seed', 'ts', 'backend', 'manager', 'defect', 'file']);
  for (const key of fields.keys()) if (!known.has(key)) bad(text, `unknown field "${key}"`);
  const need = (key: string) => fields.get(key) ?? bad(text, `missing ${key}=`);
  const seed = Number(need('seed'));
  if (!Number.isInteger(seed) || seed < 0) bad(text, 'seed must be a non-negative integer');
  const timescale = Number(need('ts'));
  if (!Number.isFinite(timescale) || timescale <= 0) bad(text, 'ts must be a positive number');
  const backend = need('backend') as Backend;
  if (!BACKENDS.includes(backend)) bad(text, `unknown backend "${backend}"`);
  const spec: ReplaySpec = { scenario: decodePart(text, scenarioPart), iteration: Number(iterationPart), seed, timescale, backend, manager: need('manager') };
  const defect = fields.get('defect');
  if (defect !== undefined) spec.defect = defect;
  const file = fields.get('file');
  if (file !== undefined) spec.file = file;
  return spec;
}
