/**
 * Collecting the pods' logs for one iteration into `<runDir>/logs/<pod>.log`,
 * redacted. The embedded cluster keeps every container's output under
 * `<stateDir>/logs/<pod>/<container>-<restart>.log`, and moves a recreated
 * pod's earlier files to `<pod>/previous/<n>/`. The iteration's part is
 * everything written after the last mark (byte offsets per file, keyed by
 * inode so a moved file keeps its place): no timestamp format is assumed, so
 * a manager that stamps its lines its own way (StarlingX's script) is cut as
 * exactly as ours, and killed containers' and deleted pods' lines of the
 * window are kept. Manager lines the manager's own log format calls a
 * problem become `managerProblems` (for I6).
 */
import { open, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { redact } from '../../common/redact.js';
import type { CollectedLogs } from './backend.js';

/** The log files of one pod, oldest first: archived pods' slots in order, then the current one, each by restart. */
async function podLogFiles(podDir: string): Promise<string[]> {
  const byRestart = (files: string[]) => files.filter((f) => f.endsWith('.log')).sort((a, b) => restartOf(a) - restartOf(b));
  const out: string[] = [];
  const previous = path.join(podDir, 'previous');
  const slots = await readdir(previous).catch(() => [] as string[]);
  for (const slot of slots.sort((a, b) => Number(a) - Number(b))) {
    for (const f of byRestart(await readdir(path.join(previous, slot)).catch(() => [] as string[]))) out.push(path.join(previous, slot, f));
  }
  for (const f of byRestart(await readdir(podDir).catch(() => [] as string[]))) out.push(path.join(podDir, f));
  return out;
}

function restartOf(file: string): number {
  const m = /-(\d+)\.log$/.exec(file);
  return m ? Number(m[1]) : 0;
}

async function podDirs(logDir: string): Promise<string[]> {
  const entries = await readdir(logDir, { withFileTypes: true }).catch(() => []);
  return entries.filter((d) => d.isDirectory()).map((d) => d.name).sort();
}

/** The bytes of `file` from `offset` on, and the size read up to. */
async function readFrom(file: string, offset: number): Promise<{ text: string; size: number }> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    if (size <= offset) return { text: '', size };
    const buf = Buffer.alloc(size - offset);
    const { bytesRead } = await handle.read(buf, 0, buf.length, offset);
    return { text: buf.subarray(0, bytesRead).toString('utf8'), size: offset + bytesRead };
  } finally {
    await handle.close();
  }
}

export class PodLogCursor {
  /** `dev:ino` → bytes already attributed to an earlier window */
  private readonly marks = new Map<string, number>();

  constructor(private readonly logDir: string) {}

  /** From now on: what the pods wrote before this call belongs to no later collection. */
  async mark(): Promise<void> {
    for (const pod of await podDirs(this.logDir)) {
      for (const file of await podLogFiles(path.join(this.logDir, pod))) {
        const s = await stat(file).catch(() => undefined);
        if (s) this.marks.set(`${s.dev}:${s.ino}`, s.size);
      }
    }
  }

  /** Writes each pod's lines since the mark to `<runDir>/logs/<pod>.log` and moves the mark past them. */
  async collect(runDir: string, isManagerPod: (pod: string) => boolean, isProblem: (line: string) => boolean): Promise<CollectedLogs> {
    const logs: Record<string, string> = {};
    const managerProblems: string[] = [];
    for (const pod of await podDirs(this.logDir)) {
      const lines: string[] = [];
      for (const file of await podLogFiles(path.join(this.logDir, pod))) {
        const s = await stat(file).catch(() => undefined);
        if (!s) continue;
        const key = `${s.dev}:${s.ino}`;
        const { text, size } = await readFrom(file, this.marks.get(key) ?? 0);
        this.marks.set(key, size);
        for (const line of text.split('\n')) if (line !== '') lines.push(redact(line));
      }
      if (lines.length === 0) continue;
      const rel = path.join('logs', `${pod}.log`);
      await writeFile(path.join(runDir, rel), `${lines.join('\n')}\n`);
      logs[pod] = rel;
      if (isManagerPod(pod)) managerProblems.push(...lines.filter(isProblem));
    }
    return { logs, managerProblems };
  }
}
