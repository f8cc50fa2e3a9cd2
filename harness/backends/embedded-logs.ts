/**
 * Collecting the pods' logs for one iteration into `<runDir>/logs/<pod>.log`,
 * redacted. The embedded cluster keeps every container's output under
 * `<stateDir>/logs/<pod>/<container>-<restart>.log` across iterations, so the
 * iteration's part is cut by the ISO timestamp that starts each line (lines
 * without one belong to the line above). Manager lines at WARNING or ERROR
 * become `managerProblems` (for I6).
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { redact } from '../../common/redact.js';
import type { CollectedLogs } from './backend.js';

const STAMP = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z)\s/;

/** The lines of `text` logged at or after `since` (epoch ms). */
export function linesSince(text: string, since: number): string[] {
  const out: string[] = [];
  let keep = false;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const m = STAMP.exec(line);
    if (m) keep = Date.parse(m[1]!) >= Math.floor(since);
    if (keep) out.push(line);
  }
  return out;
}

export function isProblemLine(line: string): boolean {
  return / (ERROR|WARNING) /.test(line);
}

export async function collectPodLogs(logDir: string, runDir: string, since: number, isManagerPod: (pod: string) => boolean): Promise<CollectedLogs> {
  const logs: Record<string, string> = {};
  const managerProblems: string[] = [];
  let pods: string[];
  try {
    pods = (await readdir(logDir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  } catch {
    return { logs, managerProblems };
  }
  for (const pod of pods) {
    const files = (await readdir(path.join(logDir, pod))).filter((f) => f.endsWith('.log')).sort((a, b) => restartOf(a) - restartOf(b));
    const lines: string[] = [];
    for (const f of files) lines.push(...linesSince(await readFile(path.join(logDir, pod, f), 'utf8'), since).map((l) => redact(l)));
    if (lines.length === 0) continue;
    const rel = path.join('logs', `${pod}.log`);
    await writeFile(path.join(runDir, rel), `${lines.join('\n')}\n`);
    logs[pod] = rel;
    if (isManagerPod(pod)) managerProblems.push(...lines.filter(isProblemLine));
  }
  return { logs, managerProblems };
}

function restartOf(file: string): number {
  const m = /-(\d+)\.log$/.exec(file);
  return m ? Number(m[1]) : 0;
}
