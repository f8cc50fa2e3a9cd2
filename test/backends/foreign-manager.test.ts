/**
 * A manager that is not ours, from a chart, through the whole `run` path on
 * the embedded cluster (ipBase 127.58.0): the chart is rendered, its objects
 * applied, the CA secret made, its pod run sandboxed, and the iteration judged
 * by every invariant. The fixture chart is shaped like StarlingX's
 * vault-manager chart (a ConfigMap-mounted bash entry point, the CA from a
 * secret volume, an exec liveness probe, labels of its own, a CronJob the
 * embedded API does not serve); its script hands over to the reference
 * manager, so the test needs no code of StarlingX's. Bad input around it is
 * refused before any cluster starts.
 */
import { expect } from 'chai';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, cpSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { REPO_ROOT } from '../../common/repo-root.js';
import type { RunRecord } from '../../common/record.js';
import { runMain } from '../cli/cli-helpers.js';

const CHART = path.join(REPO_ROOT, 'test', 'backends', 'fixtures', 'chart-wrapping-reference');
const IP_BASE = '127.58.0';

describe('embedded backend: a chart\'s manager through `run` (ipBase 127.58.0)', function () {
  this.timeout(300_000);
  let dir: string;
  before(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'rekey-chaos-foreign-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  const records = (out: string): RunRecord[] =>
    readdirSync(path.join(out, 'runs')).map((d) => JSON.parse(readFileSync(path.join(out, 'runs', d, 'record.json'), 'utf8')) as RunRecord);

  it('runs F1 and F9 with the chart as the manager: every invariant passes, its pod found by its own labels and killed as its container', async () => {
    const out = path.join(dir, 'out');
    const stateDir = path.join(dir, 'state');
    const r = await runMain(['run', '--manager', `chart:${CHART},set=repoRoot=${REPO_ROOT}`, '--scenario', 'F1', '--scenario', 'F9', '--iterations', '1', '--out', out, '--state-dir', stateDir, '--ip-base', IP_BASE]);
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    const byScenario = new Map(records(out).map((rec) => [rec.scenario.id, rec]));
    for (const id of ['F1', 'F9']) {
      const record = byScenario.get(id)!;
      expect(record.outcome, id).to.equal('passed');
      // A chart's manager runs at a whole-second status rate: the default time scale for it is 0.2.
      expect(record.replay).to.include('ts=0.2');
      expect(record.invariants.filter((i) => i.status === 'failed').map((i) => `${i.id}: ${i.message}`)).to.deep.equal([]);
    }
    // F9 kills the manager: the target is the chart's StatefulSet's pod (labelled component=webhook, not ours).
    const kill = byScenario.get('F9')!.faults[0]!;
    expect(kill.target).to.equal('sva-vault-manager-w-0');
    expect(kill.landed).to.equal(true);
    // The chart's bash entry point ran in the sandbox and handed over: the manager's rekey is in the pod's log.
    const logDir = path.join(stateDir, 'logs', 'sva-vault-manager-w-0');
    // (F9 deletes the pod after completion: its earlier containers' logs are under previous/)
    const logFiles = (readdirSync(logDir, { recursive: true }) as string[]).filter((f) => f.endsWith('.log'));
    const logText = logFiles.map((f) => readFileSync(path.join(logDir, f), 'utf8')).join('');
    expect(logText).to.match(/rekey/i);
  });

  it('cluster up --detach --manager chart:… brings the chart\'s manager up: Vault initialized by it, its objects and the CA secret in the API', async () => {
    const stateDir = path.join(dir, 'up');
    const up = await runMain(['cluster', 'up', '--detach', '--manager', `chart:${CHART},set=repoRoot=${REPO_ROOT}`, '--state-dir', stateDir, '--ip-base', IP_BASE]);
    try {
      expect(up.code, up.stdout + up.stderr).to.equal(0);
      expect(up.stdout).to.match(/deployed the manager: sva-vault-manager-w-0 .*not served here: CronJob sva-vault-nightly/);
      expect(up.stdout).to.match(/Vault: 3 servers initialized and unsealed/);
      const kc = new KubeConfig();
      kc.loadFromFile(path.join(stateDir, 'kubeconfig'));
      const core = kc.makeApiClient(CoreV1Api);
      const pods = (await core.listNamespacedPod({ namespace: 'vault', labelSelector: 'component=webhook' })).items.map((p) => p.metadata?.name);
      expect(pods).to.deep.equal(['sva-vault-manager-w-0']);
      expect((await core.readNamespacedConfigMap({ namespace: 'vault', name: 'sva-vault-wrapped-script' })).data).to.have.keys('run.sh', 'health.sh');
      const ca = await core.readNamespacedSecret({ namespace: 'vault', name: 'vault-ca' });
      expect(Buffer.from(ca.data!['tls.crt']!, 'base64').toString('utf8')).to.equal(readFileSync(path.join(stateDir, 'pki', 'ca.crt'), 'utf8'));
    } finally {
      expect((await runMain(['cluster', 'down', '--state-dir', stateDir])).code).to.equal(0);
    }
  });

  it('refuses bad input before any cluster starts: a template construct the renderer does not know, --defect with a chart, a missing chart', async () => {
    const broken = path.join(dir, 'broken-chart');
    cpSync(CHART, broken, { recursive: true });
    writeFileSync(path.join(broken, 'templates', 'extra.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: {{ range .Values.list }}{{ . }}{{ end }}\n');
    const stateDir = path.join(dir, 'never');
    const cases: Array<[string[], RegExp]> = [
      [['--manager', `chart:${broken}`], /extra\.yaml:6: unsupported template construct/],
      [['--manager', `chart:${CHART}`, '--defect', 'no-require-verification'], /--defect applies to the reference manager only/],
      [['--manager', `chart:${path.join(dir, 'nope')}`], /nope/],
    ];
    for (const [args, message] of cases) {
      const r = await runMain(['run', ...args, '--family', 'F1', '--iterations', '1', '--out', path.join(dir, 'never-out'), '--state-dir', stateDir, '--ip-base', IP_BASE]);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).to.equal(2);
      expect(r.stderr).to.match(message);
      expect(r.stderr.trim().split('\n'), 'one line').to.have.length(1);
      expect(existsSync(stateDir), 'no cluster was started').to.equal(false);
    }
  });
});
