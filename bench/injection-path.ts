/**
 * Where injection latency goes: a fault is applied only after a fresh
 * snapshot of the pods (a Kubernetes list call, so targets like `active` are
 * resolved at the instant of injection), then the kill or delete call itself.
 * This times the snapshot alone, on the same cluster, with nothing injected.
 */
import * as k8s from '@kubernetes/client-node';
import { kubePodApi, snapshotTargets } from '../harness/faults/pod-api.js';
import type { BenchSession } from './session.js';
import { round, summarize } from './stats.js';

export interface SnapshotProfile {
  n: number;
  p50_ms: number;
  p95_ms: number;
}

export async function profileSnapshot(session: BenchSession, n: number): Promise<SnapshotProfile> {
  const handle = session.clusterHandle;
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(handle.kubeconfigPath);
  const pods = kubePodApi(kc);
  await snapshotTargets(pods, handle.names); // warm the connection, as the runner's is warm
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await snapshotTargets(pods, handle.names);
    times.push(performance.now() - t0);
  }
  const s = summarize(times, 'pod snapshot time');
  return { n: s.n, p50_ms: round(s.median, 2), p95_ms: round(s.p95, 2) };
}
