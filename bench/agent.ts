/**
 * Benchmark of the node agent (not a test): p50/p95 of
 *  - kill-to-ready: agent-API SIGKILL of a container → the same pod Ready again (restartCount+1),
 *  - delete-to-ready: API pod delete (graceful; the program exits on SIGTERM) → the recreated pod Ready.
 * Times are taken from a client-node watch, i.e. as a harness observes them.
 *
 *   node --import tsx bench/agent.ts [--samples N] [--ip-base A.B.C]   (own cluster, default 127.49.0)
 * `measureAgentRestarts(cluster, n)` can also run against a cluster bench/run.ts already has.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CoreV1Api, KubeConfig, Watch, type V1Pod } from '@kubernetes/client-node';
import { delay, nowMs } from '../common/clock.js';
import { DEFAULT_BACKOFF } from '../platform/agent/types.js';
import { startEmbeddedCluster, type EmbeddedCluster } from '../platform/cluster.js';

const NS = 'vault';
const POD = 'bench-agent-0';
const PROGRAM = `process.on('SIGTERM', () => process.exit(0)); setInterval(() => {}, 1000);`;

export interface AgentBenchFigures {
  samples: number;
  killToReadyMs: { p50: number; p95: number };
  deleteToReadyMs: { p50: number; p95: number };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Math.round(sorted[rank]! * 10) / 10;
}

/** Resolves with the instant the watch sees the pod satisfy `ok`. */
function watchUntil(kc: KubeConfig, ok: (pod: V1Pod) => boolean, timeoutMs = 30_000): Promise<number> {
  return new Promise((resolve, reject) => {
    let abort: (() => void) | undefined;
    const timer = setTimeout(() => {
      abort?.();
      reject(new Error(`timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    void new Watch(kc)
      .watch(
        `/api/v1/namespaces/${NS}/pods`,
        { fieldSelector: `metadata.name=${POD}` },
        (_type: string, pod: V1Pod) => {
          if (!ok(pod)) return;
          const at = nowMs();
          clearTimeout(timer);
          abort?.();
          resolve(at);
        },
        () => {},
      )
      .then((req) => (abort = () => req.abort()), reject);
  });
}

const ready = (pod: V1Pod) => pod.status?.containerStatuses?.[0]?.ready === true && !pod.metadata?.deletionTimestamp;

/**
 * `runBeforeKillMs`: how long each container runs before it is killed. Kubelet-style back-off doubles
 * for kills in a row, so to measure one restart (not a crash loop) this must exceed the cluster's
 * back-off reset time (DEFAULT_BACKOFF.resetAfterMs unless the cluster was started with another).
 */
export async function measureAgentRestarts(cluster: EmbeddedCluster, samples: number, runBeforeKillMs = DEFAULT_BACKOFF.resetAfterMs + 100): Promise<AgentBenchFigures> {
  const kc = new KubeConfig();
  kc.loadFromFile(cluster.kubeconfigPath);
  const core = kc.makeApiClient(CoreV1Api);
  await cluster.agent.putWorkload({ name: 'bench-agent', namespace: NS, replicas: 1, labels: { app: 'bench-agent' }, command: ['node', '-e', PROGRAM], env: {}, terminationGracePeriodSeconds: 1 });
  try {
    let pod = await core.readNamespacedPod({ name: POD, namespace: NS });
    await watchUntil(kc, ready);
    const kills: number[] = [];
    for (let i = 0; i < samples; i++) {
      await delay(runBeforeKillMs); // pacing, not a wait on an event: see the doc comment
      const want = (pod.status?.containerStatuses?.[0]?.restartCount ?? 0) + 1;
      const seen = watchUntil(kc, (p) => ready(p) && (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= want);
      const { at } = await cluster.agent.killProcess(NS, POD);
      kills.push((await seen) - at);
      pod = await core.readNamespacedPod({ name: POD, namespace: NS });
    }
    const deletes: number[] = [];
    for (let i = 0; i < samples; i++) {
      const uid = (await core.readNamespacedPod({ name: POD, namespace: NS })).metadata?.uid;
      const seen = watchUntil(kc, (p) => ready(p) && p.metadata?.uid !== uid);
      const at = nowMs();
      await core.deleteNamespacedPod({ name: POD, namespace: NS });
      deletes.push((await seen) - at);
    }
    return {
      samples,
      killToReadyMs: { p50: percentile(kills, 50), p95: percentile(kills, 95) },
      deleteToReadyMs: { p50: percentile(deletes, 50), p95: percentile(deletes, 95) },
    };
  } finally {
    await cluster.agent.deleteWorkload('bench-agent').catch(() => undefined);
  }
}

async function main(): Promise<void> {
  const i = process.argv.indexOf('--samples');
  const samples = i > 0 ? Number(process.argv[i + 1]) : 20;
  if (!Number.isInteger(samples) || samples < 1) throw new Error('--samples must be a positive integer');
  const j = process.argv.indexOf('--ip-base');
  const ipBase = j > 0 ? process.argv[j + 1]! : '127.49.0';
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rekey-chaos-bench-agent-'));
  const resetAfterMs = 400;
  const cluster = await startEmbeddedCluster({ stateDir, ipBase, vault: false, manager: false, backoff: { resetAfterMs } });
  try {
    const f = await measureAgentRestarts(cluster, samples, resetAfterMs + 100);
    process.stdout.write(
      `agent (${f.samples} samples; each kill is a first restart: back-off base ${DEFAULT_BACKOFF.baseMs} ms)\n` +
        `  kill-to-ready    p50 ${f.killToReadyMs.p50} ms  p95 ${f.killToReadyMs.p95} ms\n` +
        `  delete-to-ready  p50 ${f.deleteToReadyMs.p50} ms  p95 ${f.deleteToReadyMs.p95} ms\n`,
    );
  } finally {
    await cluster.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}

const isEntryPoint = process.argv[1] !== undefined && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname);
if (isEntryPoint)
  main().then(
    () => process.exit(0),
    (err) => {
      process.stderr.write(`bench/agent: ${(err as Error).message}\n`);
      process.exit(3);
    },
  );
