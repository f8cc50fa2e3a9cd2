/**
 * Fixtures of the safety suite: its loopback /24 (127.54.0), fresh temp
 * folders, a recursive snapshot of a folder (to prove nothing in it changed)
 * and a /proc scan for every live process that belongs to one state dir.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { waitFor } from '../../../platform/agent/wait.js';

export const IP_BASE = '127.54.0';

export function tempRoot(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'rekey-chaos-safety-'));
}

/** Every file and folder under dir with the files' contents, sorted by path. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const p = path.join(rel, entry.name);
      if (entry.isDirectory()) {
        out[`${p}/`] = '';
        walk(p);
      } else out[p] = fs.readFileSync(path.join(dir, p), 'utf8');
    }
  };
  walk('');
  return out;
}

/**
 * Live processes (zombies excluded) whose command line or environment names
 * the state dir: the daemon (`--state-dir DIR`), every pod process and its
 * children (`REKEY_CHAOS_STATE_DIR=DIR`), a harness started on that dir.
 */
export function processesOf(stateDir: string): Array<{ pid: number; cmdline: string }> {
  const out: Array<{ pid: number; cmdline: string }> = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'latin1');
      if (/\) Z /.test(stat.slice(stat.lastIndexOf(')')))) continue;
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'latin1');
      const environ = fs.readFileSync(`/proc/${entry}/environ`, 'latin1');
      if (cmdline.includes(stateDir) || environ.includes(stateDir)) out.push({ pid: Number(entry), cmdline: cmdline.split('\0').join(' ').trim() });
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}

/** Waits (deadline) until no process of the state dir is left; returns what is left at the deadline. */
export async function leftAfter(stateDir: string, timeoutMs: number): Promise<Array<{ pid: number; cmdline: string }>> {
  await waitFor(() => processesOf(stateDir).length === 0 || undefined, { timeoutMs, what: 'every process of the cluster to be gone', pollMs: 100 }).catch(() => undefined);
  return processesOf(stateDir);
}
