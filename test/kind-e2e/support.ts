/**
 * What the opt-in kind suite needs besides the backend: whether this host
 * can run it (and why not), the CLI as a child process, the host's state
 * (kind clusters, node containers, listening ports) before and after, and
 * the per-iteration wall times in the bench JSON format.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { REPO_ROOT } from '../../common/repo-root.js';
import { emptyFigures, type BenchReport } from '../../bench/report.js';
import { machineInfo } from '../../bench/machine.js';
import type { RunRecord } from '../../common/record.js';

/** Why the suite cannot run here, or undefined when it can. */
export async function skipReason(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  if (env['REKEY_CHAOS_E2E_KIND'] !== '1') return 'opt-in: set REKEY_CHAOS_E2E_KIND=1 (needs docker, kind, helm, kubectl and network access to pull images)';
  for (const [tool, args] of [['docker', ['info', '--format', '{{.ServerVersion}}']], ['kind', ['version']], ['helm', ['version', '--short']], ['kubectl', ['version', '--client']]] as const) {
    const r = await execa(tool, [...args], { reject: false });
    if (r.failed) return `${tool} does not work on this host (${String(r.stderr || r.shortMessage).split('\n')[0]})`;
  }
  return undefined;
}

export async function kindClusters(): Promise<string[]> {
  const r = await execa('kind', ['get', 'clusters'], { reject: false });
  return String(r.stdout).split('\n').map((s) => s.trim()).filter(Boolean);
}

export async function nodeContainers(cluster: string): Promise<string[]> {
  const r = await execa('docker', ['ps', '-a', '--filter', `label=io.x-k8s.kind.cluster=${cluster}`, '--format', '{{.Names}}'], { reject: false });
  return String(r.stdout).split('\n').filter(Boolean);
}

/** TCP ports listening on this host (ss), to show a run left none behind. */
export async function listeningPorts(): Promise<Set<string>> {
  const r = await execa('ss', ['-Hltn'], { reject: false });
  return new Set(String(r.stdout).split('\n').map((l) => l.trim().split(/\s+/)[3] ?? '').filter(Boolean));
}

export interface CliChild {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  /** resolves once the output matches */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<void>;
}

/** The CLI through its bin wrapper, as a user or CI job starts it (signals go to the wrapper). */
export function startCli(args: string[], env: NodeJS.ProcessEnv = process.env): CliChild {
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'rekey-chaos.js'), ...args], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const waiters: Array<() => void> = [];
  const onData = (b: Buffer) => {
    text += b.toString();
    for (const w of waiters) w();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    output: () => text,
    exited,
    waitFor: (pattern, timeoutMs) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`CLI never printed ${pattern}; output:\n${text}`)), timeoutMs);
        const check = () => {
          if (pattern.test(text)) {
            clearTimeout(timer);
            resolve();
          }
        };
        waiters.push(check);
        void exited.then(() => {
          if (!pattern.test(text)) {
            clearTimeout(timer);
            reject(new Error(`CLI exited before printing ${pattern}; output:\n${text}`));
          }
        });
        check();
      }),
  };
}

/** The run records a `run --out <dir>` wrote. */
export async function runRecords(outDir: string): Promise<Array<{ dir: string; record: RunRecord }>> {
  const runs = path.join(outDir, 'runs');
  const out: Array<{ dir: string; record: RunRecord }> = [];
  for (const id of await readdir(runs).catch(() => [] as string[])) {
    const text = await readFile(path.join(runs, id, 'record.json'), 'utf8').catch(() => undefined);
    if (text) out.push({ dir: path.join(runs, id), record: JSON.parse(text) as RunRecord });
  }
  return out;
}

export interface IterationTiming {
  scenario: string;
  iteration: number;
  outcome: string;
  wall_s: number;
}

/** The suite's timings as a bench document: no bench figure is measured here, so each is null and says so. */
export async function writeKindBench(file: string, input: { manager: string; upS: number; deploysS: number[]; iterations: IterationTiming[] }): Promise<void> {
  const walls = input.iterations.map((i) => i.wall_s);
  const report: BenchReport & { iterations: IterationTiming[] } = {
    ...emptyFigures(),
    machine: machineInfo(),
    generated_at: new Date().toISOString(),
    options: { backend: 'kind', manager: input.manager, source: 'npm run test:kind' },
    cluster: { up_s: input.upS, deploys_s: input.deploysS },
    ...(walls.length > 0 ? { iteration_sample: { description: 'kind iterations of the end-to-end suite (wall time each, for sizing nightly shards)', n: walls.length, min_s: Math.min(...walls), max_s: Math.max(...walls) } } : {}),
    iterations: input.iterations,
    errors: ['the bench figures are not measured by the kind suite (null); see iterations[] and cluster for its timings'],
  };
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
}
