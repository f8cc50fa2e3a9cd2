/**
 * What the kind backend's tests share: recording fakes of kind, helm, docker
 * and kubectl first on PATH (test/kind/fakes/), an in-process API server the
 * fake `kind create cluster` hands the kubeconfig of (so the backend's
 * Kubernetes API calls are real), and a Vault probe that answers as a
 * deployed Vault would.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { KindBackend, type KindBackendOptions } from '../../harness/backends/kind/backend.js';
import type { VaultProbe } from '../../harness/backends/kind/readiness.js';
import type { ServerState } from '../../common/record.js';
import { startFixture, type Fixture } from '../platform/apiserver/fixture.js';

export const FAKES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fakes');

export interface Call {
  tool: string;
  args: string[];
  stdin: string;
}

/** kubectl's arguments without the --kubeconfig every call carries. */
export function verb(call: Call): string[] {
  return call.args[0] === '--kubeconfig' ? call.args.slice(2) : call.args;
}

export const SETTLED: ServerState[] = [0, 1, 2].map((i) => ({ pod: `sva-vault-${i}`, reachable: true, initialized: true, sealed: false, active: i === 0 }));

/** A probe that reads the fixture's secrets and answers with fixed server states and key verdict. */
export function fixedProbe(fx: Fixture, answers: { servers?: ServerState[]; keyIsCurrent?: boolean | string } = {}): VaultProbe & { keyChecks: number } {
  const probe = {
    keyChecks: 0,
    async secrets() {
      const out = new Map<string, string>();
      for (const s of fx.store.list('secrets', 'vault').items as any[]) out.set(s.metadata.name, s.data?.strdata ? Buffer.from(s.data.strdata, 'base64').toString('utf8') : '');
      return out;
    },
    async servers() {
      return answers.servers ?? SETTLED;
    },
    async keyIsCurrent() {
      probe.keyChecks += 1;
      return answers.keyIsCurrent ?? true;
    },
  };
  return probe;
}

export interface FakeKind {
  fx: Fixture;
  dir: string;
  stateDir: string;
  calls(): Promise<Call[]>;
  env(extra?: Record<string, string>): NodeJS.ProcessEnv;
  backend(options?: Partial<KindBackendOptions>, envExtra?: Record<string, string>): KindBackend;
  stop(): Promise<void>;
}

export async function startFakeKind(): Promise<FakeKind> {
  const fx = await startFixture();
  const dir = await mkdtemp(path.join(tmpdir(), 'rekey-chaos-kind-'));
  const log = path.join(dir, 'calls.jsonl');
  const stateDir = path.join(dir, 'state');
  await mkdir(path.join(dir, 'fake-state'));
  const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => {
    const e: NodeJS.ProcessEnv = {
      ...process.env,
      PATH: `${FAKES}:${process.env.PATH}`,
      FAKE_TOOL_LOG: log,
      FAKE_KUBECONFIG_SOURCE: fx.kubeconfigPath,
      FAKE_STATE_DIR: path.join(dir, 'fake-state'),
      ...extra,
    };
    // A *_BIN from the caller's environment would bypass the fakes.
    for (const k of ['KIND_BIN', 'HELM_BIN', 'DOCKER_BIN', 'KUBECTL_BIN']) if (!(k in extra)) delete e[k];
    return e;
  };
  return {
    fx,
    dir,
    stateDir,
    env,
    calls: async () =>
      (await readFile(log, 'utf8').catch(() => ''))
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Call),
    backend: (options = {}, envExtra = {}) =>
      new KindBackend({ stateDir, env: env(envExtra), readyTimeoutMs: 20_000, chartRenderer: 'builtin', handleStopSignals: false, vaultProbe: () => fixedProbe(fx), ...options }),
    stop: async () => {
      await fx.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The secrets a manager would have stored after initializing Vault: five consistent shards and a root token. */
export async function storeFreshClusterKey(fx: Fixture): Promise<void> {
  const { split } = await import('shamir-secret-sharing');
  const { formatShard } = await import('../../common/secrets.js');
  const key = new Uint8Array(32).map((_, i) => (i * 7 + 3) & 0xff);
  const shares = await split(key, 5, 3);
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  for (let i = 0; i < 5; i++) fx.store.create('secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: `cluster-key-${i}`, namespace: 'vault' }, data: { strdata: b64(formatShard(shares[i]!)) } } as any);
  fx.store.create('secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'cluster-key-root', namespace: 'vault' }, data: { strdata: b64(`hvs.${randomBytes(18).toString('base64url')}`) } } as any);
}

/** Waits (polling the call log, with a deadline) until a call matching `pred` was made. */
export async function waitForCall(k: FakeKind, pred: (c: Call) => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await k.calls()).some(pred)) {
    if (Date.now() > deadline) throw new Error('the awaited tool call was never made');
    await new Promise((r) => setTimeout(r, 50));
  }
}
