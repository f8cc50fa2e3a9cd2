/**
 * Before/after figures of bundling (not a test; numbers for the report):
 * peak RSS of the whole embedded cluster (bench/rss.ts's sampler) over
 * rekeys with a fault each, the wall time of those rekeys, and the
 * kill -9-to-Ready time of a Vault double pod (its own program, unlike
 * bench/agent.ts which restarts a `node -e` one-liner).
 *
 *   node --import tsx test/platform/bundle/measure.ts [--runtime bundle|tsx] [--rekeys N] [--kills N] [--ip-base A.B.C] [--trace] [--keep]
 *     [--faults kill-active,kill-manager,delete-standby]
 */
import * as k8s from '@kubernetes/client-node';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RssSampler } from '../../../bench/rss.js';
import { nowMs } from '../../../common/clock.js';
import { iterationRequestId, MILESTONE_SECRETS, SHARES } from '../../../common/secrets.js';
import { waitFor } from '../../../platform/agent/wait.js';
import type { PodRuntime } from '../../../platform/bundle.js';
import { startEmbeddedCluster, type EmbeddedCluster } from '../../../platform/cluster.js';
import { isSettled, serverStates } from '../../../harness/vault-client/health.js';

const NS = 'vault';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function main(): Promise<void> {
  const runtime = flag('--runtime', 'bundle') as PodRuntime;
  const rekeys = Number(flag('--rekeys', '4'));
  const kills = Number(flag('--kills', '5'));
  const ipBase = flag('--ip-base', '127.52.0');
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rekey-chaos-bundle-measure-'));
  const sampler = new RssSampler({ stateDir, intervalMs: 100 });
  sampler.start();
  const t0 = nowMs();
  let cluster: EmbeddedCluster | undefined;
  try {
    cluster = await startEmbeddedCluster({ stateDir, ipBase, statusRateMs: 100, runtime });
    const c = cluster;
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(c.kubeconfigPath);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const ca = fs.readFileSync(c.caCertPath!, 'utf8');
    const pods = async () => (await core.listNamespacedPod({ namespace: NS, labelSelector: 'component=server' })).items;
    const settled = async () =>
      isSettled(await serverStates((await pods()).filter((p) => p.status?.podIP).map((p) => ({ pod: p.metadata!.name!, url: `https://${p.status!.podIP}:8200` })), ca), 3);
    const secretNames = async () => new Set((await core.listNamespacedSecret({ namespace: NS })).items.map((s) => s.metadata?.name));
    const ready = async () => {
      const names = await secretNames();
      return Array.from({ length: SHARES }, (_, i) => `cluster-key-${i}`).every((n) => names.has(n)) && (await settled());
    };
    await waitFor(async () => ((await ready()) ? true : undefined), { timeoutMs: 90_000, what: 'initialized and unsealed', pollMs: 50 });
    const upMs = nowMs() - t0;

    const allFaults = ['kill-active', 'kill-manager', 'delete-standby'] as const;
    type Fault = (typeof allFaults)[number];
    const faults = flag('--faults', allFaults.join(','))
      .split(',')
      .map((f) => {
        if (!(allFaults as readonly string[]).includes(f)) throw new Error(`--faults: unknown fault ${f} (known: ${allFaults.join(', ')})`);
        return f as Fault;
      });
    const rekeyMs: number[] = [];
    const trace: Array<Record<string, number>> = [];
    for (let i = 0; i < rekeys; i++) {
      const start = nowMs();
      await core.createNamespacedSecret({ namespace: NS, body: { metadata: { name: 'cluster-rekey-request' }, data: { strdata: Buffer.from(iterationRequestId(i + 1)).toString('base64') } } });
      // the fault lands once the manager has begun (its first milestone secret)
      await waitFor(
        async () => {
          const names = await secretNames();
          return MILESTONE_SECRETS.some((m) => m !== 'cluster-rekey-request' && names.has(m)) ? true : undefined;
        },
        { timeoutMs: 30_000, what: 'a milestone', pollMs: 20 },
      ).catch(() => undefined);
      const fault = faults[i % faults.length]!;
      const servers = await pods();
      const active = servers.find((p) => p.metadata?.labels?.['vault-active'] === 'true')?.metadata?.name ?? 'sva-vault-0';
      const standby = servers.map((p) => p.metadata!.name!).find((n) => n !== active)!;
      if (fault === 'kill-active') await c.agent.killProcess(NS, active);
      else if (fault === 'kill-manager') await c.agent.killProcess(NS, 'sva-vault-manager-0');
      else await core.deleteNamespacedPod({ namespace: NS, name: standby });
      await waitFor(
        async () => {
          const names = await secretNames();
          return !MILESTONE_SECRETS.some((m) => names.has(m)) && (await settled()) ? true : undefined;
        },
        { timeoutMs: 90_000, what: `rekey ${i + 1} (${fault}) to complete`, pollMs: 50 },
      );
      rekeyMs.push(nowMs() - start);
      // per-role RSS after each rekey: a program that grows over a run shows here
      const s = await sampler.sample();
      trace.push(Object.fromEntries(Object.entries(s.byRoleKb).filter(([r]) => r !== 'harness').map(([r, kb]) => [r, Math.round(kb / 1024)])));
    }

    const killMs: number[] = [];
    for (let i = 0; i < kills; i++) {
      const target = 'sva-vault-2';
      const before = (await core.readNamespacedPod({ namespace: NS, name: target })).status?.containerStatuses?.[0]?.restartCount ?? 0;
      // past the agent's back-off reset, so every kill is a first restart (pacing, not a wait on an event)
      await new Promise((r) => setTimeout(r, 2_100));
      const { at } = await c.agent.killProcess(NS, target);
      const seen = await waitFor(
        async () => {
          const st = (await core.readNamespacedPod({ namespace: NS, name: target })).status?.containerStatuses?.[0];
          return st?.ready && (st.restartCount ?? 0) > before ? nowMs() : undefined;
        },
        { timeoutMs: 30_000, what: 'the killed Vault pod to be Ready', pollMs: 10 },
      );
      killMs.push(seen - at);
    }
    const rss = await sampler.stop();
    process.stdout.write(
      JSON.stringify(
        {
          runtime,
          bundles: c.bundles ? { fromCache: c.bundles.fromCache, buildMs: c.bundles.buildMs } : undefined,
          startToUnsealedMs: upMs,
          rekeyWithFaultMs: { each: rekeyMs, median: median(rekeyMs) },
          vaultKillToReadyMs: { each: killMs, median: median(killMs), max: Math.max(...killMs) },
          embeddedPeakMb: rss.embeddedPeakMb,
          atEmbeddedPeakMb: rss.atEmbeddedPeakMb,
          peakByRoleMb: rss.peakByRoleMb,
          ...(process.argv.includes('--trace') ? { rssAfterEachRekeyMb: trace } : {}),
        },
        null,
        1,
      ) + '\n',
    );
  } finally {
    await sampler.stop().catch(() => undefined);
    await cluster?.stop();
    if (process.argv.includes('--keep')) process.stderr.write(`state dir kept: ${stateDir}\n`);
    else fs.rmSync(stateDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`measure: ${(err as Error).message}\n`);
    process.exit(3);
  },
);
