/**
 * Shared fixtures of the agent suite: an embedded cluster on the suite's
 * ipBase (127.43.0) in a fresh temp state dir, client-node against it, tiny
 * `node -e` workloads tagged with a marker env var, and process checks.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CoreV1Api, KubeConfig, Watch, type V1Pod } from '@kubernetes/client-node';
import type { WorkloadSpec } from '../../../platform/agent/types.js';
import { waitFor } from '../../../platform/agent/wait.js';

export const IP_BASE = '127.43.0';
export const NS = 'vault';
export { waitFor };

export function tempStateDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'rekey-chaos-agent-'));
}

export function newMarker(): string {
  return `agent-test-${randomBytes(6).toString('hex')}`;
}

export function kube(kubeconfigPath: string): { core: CoreV1Api; kc: KubeConfig } {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  return { core: kc.makeApiClient(CoreV1Api), kc };
}

/** A workload of `node -e` programs carrying the marker (so leftovers can be found in /proc). */
export function scriptWorkload(name: string, script: string, marker: string, extra: Partial<WorkloadSpec> = {}): WorkloadSpec {
  return {
    name,
    namespace: NS,
    replicas: 1,
    labels: { app: name },
    command: ['node', '-e', script],
    env: { REKEY_CHAOS_TEST_MARKER: marker },
    terminationGracePeriodSeconds: 1,
    ...extra,
  };
}

/** Runs forever, prints a line at start, exits 0 on SIGTERM. */
export const SLEEPER = `console.log('started', process.env.POD_NAME, process.env.POD_IP); process.on('SIGTERM', () => { console.log('got SIGTERM'); process.exit(0); }); setInterval(() => {}, 1000);`;

/**
 * Answers every TCP connection on POD_IP:8200 with its pod name. A peer that hangs
 * up first (the readiness check connects and drops at once) must not crash it: an
 * unhandled ECONNRESET did, and the restarted pod refused the next test's connection.
 */
export const NAME_SERVER = `require('net').createServer((s) => s.on('error', () => {}).end(process.env.POD_NAME)).listen(8200, process.env.POD_IP); setInterval(() => {}, 1000);`;

/** pids of live processes whose environment carries the marker (zombies excluded). */
export function pidsWithMarker(marker: string): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'latin1');
      if (/\) Z /.test(stat)) continue;
      if (fs.readFileSync(`/proc/${entry}/environ`, 'latin1').includes(`REKEY_CHAOS_TEST_MARKER=${marker}`)) out.push(Number(entry));
    } catch {
      /* exited or not ours to read */
    }
  }
  return out;
}

/** The process group of a live process (field 5 of /proc/<pid>/stat), or undefined once it is gone. */
export function processGroupOf(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    // comm (field 2) may hold spaces and parentheses: the fields after it start at the last ')'
    const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
    return Number.isInteger(pgrp) ? pgrp : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The pod programs among the marker-carrying processes: the leaders of their
 * process groups. A pod program may start helpers of its own that inherit its
 * env (tsx starts an esbuild service child whenever its transform cache
 * misses, e.g. on a fresh clone); those share the leader's group and are
 * not pods. Throws if a marker process sits outside every marker group.
 */
export function podProgramsWithMarker(marker: string): number[] {
  const pids = pidsWithMarker(marker);
  const groups = new Map(pids.map((pid) => [pid, processGroupOf(pid)]));
  const leaders = pids.filter((pid) => groups.get(pid) === pid);
  const stray = pids.filter((pid) => groups.get(pid) !== undefined && !leaders.includes(groups.get(pid)!));
  if (stray.length > 0) throw new Error(`marker processes outside any pod's process group: ${stray.join(', ')}`);
  return leaders;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'latin1'));
  } catch {
    return false;
  }
}

export async function getPod(core: CoreV1Api, name: string): Promise<V1Pod | undefined> {
  try {
    return await core.readNamespacedPod({ name, namespace: NS });
  } catch {
    return undefined;
  }
}

/** Polls the pod through the API until `ok` holds (deadline 15 s). */
export function waitForPod(core: CoreV1Api, name: string, ok: (pod: V1Pod) => boolean, what: string, timeoutMs = 15_000): Promise<V1Pod> {
  return waitFor(
    async () => {
      const pod = await getPod(core, name);
      return pod && ok(pod) ? pod : undefined;
    },
    { timeoutMs, what, pollMs: 30 },
  );
}

export const isReady = (pod: V1Pod) => pod.status?.containerStatuses?.[0]?.ready === true && !pod.metadata?.deletionTimestamp;

export interface WatchedEvent {
  type: string;
  name: string;
  uid: string;
  deleting: boolean;
  restarts: number;
  state: string;
  startedAt?: string;
}

/** Records every pod event of the namespace through a client-node watch. */
export async function recordPodEvents(kc: KubeConfig): Promise<{ events: WatchedEvent[]; stop: () => void }> {
  const events: WatchedEvent[] = [];
  const watch = new Watch(kc);
  const req = await watch.watch(
    `/api/v1/namespaces/${NS}/pods`,
    {},
    (type: string, pod: V1Pod) => {
      const cs = pod.status?.containerStatuses?.[0];
      events.push({
        type,
        name: pod.metadata?.name ?? '',
        uid: pod.metadata?.uid ?? '',
        deleting: pod.metadata?.deletionTimestamp !== undefined,
        restarts: cs?.restartCount ?? 0,
        state: cs?.state?.running ? 'running' : (cs?.state?.waiting?.reason ?? (cs?.state?.terminated ? 'terminated' : 'none')),
        ...(cs?.state?.running?.startedAt ? { startedAt: new Date(cs.state.running.startedAt).toISOString() } : {}),
      });
    },
    () => {},
  );
  return { events, stop: () => req.abort() };
}

/** Waits until a container log file contains `text` (the program reached that point). */
export function waitForLog(stateDir: string, pod: string, file: string, text: string, timeoutMs = 15_000): Promise<true> {
  return waitFor(
    () => {
      try {
        return fs.readFileSync(path.join(stateDir, 'logs', pod, file), 'utf8').includes(text) || undefined;
      } catch {
        return undefined;
      }
    },
    { timeoutMs, what: `"${text}" in ${pod}/${file}`, pollMs: 20 },
  );
}
