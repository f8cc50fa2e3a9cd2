/**
 * Loads saved run records for `rekey-chaos recheck`: a run dir holding
 * `record.json`, or a parent dir whose run dirs hold one each. A missing or
 * malformed record is bad input (UsageError, exit 2) naming the file and
 * what is wrong; nothing is checked in that case.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../../common/errors.js';
import type { RunRecord } from '../../common/record.js';

export const RECORD_FILE = 'record.json';
const MAX_DEPTH = 4;

/** The record files under `dir`, sorted by path. */
export async function findRecordFiles(dir: string): Promise<string[]> {
  const info = await stat(dir).catch(() => undefined);
  if (!info) throw new UsageError(`${dir}: no such directory`, { dir });
  if (info.isFile()) return [dir];
  const found: string[] = [];
  const walk = async (d: string, depth: number): Promise<void> => {
    const entries = await readdir(d, { withFileTypes: true });
    if (entries.some((e) => e.isFile() && e.name === RECORD_FILE)) {
      found.push(join(d, RECORD_FILE));
      return;
    }
    if (depth >= MAX_DEPTH) return;
    for (const e of entries) if (e.isDirectory()) await walk(join(d, e.name), depth + 1);
  };
  await walk(dir, 0);
  if (found.length === 0) throw new UsageError(`${dir}: no ${RECORD_FILE} in it or in its run directories`, { dir });
  return found.sort();
}

const ARRAY_FIELDS = ['timeline', 'ledger', 'service', 'audits', 'faults', 'managerProblems', 'invariants'] as const;

/** Parses and shape-checks one record file. */
export async function loadRecord(file: string): Promise<RunRecord> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`${file}: cannot read: ${(err as Error).message}`, { file });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${file}: not valid JSON: ${(err as Error).message}`, { file });
  }
  const problem = shapeProblem(value);
  if (problem) throw new UsageError(`${file}: malformed run record: ${problem}`, { file, problem });
  return value as RunRecord;
}

function shapeProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const r = value as Record<string, unknown>;
  if (r.version !== 1) return `version: expected 1, found ${JSON.stringify(r.version)}`;
  if (typeof r.runId !== 'string') return 'runId: missing or not a string';
  for (const field of ARRAY_FIELDS) if (!Array.isArray(r[field])) return `${field}: missing or not an array`;
  if (r.keyFeed !== null && !Array.isArray(r.keyFeed)) return 'keyFeed: must be an array or null';
  for (const field of ['startedAt', 'endedAt'] as const) if (typeof r[field] !== 'number') return `${field}: missing or not a number`;
  const scenario = r.scenario as Record<string, unknown> | undefined;
  if (typeof scenario !== 'object' || scenario === null || typeof scenario.id !== 'string') return 'scenario: missing or without an id';
  const plan = r.plan as Record<string, unknown> | undefined;
  if (typeof plan !== 'object' || plan === null || !Array.isArray(plan.faults) || typeof plan.timeoutMs !== 'number') return 'plan: missing, or without faults / timeoutMs';
  const final = r.final as Record<string, unknown> | undefined;
  if (typeof final !== 'object' || final === null || !Array.isArray(final.secrets) || !Array.isArray(final.servers)) return 'final: missing, or without secrets / servers';
  if (typeof r.initial !== 'object' || r.initial === null) return 'initial: missing';
  const badEntry = (r.ledger as unknown[]).findIndex((e) => typeof (e as { t?: unknown })?.t !== 'number' || typeof (e as { sets?: unknown }).sets !== 'object');
  if (badEntry >= 0) return `ledger[${badEntry}]: needs t and sets`;
  return undefined;
}
