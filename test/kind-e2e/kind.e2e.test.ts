/**
 * Opt-in end-to-end suite for a Docker host (`npm run test:kind`): a real
 * kind cluster, HashiCorp's Vault chart and the manager (ours, and
 * StarlingX's chart when REKEY_CHAOS_MANAGER_CHART names its folder), then,
 * in order: pods Running and the manager's CA mounted; cluster-key-0..4 and
 * cluster-key-root stored, three servers unsealed, one active; TLS verified
 * with the CA through each port-forward and through the active service; a
 * fault-free rekey with I1–I7 and the manager's log; one F3 and one F8
 * iteration; node loss and return; recovery after a --defect failure; a
 * reused cluster not deleted; SIGINT and SIGTERM during a deploy and during
 * a run leave no kind cluster, node container or listening port. Wall times
 * go to out/bench/kind-e2e[-chart].json in the bench JSON format.
 *
 * Skipped, with the reason, where REKEY_CHAOS_E2E_KIND=1 is not set or a
 * tool does not work (this has not run on a Docker host from here).
 */
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import * as k8s from '@kubernetes/client-node';
import { REPO_ROOT } from '../../common/repo-root.js';
import { KindBackend } from '../../harness/backends/kind/backend.js';
import type { ClusterHandle } from '../../harness/backends/backend.js';
import { isSettled, serverStates } from '../../harness/vault-client/health.js';
import { requestJson } from '../../common/http-json.js';
import { kindClusters, listeningPorts, nodeContainers, runRecords, skipReason, startCli, writeKindBench, type IterationTiming } from './support.js';

const CLUSTER = 'rekey-chaos';
const chart = process.env['REKEY_CHAOS_MANAGER_CHART'];
const variants = [{ label: 'reference manager', manager: 'reference', bench: 'kind-e2e.json' }];
if (chart) variants.push({ label: "StarlingX's chart", manager: `chart:${chart},values=${path.join(REPO_ROOT, 'manager', 'values', 'starlingx-kind.yaml')}`, bench: 'kind-e2e-chart.json' });

