/**
 * Runs one command to completion, as exec probes and the agent API's exec
 * do: in a process group of its own (so a timeout kills everything it
 * started), output captured up to a cap, never left running.
 */
import { spawn } from 'node:child_process';

export interface ExecResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  /** the program could not be started */
  spawnError?: string;
}

const OUTPUT_CAP = 64 * 1024;

export interface RunningExec {
  done: Promise<ExecResult>;
  /** SIGKILLs the command's process group (e.g. its pod is going away) */
  kill(): void;
}

export function runToCompletion(argv: string[], options: { env: Record<string, string>; cwd: string; timeoutMs: number }): RunningExec {
  let kill = () => {};
  const done = new Promise<ExecResult>((resolve) => {
    const [program, ...args] = argv;
    const child = spawn(program!, args, { env: options.env, cwd: options.cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outLen = 0;
    let errLen = 0;
    child.stdout.on('data', (c: Buffer) => {
      if (outLen < OUTPUT_CAP) out.push(c);
      outLen += c.length;
    });
    child.stderr.on('data', (c: Buffer) => {
      if (errLen < OUTPUT_CAP) err.push(c);
      errLen += c.length;
    });
    let timedOut = false;
    const killGroup = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    };
    kill = killGroup;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, options.timeoutMs);
    const text = (chunks: Buffer[]) => Buffer.concat(chunks).subarray(0, OUTPUT_CAP).toString('utf8');
    child.once('error', (e) => {
      clearTimeout(timer);
      resolve({ exitCode: null, signal: null, timedOut: false, stdout: '', stderr: '', spawnError: e.message });
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      // whatever the command left behind in its group goes with it
      killGroup();
      resolve({ exitCode: code, signal, timedOut, stdout: text(out), stderr: text(err) });
    });
  });
  return { done, kill: () => kill() };
}
