/**
 * `<stateDir>/pids/<pgid>`: one file per running pod process group (content:
 * the pod name), so a later `cluster up` or `cluster down` can kill every
 * process group a crashed daemon left behind.
 */
import fs from 'node:fs';
import path from 'node:path';

/** Env var every pod process carries: the state dir it belongs to (guards against pid reuse). */
export const STATE_DIR_ENV = 'REKEY_CHAOS_STATE_DIR';

export function pidsDir(stateDir: string): string {
  return path.join(stateDir, 'pids');
}

export function recordPgid(stateDir: string, pgid: number, podName: string): void {
  fs.mkdirSync(pidsDir(stateDir), { recursive: true });
  fs.writeFileSync(path.join(pidsDir(stateDir), String(pgid)), podName);
}

export function forgetPgid(stateDir: string, pgid: number): void {
  fs.rmSync(path.join(pidsDir(stateDir), String(pgid)), { force: true });
}

export function recordedPgids(stateDir: string): Array<{ pgid: number; pod: string }> {
  let names: string[];
  try {
    names = fs.readdirSync(pidsDir(stateDir));
  } catch {
    return [];
  }
  const out: Array<{ pgid: number; pod: string }> = [];
  for (const name of names) {
    if (!/^[0-9]+$/.test(name)) continue;
    let pod = '';
    try {
      pod = fs.readFileSync(path.join(pidsDir(stateDir), name), 'utf8').trim();
    } catch {
      /* removed meanwhile */
    }
    out.push({ pgid: Number(name), pod });
  }
  return out;
}

/** True when some process of the group is alive. */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * False only when the group leader still exists and provably belongs to
 * something else (its environment lacks this state dir): a recycled pid.
 * When the leader is gone, surviving group members are ours (they inherited
 * the group from our leader).
 */
function belongsTo(stateDir: string, pgid: number): boolean {
  let environ: string;
  try {
    environ = fs.readFileSync(`/proc/${pgid}/environ`, 'latin1');
  } catch {
    return true;
  }
  return environ.split('\0').includes(`${STATE_DIR_ENV}=${path.resolve(stateDir)}`);
}

/** SIGKILLs every recorded process group of the state dir and removes the records. Returns what it killed. */
export function killRecordedGroups(stateDir: string): Array<{ pgid: number; pod: string }> {
  const killed: Array<{ pgid: number; pod: string }> = [];
  for (const entry of recordedPgids(stateDir)) {
    if (groupAlive(entry.pgid) && belongsTo(stateDir, entry.pgid)) {
      try {
        process.kill(-entry.pgid, 'SIGKILL');
        killed.push(entry);
      } catch {
        /* exited meanwhile */
      }
    }
    forgetPgid(stateDir, entry.pgid);
  }
  return killed;
}