for (const variant of variants) {
  describe(`kind end to end, ${variant.label} (opt-in: REKEY_CHAOS_E2E_KIND=1)`, function () {
    this.timeout(30 * 60_000);
    this.bail(true);
    let work: string;
    let backend: KindBackend;
    let handle: ClusterHandle;
    let core: k8s.CoreV1Api;
    const timings: IterationTiming[] = [];
    const deploysS: number[] = [];
    let upS = 0;
    const seconds = (t0: number) => Math.round((Date.now() - t0) / 100) / 10;
    const kubectl = (args: string[]) => execa('kubectl', ['--kubeconfig', handle.kubeconfigPath, '--namespace', 'vault', ...args]);

    before(async function () {
      const why = await skipReason();
      if (why) {
        process.stderr.write(`kind end-to-end suite skipped: ${why}\n`);
        return this.skip();
      }
      expect(await kindClusters(), `a kind cluster named ${CLUSTER} already exists; the suite creates its own`).to.not.include(CLUSTER);
      work = await mkdtemp(path.join(tmpdir(), 'rekey-chaos-kind-e2e-'));
      backend = new KindBackend({ clusterName: CLUSTER, stateDir: path.join(work, 'suite-state'), statusRateMs: 5000 });
    });
    after(async () => {
      if (!backend) return;
      await backend.down().catch(() => undefined);
      await writeKindBench(path.join(REPO_ROOT, 'out', 'bench', variant.bench), { manager: variant.manager, upS, deploysS, iterations: timings });
      await rm(work, { recursive: true, force: true });
    });

    it('brings up kind and deploys Vault and the manager: every pod Running, the manager has the CA mounted', async () => {
      let t0 = Date.now();
      handle = await backend.up();
      upS = seconds(t0);
      t0 = Date.now();
      await backend.deploy({ manager: { kind: variant.manager } });
      deploysS.push(seconds(t0));
      const kc = new k8s.KubeConfig();
      kc.loadFromFile(handle.kubeconfigPath);
      core = kc.makeApiClient(k8s.CoreV1Api);
      const pods = (await core.listNamespacedPod({ namespace: 'vault' })).items;
      for (const p of pods) expect(p.status?.phase, p.metadata?.name).to.equal('Running');
      const manager = (await core.listNamespacedPod({ namespace: 'vault', labelSelector: handle.names.managerLabelSelector })).items[0]!;
      const caPath = variant.manager === 'reference' ? '/etc/vault-manager/ca/ca.crt' : '/mnt/data/ca/tls.crt';
      const { stdout } = await kubectl(['exec', manager.metadata!.name!, '--', 'cat', caPath]);
      expect(stdout.trim()).to.equal(handle.caCertPem.trim());
    });

    it('cluster-key-0..4 and cluster-key-root are stored; three servers unsealed, one active', async () => {
      const names = (await core.listNamespacedSecret({ namespace: 'vault' })).items.map((s) => s.metadata?.name);
      for (const n of ['cluster-key-0', 'cluster-key-1', 'cluster-key-2', 'cluster-key-3', 'cluster-key-4', 'cluster-key-root']) expect(names).to.include(n);
      const states = await serverStates(await handle.vaultEndpoints(), handle.caCertPem, 5000);
      expect(isSettled(states, 3), JSON.stringify(states)).to.equal(true);
    });

    it('TLS verifies with the CA through each port-forward and through the active service', async () => {
      const endpoints = await handle.vaultEndpoints();
      expect(endpoints).to.have.length(3);
      for (const e of endpoints) {
        const res = await requestJson(`${e.url}/v1/sys/health?standbyok=true`, { ca: handle.caCertPem, ...(e.servername ? { servername: e.servername } : {}) });
        expect(res.status, e.pod).to.equal(200);
      }
      const forward = startKubectlPortForward(handle.kubeconfigPath);
      try {
        const port = await forward.port;
        const res = await requestJson(`https://127.0.0.1:${port}/v1/sys/health`, { ca: handle.caCertPem, servername: 'sva-vault-active.vault.svc' });
        expect(res.status).to.equal(200);
      } finally {
        forward.stop();
      }
    });

    const runOne = async (scenario: string, extra: string[] = []) => {
      const out = path.join(work, `out-${scenario}-${timings.length}`);
      const t0 = Date.now();
      const cli = startCli(['run', '--backend', 'kind', '--scenario', scenario, '--iterations', '1', '--out', out, '--state-dir', path.join(work, 'cli-state'), '--manager', variant.manager, ...extra]);
      const code = await cli.exited;
      const records = await runRecords(out);
      for (const { record } of records) timings.push({ scenario, iteration: record.plan.iteration, outcome: record.outcome, wall_s: Math.round((record.endedAt - record.startedAt) / 100) / 10 });
      deploysS.push(seconds(t0));
      return { code, records, output: cli.output() };
    };

    it('a fault-free rekey passes I1–I7 with the manager log collected (and the reused cluster is left standing)', async () => {
      const { code, records, output } = await runOne('F1');
      expect(code, output).to.equal(0);
      const { record, dir } = records[0]!;
      expect(record.outcome).to.equal('passed');
      for (const id of ['I1', 'I2', 'I3', 'I4', 'I5', 'I6', 'I7']) expect(record.invariants.find((i) => i.id === id)?.status, id).to.equal('passed');
      expect(record.logsUnavailable).to.equal(undefined);
      const managerLog = Object.keys(record.logs).find((pod) => /manager/.test(pod));
      expect(managerLog, `manager log among ${Object.keys(record.logs).join(', ')} in ${dir}`).to.not.equal(undefined);
      // The CLI reused the suite's cluster: it must not have deleted it.
      expect(await kindClusters()).to.include(CLUSTER);
    });

    for (const scenario of ['F3', 'F8']) {
      it(`one ${scenario} iteration: the reference behaviour never fails an invariant`, async () => {
        const { records, output } = await runOne(scenario);
        expect(records, output).to.have.length(1);
        expect(['passed', 'not-hit'], `${records[0]!.record.outcome}: ${output}`).to.include(records[0]!.record.outcome);
      });
    }

    it('node loss: the node comes back Ready, and Vault settles with three unsealed servers', async () => {
      await backend.deploy({ manager: { kind: variant.manager } });
      await backend.loseNode('controller-1', 20_000);
      await backend.nodesBack();
      const deadline = Date.now() + 5 * 60_000;
      for (;;) {
        if (isSettled(await serverStates(await handle.vaultEndpoints(), handle.caCertPem, 5000), 3)) break;
        if (Date.now() > deadline) throw new Error('Vault did not settle after the node came back');
        await new Promise((r) => setTimeout(r, 2000));
      }
    });

    if (variant.manager === 'reference') {
      it('recovery after a --defect failure: never a poisoned cluster-key taken for a ready Vault', async () => {
        const cli = startCli(['run', '--backend', 'kind', '--scenario', 'F1', '--iterations', '2', '--defect', 'no-readback-of-stored-shards', '--out', path.join(work, 'out-defect'), '--state-dir', path.join(work, 'cli-state')]);
        expect(await cli.exited, cli.output()).to.equal(1);
        const records = (await runRecords(path.join(work, 'out-defect'))).map((r) => r.record).sort((a, b) => a.plan.iteration - b.plan.iteration);
        expect(records[0]!.outcome).to.equal('failed');
        // A second iteration ran only on a recovered Vault; then its starting key was proven.
        if (records[1]) expect(records[1].initial.keyFp).to.be.a('string');
        const t0 = Date.now();
        await backend.deploy({ manager: { kind: 'reference' } });
        deploysS.push(seconds(t0));
      });
    }

    it('down() deletes the cluster the suite created: no cluster, no node container left', async () => {
      await backend.down();
      expect(await kindClusters()).to.not.include(CLUSTER);
      expect(await nodeContainers(CLUSTER)).to.deep.equal([]);
    });

    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      for (const phase of ['deploy', 'run'] as const) {
        it(`${signal} during a ${phase} leaves no kind cluster, node container or listening port`, async () => {
          const portsBefore = await listeningPorts();
          const state = path.join(work, `signal-${signal}-${phase}`);
          const args = phase === 'deploy' ? ['cluster', 'up', '--backend', 'kind', '--state-dir', state] : ['run', '--backend', 'kind', '--scenario', 'F1', '--iterations', '1', '--state-dir', state, '--out', path.join(state, 'out')];
          const cli = startCli(args);
          if (phase === 'deploy') await cli.waitFor(/kubeconfig: /, 10 * 60_000);
          else await waitForVaultInitialized(path.join(state, 'kubeconfig'), 15 * 60_000);
          cli.child.kill(signal);
          await cli.exited;
          expect(await kindClusters(), cli.output()).to.not.include(CLUSTER);
          expect(await nodeContainers(CLUSTER)).to.deep.equal([]);
          const left = [...(await listeningPorts())].filter((p) => !portsBefore.has(p));
          expect(left, 'ports listening after the command ended').to.deep.equal([]);
        });
      }
    }
  });
}

/** `kubectl port-forward svc/sva-vault-active :8200`, with the local port it chose. */
function startKubectlPortForward(kubeconfig: string): { port: Promise<number>; stop: () => void } {
  const child = execa('kubectl', ['--kubeconfig', kubeconfig, '--namespace', 'vault', 'port-forward', 'svc/sva-vault-active', ':8200'], { reject: false });
  const port = new Promise<number>((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (b: Buffer) => {
      text += b.toString();
      const m = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(text);
      if (m) resolve(Number(m[1]));
    });
    void child.then(() => reject(new Error(`kubectl port-forward ended: ${text}`)));
  });
  return { port, stop: () => void child.kill('SIGTERM') };
}

/** Polls (with a deadline) until the run's manager stored the root token: the run is then past its deploy. */
async function waitForVaultInitialized(kubeconfig: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await execa('kubectl', ['--kubeconfig', kubeconfig, '--namespace', 'vault', 'get', 'secret', 'cluster-key-root', '-o', 'name'], { reject: false });
    if (r.exitCode === 0) return;
    if (Date.now() > deadline) throw new Error('the run never got past its deploy');
    await new Promise((res) => setTimeout(res, 2000));
  }
}
