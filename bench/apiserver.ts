/**
 * Benchmark (not a test): latency of a secret create + get round trip through
 * @kubernetes/client-node against the embedded API server (HTTPS, bearer token).
 * Run: node --import tsx bench/apiserver.ts [iterations]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { ObjectStore } from '../platform/apiserver/store.js';
import { startApiServer } from '../platform/apiserver/server.js';
import { writeKubeconfig } from '../platform/apiserver/kubeconfig.js';

export interface LatencySummary {
  name: string;
  n: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

function summarize(name: string, samples: number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  return { name, n: sorted.length, p50Ms: percentile(sorted, 50), p95Ms: percentile(sorted, 95), maxMs: sorted.at(-1)! };
}

export async function benchApiServer(iterations = 300, warmup = 20): Promise<LatencySummary[]> {
  const store = new ObjectStore();
  const token = randomBytes(16).toString('hex');
  const server = await startApiServer({ store, token });
  const dir = await mkdtemp(join(tmpdir(), 'rekey-chaos-bench-'));
  try {
    const path = join(dir, 'kubeconfig');
    await writeKubeconfig(path, { server: server.url, token, namespace: 'vault', caPem: server.caPem });
    const kc = new KubeConfig();
    kc.loadFromFile(path);
    const api = kc.makeApiClient(CoreV1Api);
    const roundTrip: number[] = [];
    const createOnly: number[] = [];
    const getOnly: number[] = [];
    for (let i = 0; i < warmup + iterations; i++) {
      const name = `bench-${i}`;
      const t0 = performance.now();
      await api.createNamespacedSecret({ namespace: 'vault', body: { metadata: { name }, stringData: { strdata: 'x'.repeat(66) } } });
      const t1 = performance.now();
      const got = await api.readNamespacedSecret({ name, namespace: 'vault' });
      const t2 = performance.now();
      if (got.metadata?.name !== name) throw new Error(`read back ${got.metadata?.name}, expected ${name}`);
      if (i < warmup) continue;
      createOnly.push(t1 - t0);
      getOnly.push(t2 - t1);
      roundTrip.push(t2 - t0);
    }
    return [summarize('secret create+get', roundTrip), summarize('  create', createOnly), summarize('  get', getOnly)];
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

export function formatTable(rows: LatencySummary[]): string {
  const head = ['operation', 'n', 'p50 ms', 'p95 ms', 'max ms'];
  const body = rows.map((r) => [r.name, String(r.n), r.p50Ms.toFixed(2), r.p95Ms.toFixed(2), r.maxMs.toFixed(2)]);
  const widths = head.map((h, c) => Math.max(h.length, ...body.map((row) => row[c]!.length)));
  const line = (cells: string[]) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const n = Number(process.argv[2] ?? '300');
  benchApiServer(Number.isInteger(n) && n > 0 ? n : 300).then(
    (rows) => console.log(`embedded API server via @kubernetes/client-node (HTTPS, loopback)\n${formatTable(rows)}`),
    (err) => {
      console.error(`bench failed: ${(err as Error).message}`);
      process.exitCode = 1;
    },
  );
}
