/**
 * Writing a run directory: `<runsDir>/<runId>/record.json` plus `logs/`.
 * The record holds fingerprints only; as a last line of defence every file
 * written here is checked for the exact secret values the iteration handled
 * (the shards and tokens it held in memory) and for anything shaped like one
 * (`redact()`), and scrubbed before it stays on disk.
 */
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { redact } from '../../common/redact.js';
import type { RunRecord } from '../../common/record.js';

/**
 * A record with nothing observed yet: the runner fills it in as the iteration
 * goes, and one that never started is written as it is. Until judged, its
 * outcome is environment-error, so a record cut short never reads as a pass.
 */
export function newRecord(fields: Pick<RunRecord, 'runId' | 'scenario' | 'plan' | 'backend' | 'manager' | 'startedAt' | 'replay'> & Partial<RunRecord>): RunRecord {
  return {
    version: 1,
    endedAt: fields.startedAt,
    timeline: [],
    ledger: [],
    keyFeed: null,
    service: [],
    audits: [],
    faults: [],
    initial: {},
    final: { secrets: [], servers: [] },
    logs: {},
    managerProblems: [],
    invariants: [],
    outcome: 'environment-error',
    ...fields,
  };
}

export function runIdFor(scenarioId: string, iteration: number, startedAt: number): string {
  const safe = scenarioId.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80);
  return `${safe}-i${iteration}-${Math.floor(startedAt).toString(36)}`;
}

export async function prepareRunDir(runsDir: string, runId: string): Promise<string> {
  const dir = path.resolve(runsDir, runId);
  await mkdir(path.join(dir, 'logs'), { recursive: true });
  return dir;
}

/** Replaces every occurrence of a known secret value, then anything secret-shaped. Returns the text and whether it changed. */
export function scrub(text: string, secretValues: readonly string[]): { text: string; changed: boolean } {
  let out = text;
  for (const v of secretValues) if (v.length >= 8 && out.includes(v)) out = out.split(v).join('[REDACTED]');
  out = redact(out);
  return { text: out, changed: out !== text };
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(p)));
    else if (entry.isFile()) out.push(p);
  }
  return out;
}

/** Scrubs every file of the run dir in place; returns the files that had to be changed (relative). */
export async function scrubRunDir(runDir: string, secretValues: readonly string[]): Promise<string[]> {
  const changed: string[] = [];
  for (const file of await filesUnder(runDir)) {
    const text = await readFile(file, 'utf8');
    const r = scrub(text, secretValues);
    if (r.changed) {
      await writeFile(file, r.text);
      changed.push(path.relative(runDir, file));
    }
  }
  return changed;
}

export async function writeRecord(runDir: string, record: RunRecord, secretValues: readonly string[]): Promise<void> {
  const json = JSON.stringify(record, null, 2);
  const { text, changed } = scrub(json, secretValues);
  if (changed) {
    // A secret reached the record: that is a harness defect. Keep the evidence, scrubbed, and say so.
    const flagged = JSON.parse(text) as RunRecord;
    flagged.error = `${flagged.error ? `${flagged.error}; ` : ''}secret-shaped values were scrubbed from this record`;
    await writeFile(path.join(runDir, 'record.json'), JSON.stringify(flagged, null, 2));
    return;
  }
  await writeFile(path.join(runDir, 'record.json'), text);
}

/** For passing iterations when evidence is not kept: drop the logs, keep record.json. */
export async function dropLogs(runDir: string): Promise<void> {
  const logs = path.join(runDir, 'logs');
  if (await stat(logs).then(() => true, () => false)) await rm(logs, { recursive: true, force: true });
}
