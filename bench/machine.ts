/** What the figures were measured on: they mean little without it. */
import os from 'node:os';

export interface MachineInfo {
  cores: number;
  memory_gb: number;
  node: string;
  cpu: string;
  platform: string;
  /** 1-minute load average when the bench started: on a shared machine it explains more than any profile */
  load_avg_1m: number;
  /** 1, 5 and 15-minute load averages when the bench ended (the 15-minute one spans most of a default run) */
  load_avg_end?: number[];
}

export function loadAverages(): number[] {
  return os.loadavg().map((l) => Math.round(l * 100) / 100);
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    // availableParallelism honours CPU affinity (a container's cpuset), which os.cpus() does not.
    cores: typeof os.availableParallelism === 'function' ? os.availableParallelism() : cpus.length,
    memory_gb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    load_avg_1m: Math.round(os.loadavg()[0]! * 100) / 100,
  };
}
