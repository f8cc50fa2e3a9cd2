/**
 * Fixtures of the pods suite: clusters on the suite's ipBase (127.57.0),
 * configMaps and secrets through client-node, sandboxed bash workloads, and
 * reading a pod's `REPORT <what> <value>` lines from its log.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CoreV1Api, V1Pod } from '@kubernetes/client-node';
import type { WorkloadSpec } from '../../../platform/agent/types.js';

export const IP_BASE = '127.57.0';
export const NS = 'vault';

export function tempStateDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'rekey-chaos-pods-'));
}

export async function putConfigMap(core: CoreV1Api, name: string, data: Record<string, string>): Promise<void> {
  await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name }, data } });
}

export async function putSecret(core: CoreV1Api, name: string, stringData: Record<string, string>): Promise<void> {
  await core.createNamespacedSecret({ namespace: NS, body: { metadata: { name }, stringData } });
}

/** A sandboxed workload running `bash -c script` (one replica, short grace). */
export function bashWorkload(name: string, script: string, extra: Partial<WorkloadSpec> = {}): WorkloadSpec {
  return {
    name,
    namespace: NS,
    replicas: 1,
    labels: { app: name },
    command: ['bash', '-c', script],
    env: {},
    sandbox: true,
    terminationGracePeriodSeconds: 5,
    ...extra,
  };
}

export function readLog(stateDir: string, pod: string, file = 'main-0.log'): string {
  try {
    return fs.readFileSync(path.join(stateDir, 'logs', pod, file), 'utf8');
  } catch {
    return '';
  }
}

/** `REPORT <what> <value...>` lines of a log: what -> values, in order. */
export function reports(log: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of log.split('\n')) {
    const m = /^REPORT (\S+) ?(.*)$/.exec(line);
    if (m) out.set(m[1]!, [...(out.get(m[1]!) ?? []), m[2]!]);
  }
  return out;
}

export const containerStatus = (pod: V1Pod) => pod.status?.containerStatuses?.[0];

/** Paths a sandbox must never create on the host; their presence before the suite is recorded, not assumed. */
export const HOST_PATHS_PODS_USE = ['/workdir', '/opt/script', '/opt/yaml', '/mnt/data', '/run/cluster-dns', '/run/secrets/kubernetes.io'];
export const hostPathsPresent = () => HOST_PATHS_PODS_USE.filter((p) => fs.existsSync(p));
