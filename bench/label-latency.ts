/**
 * How fast the Vault servers' service-registration labels follow their state:
 * from a feed event (`active`, `sealed`, `unsealed`, stamped by the server as
 * it happens) to the pod label change seen through a watch of the API server.
 * The manager and the active service both read these labels, so a slow label
 * is a window where they act on a stale picture. Target: ≤ 1 s for every
 * transition. The ordering itself (label follows event) is a test
 * (test/platform/vault/labels.test.ts); only the figure lives here.
 */
import { readFile } from 'node:fs/promises';
import * as k8s from '@kubernetes/client-node';
import { delay, nowMs } from '../common/clock.js';
import type { ClusterBackend, ClusterHandle } from '../harness/backends/backend.js';
import { summarize } from './stats.js';

export interface FeedEvent {
  t: number;
  server: string;
  event: string;
}

export interface LabelChange {
  t: number;
  pod: string;
  label: string;
  value: string | undefined;
}

export interface LabelLatency {
  n: number;
  p50_ms: number;
  max_ms: number;
  /** feed transitions with no matching label change after them */
  unmatched: number;
}

/** The label a feed event must show up as. */
export const LABEL_OF_EVENT: Readonly<Record<string, [string, string]>> = {
  active: ['vault-active', 'true'],
  sealed: ['vault-sealed', 'true'],
  unsealed: ['vault-sealed', 'false'],
};

/**
 * Pairs each transition event with the first matching label change at or
 * after it (5 ms of clock slack between the server's stamp and the watcher's)
 * and gives the delays. Pure.
 */
export function labelDelays(feed: readonly FeedEvent[], changes: readonly LabelChange[]): { delays: number[]; unmatched: number } {
  const delays: number[] = [];
  let unmatched = 0;
  for (const e of feed) {
    const want = LABEL_OF_EVENT[e.event];
    if (!want) continue;
    const seen = changes.find((ch) => ch.pod === e.server && ch.label === want[0] && ch.value === want[1] && ch.t >= e.t - 5);
    if (seen) delays.push(Math.max(0, seen.t - e.t));
    else unmatched++;
  }
  return { delays, unmatched };
}

/**
 * On a deployed embedded cluster: watch the pods' labels, kill the active
 * server's process `rounds` times (a failover each: another server becomes
 * active, the old one restarts sealed and the manager unseals it), and pair
 * the feed's transitions since the watch started with the label changes.
 */
export async function measureLabelLatency(backend: ClusterBackend, handle: ClusterHandle, signal: AbortSignal, rounds = 3, timeoutMs = 120_000): Promise<LabelLatency> {
  const feedPath = handle.keyFeedPath;
  if (!backend.killProcess || !feedPath) throw new Error(`the ${backend.name} backend has no process kill or no Vault feed to measure labels against`);
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(handle.kubeconfigPath);
  const { namespace } = handle.names;
  const labels = new Map<string, Record<string, string>>();
  const changes: LabelChange[] = [];
  const watch = await new k8s.Watch(kc).watch(`/api/v1/namespaces/${namespace}/pods`, { labelSelector: handle.names.serverLabelSelector }, (_type: string, pod: k8s.V1Pod) => {
    const name = pod.metadata?.name ?? '';
    const now = pod.metadata?.labels ?? {};
    const before = labels.get(name) ?? {};
    for (const label of ['vault-active', 'vault-sealed']) if (now[label] !== before[label]) changes.push({ t: nowMs(), pod: name, label, value: now[label] });
    labels.set(name, { ...now });
  }, () => undefined);
  try {
    const since = nowMs();
    const deadline = since + timeoutMs;
    const until = async (what: string, ok: () => boolean) => {
      while (!ok()) {
        if (nowMs() > deadline) throw new Error(`label latency: timed out waiting for ${what} (active labels: ${active().join(', ') || 'none'})`);
        await delay(20, signal);
      }
    };
    const active = () => [...labels].filter(([, l]) => l['vault-active'] === 'true').map(([p]) => p);
    const readFeed = async () =>
      (await readFile(feedPath, 'utf8'))
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as FeedEvent)
        .filter((e) => e.t >= since);
    let feed: FeedEvent[] = [];
    for (let round = 0; round < rounds; round++) {
      await until('one server labelled active', () => active().length === 1);
      const victim = active()[0]!;
      const killedAt = nowMs();
      await backend.killProcess(namespace, victim);
      await until('another server labelled active', () => active().some((p) => p !== victim));
      // The restarted server is unsealed again by the manager: that transition is in the feed once it happened.
      for (;;) {
        feed = await readFeed();
        if (feed.some((e) => e.t >= killedAt && e.server === victim && e.event === 'unsealed')) break;
        if (nowMs() > deadline) throw new Error(`label latency: timed out waiting for ${victim} to be unsealed again`);
        await delay(50, signal);
      }
    }
    // The last transitions' labels may still be on their way: give them a grace far above the 1 s target.
    const grace = nowMs() + 5_000;
    while (labelDelays(feed, changes).unmatched > 0 && nowMs() < grace) await delay(20, signal);
    const { delays, unmatched } = labelDelays(feed, changes);
    const stats = summarize(delays, 'label latency');
    return { n: stats.n, p50_ms: Math.round(stats.median), max_ms: Math.round(stats.max), unmatched };
  } finally {
    watch.abort();
  }
}
