/**
 * One run of a container: an OS process group (spawned detached, so the
 * process is its group's leader and `kill(-pgid)` reaches every process it
 * started), stdout+stderr appended to its log file, recorded in
 * `<stateDir>/pids/` while the group lives.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { nowMs } from '../../common/clock.js';
import { forgetPgid, groupAlive, recordPgid } from './pid-registry.js';

export interface ContainerLaunch {
  stateDir: string;
  podName: string;
  containerName: string;
  restartCount: number;
  command: string[];
  env: Record<string, string>;
  cwd: string;
}

export interface ContainerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  ranForMs: number;
  /** set when the program could not be started at all (e.g. ENOENT) */
  spawnError?: string;
}

export function containerLogPath(stateDir: string, podName: string, containerName: string, restartCount: number): string {
  return path.join(stateDir, 'logs', podName, `${containerName}-${restartCount}.log`);
}

export class ContainerProcess {
  readonly pid: number;
  readonly startedAt: number;
  readonly logPath: string;
  /** resolves once the leader exited and the rest of its group was killed */
  readonly exited: Promise<ContainerExit>;
  private done = false;

  constructor(launch: ContainerLaunch) {
    this.logPath = containerLogPath(launch.stateDir, launch.podName, launch.containerName, launch.restartCount);
    fs.mkdirSync(path.dirname(this.logPath), { recursive: true });
    const logFd = fs.openSync(this.logPath, 'a');
    const [program, ...args] = launch.command;
    const executable = program === 'node' ? process.execPath : program!;
    this.startedAt = nowMs();
    const child = spawn(executable, args, {
      cwd: launch.cwd,
      env: launch.env,
      detached: true,
      stdio: ['ignore', logFd, logFd],
    });
    fs.closeSync(logFd);
    this.pid = child.pid ?? -1;
    if (this.pid > 0) recordPgid(launch.stateDir, this.pid, launch.podName);
    this.exited = new Promise<ContainerExit>((resolve) => {
      const finish = (exit: Omit<ContainerExit, 'ranForMs'>) => {
        if (this.done) return;
        this.done = true;
        if (this.pid > 0) {
          // Like kubelet: when the main process ends, nothing else of the container survives it.
          if (groupAlive(this.pid)) {
            try {
              process.kill(-this.pid, 'SIGKILL');
            } catch {
              /* already gone */
            }
          }
          forgetPgid(launch.stateDir, this.pid);
        }
        resolve({ ...exit, ranForMs: nowMs() - this.startedAt });
      };
      child.once('exit', (code, signal) => finish({ code, signal }));
      child.once('error', (err) => {
        fs.appendFileSync(this.logPath, `rekey-chaos agent: cannot start ${executable}: ${err.message}\n`);
        finish({ code: 128, signal: null, spawnError: err.message });
      });
    });
  }

  get running(): boolean {
    return !this.done && this.pid > 0;
  }

  /** Sends a signal to the whole process group; false when it is already gone. */
  signalGroup(signal: NodeJS.Signals): boolean {
    if (!this.running) return false;
    try {
      process.kill(-this.pid, signal);
      return true;
    } catch {
      return false;
    }
  }
}
