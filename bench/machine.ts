/** What the figures were measured on: they mean little without it. */
import os from 'node:os';

export interface MachineInfo {
  cores: number;
  memory_gb: number;
  node: string;
  cpu: string;
  platform: string;
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
  };
}
