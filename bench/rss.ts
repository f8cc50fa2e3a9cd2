/**
 * Peak resident memory of process trees, sampled from /proc: the embedded
 * cluster (the control-plane daemon — API server, node agent, service proxy —
 * and every pod process group it runs: three Vault servers, the manager) and
 * the harness (this process and any child that is not the cluster's).
 *
 * The cluster's processes are found through its state dir: `daemon.pid`, and
 * `pids/<pgid>` (one file per pod process group, content = pod name), plus
 * every descendant of the daemon (e.g. an esbuild service a pod spawned).
 * Reads are asynchronous so sampling never blocks the harness's event loop
 * (which would show up as injection latency). RSS counts shared pages once
 * per process, so a tree's sum is an upper bound of its real footprint.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { MeasurementError } from './errors.js';

export interface ProcEntry {
  pid: number;
  /** the executable's name as the kernel keeps it (15 characters at most) */
  comm: string;
  ppid: number;
  pgid: number;
}

/** Parses /proc/<pid>/stat: `pid (comm) state ppid pgrp …`; comm may itself contain spaces and parentheses. */
export function parseStat(text: string): ProcEntry | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  const pid = Number.parseInt(text, 10);
  if (open < 0 || close < open || !Number.isInteger(pid)) return undefined;
  const fields = text.slice(close + 2).trim().split(/\s+/);
  const ppid = Number(fields[1]);
  const pgid = Number(fields[2]);
  if (!Number.isInteger(ppid) || !Number.isInteger(pgid)) return undefined;
  return { pid, comm: text.slice(open + 1, close), ppid, pgid };
}

/** VmRSS of /proc/<pid>/status in kB; undefined for a kernel thread or a zombie (no VmRSS line). */
export function parseVmRssKb(statusText: string, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number | undefined {
  const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(statusText);
  return m ? Number(m[1]) : undefined;
}

/** Every pid in `roots` and their descendants, by ppid links. */
export function descendantsOf(roots: Iterable<number>, procs: readonly ProcEntry[]): Set<number> {
  const children = new Map<number, number[]>();
  for (const p of procs) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p.pid]);
  const out = new Set<number>();
  const stack = [...roots];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    if (out.has(pid)) continue;
    out.add(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}

export interface ClusterProcesses {
  daemonPid?: number;
  /** pgid → pod name */
  podGroups: Map<number, string>;
}

/** What the state dir says is running now (files may vanish mid-read: a pod just exited). */
export async function clusterProcesses(stateDir: string): Promise<ClusterProcesses> {
  const podGroups = new Map<number, string>();
  const daemonText = await readFile(path.join(stateDir, 'daemon.pid'), 'utf8').catch(() => undefined);
  const daemonPid = daemonText !== undefined && /^\s*\d+\s*$/.test(daemonText) ? Number(daemonText) : undefined;
  const names = await readdir(path.join(stateDir, 'pids')).catch(() => [] as string[]);
  await Promise.all(
    names
      .filter((n) => /^\d+$/.test(n))
      .map(async (n) => {
        const pod = await readFile(path.join(stateDir, 'pids', n), 'utf8').catch(() => undefined);
        if (pod !== undefined) podGroups.set(Number(n), pod.trim() || `pgid-${n}`);
      }),
  );
  return { ...(daemonPid !== undefined ? { daemonPid } : {}), podGroups };
}

/** One instant: kB per role (`daemon`, a pod name, `harness`, `daemon-child:<comm>` for a cluster process outside any pod group). */
export interface RssSample {
  t: number;
  embeddedKb: number;
  harnessKb: number;
  byRoleKb: Record<string, number>;
}

export interface RssReport {
  samples: number;
  intervalMs: number;
  embeddedPeakMb: number;
  harnessPeakMb: number;
  /** the harness process's own high-water mark (VmHWM): catches a spike between two samples */
  harnessHwmMb?: number;
  /** per role, the highest sum seen (roles peak at different instants: these do not add up to the total) */
  peakByRoleMb: Record<string, number>;
  /** the role split at the instant of the embedded peak (these do add up) */
  atEmbeddedPeakMb: Record<string, number>;
}

const mb = (kb: number) => Math.round((kb / 1024) * 10) / 10;

export interface RssSamplerOptions {
  stateDir: string;
  harnessPid?: number;
  intervalMs?: number;
  procRoot?: string;
}

export class RssSampler {
  private readonly procRoot: string;
  private readonly harnessPid: number;
  readonly intervalMs: number;
  private timer: NodeJS.Timeout | undefined;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private stopping = false;
  private count = 0;
  private embeddedPeak: RssSample | undefined;
  private harnessPeakKb = 0;
  private readonly peakByRoleKb = new Map<string, number>();
  private lastError: string | undefined;

