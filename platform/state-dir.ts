/**
 * Which folders an embedded cluster may use as its state dir, and what it may
 * remove there. A state dir carries a marker file, `.rekey-chaos-state`,
 * that the harness writes when it creates the folder or takes an empty one.
 * A non-empty folder without the marker is refused before anything in it is
 * touched: `--state-dir` pointed by mistake at a folder of one's own (say one
 * holding `vault/` key backups) must never lose a file. Even in a marked
 * folder only the entries the cluster itself writes (OWNED_ENTRIES) are ever
 * removed; anything else a user drops there stays.
 */
import fs from 'node:fs';
import path from 'node:path';
import { UsageError } from '../common/errors.js';

export const STATE_MARKER = '.rekey-chaos-state';
/** Bumped when the layout changes so that an older marker must not be trusted. */
export const STATE_FORMAT = 1;

/** Everything a cluster writes at the top of its state dir (docs/architecture.md, "State dir layout"). */
export const OWNED_ENTRIES: readonly string[] = [
  'config.json',
  'state.json',
  'daemon.pid',
  'kubeconfig',
  'pod-kubeconfig',
  'daemon.log',
  'pids',
  'logs',
  'pki',
  'vault',
  'bundles',
  'pods', // sandboxed pods' projected volumes, emptyDirs, /workdir
  'dns', // the cluster DNS files sandboxed pods resolve with
  'serviceaccount', // the in-cluster credential files
  'apiserver', // the API server's commit feed
];

export interface StateMarker {
  tool: 'rekey-chaos';
  format: number;
  createdAt: string;
  createdByPid: number;
}

export type StateDirKind = 'absent' | 'empty' | 'marked';

const WHAT_TO_DO = 'give --state-dir a new or empty folder (rekey-chaos creates it and marks it as its own)';

function readMarker(dir: string): StateMarker | undefined {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, STATE_MARKER), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const marker = JSON.parse(text) as Partial<StateMarker>;
    if (marker.tool === 'rekey-chaos' && marker.format === STATE_FORMAT) return marker as StateMarker;
  } catch {
    /* reported below */
  }
  throw new UsageError(`refusing to use ${dir} as a state dir: its ${STATE_MARKER} is not one this version of rekey-chaos wrote (format ${STATE_FORMAT}); nothing was changed; ${WHAT_TO_DO}`, {
    stateDir: dir,
  });
}

/** False when nothing is at the path; a UsageError when a file (or something unreadable) is. */
export function refuseFile(dir: string): boolean {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new UsageError(`cannot use ${dir} as a state dir: ${(err as Error).message}`, { stateDir: dir });
  }
  if (!stat.isDirectory()) throw new UsageError(`--state-dir ${dir} is a file, not a folder; ${WHAT_TO_DO}`, { stateDir: dir });
  return true;
}

/**
 * What the folder is, or a UsageError saying why it cannot be a state dir
 * (a file, or a non-empty folder without a valid marker). Writes nothing.
 */
export function checkStateDir(dir: string): StateDirKind {
  if (!refuseFile(dir)) return 'absent';
  if (readMarker(dir)) return 'marked';
  const entries = fs.readdirSync(dir);
  if (entries.length === 0) return 'empty';
  const atRisk = entries.filter((e) => OWNED_ENTRIES.includes(e));
  throw new UsageError(
    `refusing to use ${dir} as a state dir: it is not empty and has no ${STATE_MARKER} marker, so rekey-chaos did not make it ` +
      `(or a version that did not mark its state dirs did)${atRisk.length ? `; a cluster would overwrite its ${atRisk.join(', ')}` : ''}; nothing was changed; ` +
      `${WHAT_TO_DO}, or delete this folder yourself if it is an old rekey-chaos state dir`,
    { stateDir: dir, entries: entries.length, atRisk },
  );
}

/** Checks the folder, creates it if needed and marks it as a state dir; returns its marker. */
export function claimStateDir(dir: string): StateMarker {
  const kind = checkStateDir(dir);
  if (kind === 'marked') return readMarker(dir)!;
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new UsageError(`cannot create the state dir ${dir}: ${(err as Error).message}`, { stateDir: dir });
  }
  const marker: StateMarker = { tool: 'rekey-chaos', format: STATE_FORMAT, createdAt: new Date().toISOString(), createdByPid: process.pid };
  try {
    // wx: of two harnesses racing for one new folder, the second takes the first one's marker
    fs.writeFileSync(path.join(dir, STATE_MARKER), `${JSON.stringify(marker, null, 2)}\n`, { mode: 0o644, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readMarker(dir)!;
    throw new UsageError(`cannot mark ${dir} as a state dir: ${(err as Error).message}`, { stateDir: dir });
  }
  return marker;
}

/** True when the folder carries a valid marker (a cluster of this harness may live there). */
export function isStateDir(dir: string): boolean {
  try {
    return readMarker(dir) !== undefined;
  } catch {
    return false;
  }
}

/** Removes the cluster's own entries of a marked state dir; refuses an unmarked one. */
export function removeOwnedEntries(dir: string): void {
  if (!isStateDir(dir)) throw new UsageError(`refusing to clean ${dir}: it has no ${STATE_MARKER} marker`, { stateDir: dir });
  for (const entry of OWNED_ENTRIES) fs.rmSync(path.join(dir, entry), { recursive: true, force: true });
}
