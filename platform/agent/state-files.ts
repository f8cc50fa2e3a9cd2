/**
 * The files of an embedded cluster's state dir that the daemon and the
 * library share (docs/architecture.md, "State dir layout"): config.json,
 * state.json, daemon.pid. state.json holds the API token, so it is written
 * owner-only and atomically (a reader never sees half a file).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { BackoffOptions, SandboxRuntime, WorkloadSpec } from './types.js';

export interface DaemonConfig {
  ipBase: string;
  nodes: string[];
  namespace: string;
  fullname: string;
  backoff?: Partial<BackoffOptions>;
  /** workloads to start as soon as the daemon serves */
  workloads?: WorkloadSpec[];
  /** the sandbox tool chosen at cluster start (absent: the daemon chooses) */
  sandbox?: SandboxRuntime;
}

export interface ClusterState {
  pid: number;
  apiUrl: string;
  /** PEM of the CA that signed the API server's serving certificate */
  apiCaPem: string;
  token: string;
  ipBase: string;
  proxyAddress: string;
  kubeconfig: string;
  namespace: string;
  fullname: string;
  nodes: string[];
  startedAt: number;
  ready: boolean;
}

export const stateFile = (stateDir: string, name: 'config.json' | 'state.json' | 'daemon.pid' | 'kubeconfig' | 'daemon.log') =>
  path.join(stateDir, name);

export function writeAtomically(file: string, content: string, mode = 0o600): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, content, { mode });
  fs.renameSync(tmp, file);
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

export const readConfig = (stateDir: string) => readJson<DaemonConfig>(stateFile(stateDir, 'config.json'));
export const readStateFile = (stateDir: string) => readJson<ClusterState>(stateFile(stateDir, 'state.json'));

export function readDaemonPid(stateDir: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(stateFile(stateDir, 'daemon.pid'), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export { pidAlive } from '../../common/process.js';