  constructor(private readonly options: RssSamplerOptions) {
    this.procRoot = options.procRoot ?? '/proc';
    this.harnessPid = options.harnessPid ?? process.pid;
    this.intervalMs = options.intervalMs ?? 200;
  }

  private async procs(): Promise<ProcEntry[]> {
    const names = await readdir(this.procRoot);
    const entries = await Promise.all(
      names.filter((n) => /^\d+$/.test(n)).map((n) => readFile(path.join(this.procRoot, n, 'stat'), 'latin1').then(parseStat, () => undefined)),
    );
    return entries.filter((e): e is ProcEntry => e !== undefined);
  }

  private async rssKb(pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): Promise<number> {
    const text = await readFile(path.join(this.procRoot, String(pid), 'status'), 'latin1').catch(() => '');
    return parseVmRssKb(text, field) ?? 0;
  }

  /** Takes one sample and folds it into the peaks. */
  async sample(): Promise<RssSample> {
    const [procs, cluster] = await Promise.all([this.procs(), clusterProcesses(this.options.stateDir)]);
    const roots = [...(cluster.daemonPid !== undefined ? [cluster.daemonPid] : []), ...procs.filter((p) => cluster.podGroups.has(p.pgid)).map((p) => p.pid)];
    const embedded = descendantsOf(roots, procs);
    const harness = [...descendantsOf([this.harnessPid], procs)].filter((pid) => !embedded.has(pid));
    const byPid = new Map(procs.map((p) => [p.pid, p]));
    const byRoleKb: Record<string, number> = {};
    let embeddedKb = 0;
    await Promise.all(
      [...embedded].map(async (pid) => {
        const kb = await this.rssKb(pid);
        const role = pid === cluster.daemonPid ? 'daemon' : (cluster.podGroups.get(byPid.get(pid)?.pgid ?? -1) ?? `daemon-child:${byPid.get(pid)?.comm ?? '?'}`);
        byRoleKb[role] = (byRoleKb[role] ?? 0) + kb;
        embeddedKb += kb;
      }),
    );
    const harnessKb = (await Promise.all(harness.map((pid) => this.rssKb(pid)))).reduce((a, b) => a + b, 0);
    byRoleKb['harness'] = harnessKb;
    const s: RssSample = { t: Date.now(), embeddedKb, harnessKb, byRoleKb };
    this.count++;
    if (!this.embeddedPeak || embeddedKb > this.embeddedPeak.embeddedKb) this.embeddedPeak = s;
    this.harnessPeakKb = Math.max(this.harnessPeakKb, harnessKb);
    for (const [role, kb] of Object.entries(byRoleKb)) this.peakByRoleKb.set(role, Math.max(this.peakByRoleKb.get(role) ?? 0, kb));
    return s;
  }

  /** Samples every intervalMs (after the previous sample finished) until stop(); a failing sample is remembered, not thrown. */
  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.loop = (async () => {
      while (!this.stopping) {
        await this.sample().catch((err: unknown) => {
          this.lastError = err instanceof Error ? err.message : String(err);
        });
        if (this.stopping) break;
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          this.timer = setTimeout(resolve, this.intervalMs);
        });
      }
    })();
  }

  async stop(): Promise<RssReport> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    this.wake?.();
    await this.loop;
    this.loop = undefined;
    return this.report();
  }

  /** The peaks so far; a MeasurementError when there is nothing to report (no sample, or the cluster was never seen). */
  async report(): Promise<RssReport> {
    if (this.count === 0) throw new MeasurementError('peak RSS', `no sample was taken${this.lastError ? ` (last error: ${this.lastError})` : ''}`);
    if (!this.embeddedPeak || this.embeddedPeak.embeddedKb === 0) {
      throw new MeasurementError('embedded cluster peak RSS', `no process of the cluster in ${this.options.stateDir} was ever seen (${this.count} samples)`);
    }
    const hwm = await this.rssKb(this.harnessPid, 'VmHWM');
    return {
      samples: this.count,
      intervalMs: this.intervalMs,
      embeddedPeakMb: mb(this.embeddedPeak.embeddedKb),
      harnessPeakMb: mb(Math.max(this.harnessPeakKb, hwm)),
      ...(hwm > 0 ? { harnessHwmMb: mb(hwm) } : {}),
      peakByRoleMb: Object.fromEntries([...this.peakByRoleKb].sort().map(([r, kb]) => [r, mb(kb)])),
      atEmbeddedPeakMb: Object.fromEntries(Object.entries(this.embeddedPeak.byRoleKb).sort().map(([r, kb]) => [r, mb(kb)])),
    };
  }
}
