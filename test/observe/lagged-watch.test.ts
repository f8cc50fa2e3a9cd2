/**
 * Exact I1 under observation lag, end to end on the embedded cluster
 * (ipBase 127.56.0): the harness reaches the API server through a proxy that
 * hands it every byte LAG_MS late — longer than a manager step at time scale
 * 0.02 — so every secret event reaches the harness after the Vault double
 * has already moved on. The checker must judge by commit instants: no false
 * I1 failure for the reference manager, and still the I1 failure of a
 * manager that lets Vault rotate before the new shards are stored.
 *
 * Through `runItemsWith`, the runner the CLI uses, with its own `open`: one
 * cluster for both cases, the runner's driver given the lagged kubeconfig
 * (the backend itself deploys over the direct one).
 */
import { expect } from 'chai';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import type { InvariantResult, RunRecord } from '../../common/record.js';
import type { FaultPlan, Scenario } from '../../common/scenario.js';
import { ALL_INVARIANTS } from '../../common/scenario.js';
import { iterationRequestId } from '../../common/secrets.js';
import type { ClusterHandle, ManagerChoice } from '../../harness/backends/backend.js';
import { EmbeddedBackend } from '../../harness/backends/embedded.js';
import { DeployedClusterDriver } from '../../harness/run/deployed-cluster.js';
import { runItemsWith, type RunItem, type RunOptions } from '../../harness/run/runner.js';
import { startDelayProxy, type DelayProxy } from './support/delay-proxy.js';

/** More than a manager step at status rate 100 ms, and more than the 376 ms seen in the field. */
const LAG_MS = 500;

function item(id: string, iteration: number): RunItem {
  const scenario: Scenario = { id, family: 'milestone', description: 'lagged watch', source: 'generated:test', iterations: 1, iterationBase: 2560, seed: 1, faults: [], afterCompletion: [], timeoutS: 600, settleS: 30, invariants: [...ALL_INVARIANTS] };
  const plan: FaultPlan = { scenarioId: id, iteration, requestId: iterationRequestId(2560 + iteration), seed: 1, timescale: 0.02, faults: [], afterCompletion: [], timeoutMs: 30_000, settleMs: 600 };
  return { scenario, plan, replay: `rekey-chaos replay ${id}` };
}

function failures(r: RunRecord): string {
  return r.error ?? JSON.stringify(r.invariants.filter((i) => i.status !== 'passed').map((i) => `${i.id}: ${i.message}`));
}

/**
 * Every watched change reached the harness well over a manager step (100 ms) after its commit: the
 * lag was real. Not the full LAG_MS: timers may fire a little early and two processes' clocks agree
 * only to within a fraction of a millisecond.
 */
function expectLagged(record: RunRecord): void {
  const changes = record.ledger.filter((e) => e.cause !== 'initial-list');
  expect(changes.length).to.be.greaterThan(0);
  for (const e of changes) {
    expect(e.committedAt, `${e.cause} has a commit instant`).to.be.a('number');
    expect(e.t - e.committedAt!, `${e.cause} received after its commit`).to.be.at.least(LAG_MS / 2);
  }
}

describe('exact I1 with a harness that sees the API server late (embedded)', function () {
  this.timeout(240_000);
  let dir: string;
  let backend: EmbeddedBackend | undefined;
  let handle: ClusterHandle;
  let proxy: DelayProxy | undefined;
  let laggedKubeconfig: string;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'rekey-chaos-lagged-'));
    backend = new EmbeddedBackend({ stateDir: path.join(dir, 'cluster'), ipBase: '127.56.0' });
    handle = await backend.up();
    await backend.deploy({ manager: { kind: 'reference' } });
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(handle.kubeconfigPath);
    const server = new URL(kc.getCurrentCluster()!.server);
    proxy = await startDelayProxy({ host: server.hostname, port: Number(server.port) }, LAG_MS);
    laggedKubeconfig = path.join(dir, 'lagged-kubeconfig');
    const text = await readFile(handle.kubeconfigPath, 'utf8');
    await writeFile(laggedKubeconfig, text.replace(server.origin, `https://${proxy.host}:${proxy.port}`), { mode: 0o600 });
  });
  after(async () => {
    await proxy?.close();
    await backend?.down();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** The runner on the deployed cluster with `manager` in place, its driver seeing the API through the proxy. */
  async function run(id: string, iteration: number, manager: ManagerChoice): Promise<RunRecord> {
    const options: RunOptions = { backend: 'embedded', manager, runsDir: path.join(dir, 'runs'), sinks: [] };
    const summary = await runItemsWith([item(id, iteration)], options, {
      open: async () => {
        if (manager.defect) await backend!.redeployManager(manager);
        const driver = new DeployedClusterDriver(backend!, { ...handle, kubeconfigPath: laggedKubeconfig }, manager);
        return { driver, [Symbol.asyncDispose]: () => driver.close() };
      },
    });
    return summary.results[0]!.record;
  }

  it('the reference manager passes I1 (exact, by commit instants) although every secret event arrives late', async () => {
    const record = await run('lagged-reference', 0, { kind: 'reference' });
    expectLagged(record);
    const i1 = record.invariants.find((i) => i.id === 'I1') as InvariantResult;
    expect(i1.status, i1.message).to.equal('passed');
    expect(i1.evidence).to.include({ mode: 'exact', instants: 'commit' });
    expect(record.outcome, failures(record)).to.equal('passed');
  });

  it('a defective manager (no-require-verification) still fails I1 at the rotation', async () => {
    const record = await run('lagged-defect', 1, { kind: 'reference', defect: 'no-require-verification' });
    expectLagged(record);
    const i1 = record.invariants.find((i) => i.id === 'I1') as InvariantResult;
    expect(i1.status, i1.message).to.equal('failed');
    expect(i1.evidence).to.include({ mode: 'exact', instants: 'commit' });
    const rotated = record.timeline.find((e) => e.name === 'vault-rotated')!;
    expect(i1.at).to.equal(rotated.t);
    expect(i1.message).to.include(`the key in effect ${String(rotated.detail?.['keyFp'])} was in no complete, consistent set`);
  });
});
