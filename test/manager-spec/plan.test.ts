import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { UsageError } from '../../common/errors.js';
import { HelmTemplateError } from '../../harness/manager-spec/errors.js';
import { extractManagerPlan, findManagerWorkload } from '../../harness/manager-spec/extract.js';
import { STARLINGX_LOG_FORMAT } from '../../harness/manager-spec/log-format.js';
import { planManager } from '../../harness/manager-spec/plan.js';
import type { KubeObject, RenderedObject } from '../../harness/manager-spec/render.js';
import { caught, configMapData, DEMO_CHART, HARNESS, TempDir } from './helpers.js';

describe('manager-spec: the plan of a chart (built-in renderer)', () => {
  it('finds the manager workload of the demo chart and describes it', async () => {
    const plan = await planManager(`chart:${DEMO_CHART}`, HARNESS, { renderer: 'builtin' });
    expect(plan).to.not.equal(undefined);
    const p = plan!;
    expect(p).to.include({ source: 'chart', renderer: 'builtin', namespace: 'vault', replicas: 1, serviceAccountName: 'sva-vault-manager', terminationGracePeriodSeconds: 5, statusRateS: 2, vaultVersion: '1.15.2' });
    expect(p.workload).to.deep.equal({ kind: 'StatefulSet', name: 'sva-vault-manager' });
    expect(p.podLabels).to.deep.equal({ app: 'vault-manager', team: 'storage', tier: 'backend' });
    expect(p.container.argv).to.deep.equal(['bash', '/opt/script/run.sh']);
    expect(p.container.env).to.deep.equal([
      { name: 'CA_CERT', value: '/etc/ca/ca.pem' },
      { name: 'MY_POD', fromPod: 'pod-name' },
      { name: 'MY_IP', fromPod: 'pod-ip' },
    ]);
    expect(p.volumeMounts.map((m) => m.mountPath)).to.deep.equal(['/opt/script', '/etc/ca']);
    expect(p.volumes[0]).to.deep.equal({ name: 'script', configMap: { name: 'sva-vault-script' } });
    expect(p.livenessProbe).to.deep.equal({ exec: { command: ['true'] }, periodSeconds: 10 });
    expect(p.readinessProbe).to.deep.equal({ tcpSocket: { port: 8080 } });
    // install order: the ServiceAccount before the ConfigMap; the namespace filled in where the chart left it out
    expect(p.objects.map((o) => `${o.kind}/${o.metadata.name}/${o.metadata.namespace}`)).to.deep.equal(['ServiceAccount/sva-vault-manager/vault', 'ConfigMap/sva-vault-script/vault']);
    expect(p.clusterObjects.map((o) => `${o.kind}/${o.metadata.name}`)).to.deep.equal(['ClusterRole/sva-vault-manager-reader']);
    expect(p.configMaps).to.deep.equal(['sva-vault-script']);
    expect(p.externalSecrets).to.deep.equal(['demo-ca']);
    // the file is ca.pem in the mount, key tls.crt of the Secret (items mapping)
    expect(p.caCert).to.deep.equal({ env: 'CA_CERT', path: '/etc/ca/ca.pem', secretName: 'demo-ca', key: 'tls.crt' });
    expect(p.overrides).to.deep.equal([]);
    expect(p.logFormat).to.equal(STARLINGX_LOG_FORMAT);
    const script = String(configMapData(p.objects[1])['run.sh']);
    expect(script).to.contain('REPLICAS=3\n').and.contain('RATE=2\n');
  });

  it('reports the user values the harness replaced, and applies the user values it did not', async () => {
    const tmp = new TempDir();
    try {
      tmp.file('mine.yaml', 'server:\n  ha:\n    replicas: 1\nmanager:\n  greeting: from-file\n');
      const plan = await planManager(`chart:${DEMO_CHART},values=mine.yaml,set=manager.statusCheckRate=30,set=manager.greeting=from-set`, HARNESS, { renderer: 'builtin', cwd: tmp.dir });
      expect(plan!.overrides).to.deep.equal([
        { key: 'server.ha.replicas', user: 1, forced: 3, from: 'values file' },
        { key: 'manager.statusCheckRate', user: 30, forced: 2, from: 'set' },
      ]);
      const script = String(configMapData(plan!.objects.find((o) => o.kind === 'ConfigMap'))['run.sh']);
      expect(script).to.contain('GREETING="from-set"').and.contain('RATE=2\n');
    } finally {
      tmp.remove();
    }
  });

  it('reference has no plan', async () => {
    expect(await planManager('reference', HARNESS)).to.equal(undefined);
  });
});

const cm = (name: string): RenderedObject => ({ source: 'c/templates/cm.yaml', object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: {} } });
function workload(name: string, opts: { kind?: string; labels?: Record<string, string>; configMap?: string; env?: unknown[]; volumes?: unknown[] } = {}): RenderedObject {
  const object: KubeObject = {
    apiVersion: 'apps/v1',
    kind: opts.kind ?? 'StatefulSet',
    metadata: { name },
    spec: {
      template: {
        metadata: { labels: opts.labels ?? {} },
        spec: {
          containers: [{ name: 'main', args: ['bash', '/s/run.sh'], env: opts.env ?? [] }],
          volumes: opts.volumes ?? [{ name: 's', configMap: { name: opts.configMap ?? 'script' } }],
        },
      },
    },
  };
  return { source: 'c/templates/w.yaml', object };
}
const extract = (objects: RenderedObject[]) => extractManagerPlan({ chartDir: '/c', spec: 'chart:/c', renderer: 'builtin', namespace: 'vault', objects, overrides: [] });

describe('manager-spec: which workload is the manager', () => {
  it('needs a chart ConfigMap mounted and a name or label saying manager', () => {
    const objects = [cm('script'), workload('vault-server'), workload('db', { labels: { component: 'manager' } }), workload('x-manager', { kind: 'Deployment', configMap: 'elsewhere', volumes: [] })];
    expect(findManagerWorkload('/c', objects).metadata.name).to.equal('db');
  });

  const cases: [string, RenderedObject[], string][] = [
    ['none', [cm('script'), workload('vault-server')], 'chart /c has no manager workload (a StatefulSet or Deployment that mounts a ConfigMap of the chart and whose name or labels say manager)'],
    ['a manager mounting no chart ConfigMap', [workload('vault-manager', { configMap: 'other' })], 'chart /c has no manager workload (a StatefulSet or Deployment that mounts a ConfigMap of the chart and whose name or labels say manager)'],
    ['two', [cm('script'), workload('a-manager'), workload('b', { kind: 'Deployment', labels: { app: 'vault-manager' } })], 'chart /c has several manager workloads: StatefulSet/a-manager, Deployment/b'],
    ['a secretKeyRef env', [cm('script'), workload('m-manager', { env: [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }] })], 'chart /c: the manager\'s env TOKEN takes valueFrom secretKeyRef, which is not supported (plain values, or fieldRef metadata.name, metadata.namespace, status.podIP)'],
    ['a fieldRef the backend cannot fill', [cm('script'), workload('m-manager', { env: [{ name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }] })], "chart /c: the manager's env NODE takes valueFrom fieldRef spec.nodeName, which is not supported (plain values, or fieldRef metadata.name, metadata.namespace, status.podIP)"],
    ['a ConfigMap the chart does not render', [cm('script'), workload('m-manager', { volumes: [{ name: 's', configMap: { name: 'script' } }, { name: 'o', configMap: { name: 'absent' } }] })], "chart /c: the manager's volume o mounts ConfigMap absent, which the chart does not render"],
  ];
  for (const [what, objects, message] of cases) {
    it(`refuses ${what} in one line`, async () => {
      const err = await caught(() => extract(objects));
      expect(err).to.be.instanceOf(UsageError);
      expect(err.message).to.equal(message);
    });
  }

  it('maps metadata.namespace to a marker and keeps an optional missing ConfigMap', () => {
    const plan = extract([cm('script'), workload('m-manager', { env: [{ name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } }], volumes: [{ name: 's', configMap: { name: 'script' } }, { name: 'o', configMap: { name: 'absent', optional: true } }] })]);
    expect(plan.container.env).to.deep.equal([{ name: 'NS', fromPod: 'pod-namespace' }]);
    expect(plan.volumes).to.have.length(2);
  });
});

describe('manager-spec: rendering with helm when it is on PATH', () => {
  const tmp = new TempDir();
  after(() => tmp.remove());
  const canned = [
    '---',
    '# Source: demo-manager/templates/script.yaml',
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    '  name: from-helm-script',
    'data:',
    '  run.sh: echo hi',
    '---',
    '# Source: demo-manager/templates/workload.yaml',
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  name: from-helm-manager',
    'spec:',
    '  template:',
    '    spec:',
    '      containers:',
    '        - name: manager',
    '          command: [bash, /opt/script/run.sh]',
    '      volumes:',
    '        - name: s',
    '          configMap:',
    '            name: from-helm-script',
    '',
  ].join('\n');

  /** A `helm` that records its argv and the values file it was given, then prints a canned rendering. */
  function fakeHelm(dirName: string, body: string): string {
    const record = path.join(tmp.dir, dirName);
    tmp.file(`${dirName}/helm`, `#!/bin/bash\nprintf '%s\\n' "$@" > ${record}/args\nwhile [ $# -gt 0 ]; do if [ "$1" = -f ]; then cp "$2" ${record}/values.yaml; fi; shift; done\n${body}\n`, 0o755);
    return record;
  }

  it('calls `helm template <release> <dir> --namespace <ns> -f <values>` and plans from its output', async () => {
    tmp.file('canned.yaml', canned);
    const bin = fakeHelm('ok', `cat ${tmp.dir}/canned.yaml`);
    const plan = await planManager(`chart:${DEMO_CHART},set=manager.greeting=hey`, HARNESS, { searchPath: `/nonexistent:${bin}` });
    expect(plan!.renderer).to.equal('helm');
    expect(plan!.workload).to.deep.equal({ kind: 'Deployment', name: 'from-helm-manager' });
    expect(plan!.configMaps).to.deep.equal(['from-helm-script']);
    const args = readFileSync(path.join(bin, 'args'), 'utf8').trim().split('\n');
    expect(args.slice(0, 6)).to.deep.equal(['template', 'sva-vault-manager', DEMO_CHART, '--namespace', 'vault', '-f']);
    expect(args).to.have.length(7);
    // the values file: the user's set= and the forced keys (helm merges the chart's values.yaml itself)
    expect(parse(readFileSync(path.join(bin, 'values.yaml'), 'utf8'))).to.deep.equal({
      manager: { greeting: 'hey', statusCheckRate: 2 },
      vault: { name: 'vault', fullname: 'sva-vault' },
      server: { ha: { replicas: 3 } },
    });
  });

  it('turns a helm failure into one line with helm\'s own error (exit 2)', async () => {
    const bin = fakeHelm('fails', `echo 'walk.go:75: some noise' >&2\necho 'Error: template: demo-manager/templates/x.yaml:3:5: executing "x" at <.Values.a.b>: nil pointer evaluating interface {}.b' >&2\nexit 1`);
    const err = await caught(() => planManager(`chart:${DEMO_CHART}`, HARNESS, { searchPath: bin }));
    expect(err).to.be.instanceOf(HelmTemplateError);
    expect(err.message).to.equal(`helm template ${DEMO_CHART} failed: Error: template: demo-manager/templates/x.yaml:3:5: executing "x" at <.Values.a.b>: nil pointer evaluating interface {}.b`);
    expect(err.exitCode).to.equal(2);
  });

  it('uses the built-in renderer when helm is absent, and says so when helm was required', async () => {
    const plan = await planManager(`chart:${DEMO_CHART}`, HARNESS, { searchPath: path.join(tmp.dir, 'empty') });
    expect(plan!.renderer).to.equal('builtin');
    const err = await caught(() => planManager(`chart:${DEMO_CHART}`, HARNESS, { searchPath: path.join(tmp.dir, 'empty'), renderer: 'helm' }));
    expect(err.message).to.equal('helm is not on PATH (asked to render the manager chart with helm)');
  });
});

describe('manager-spec: the plan of a rendered script', () => {
  const tmp = new TempDir();
  after(() => tmp.remove());

  it('mounts the script at /opt/script/init.sh and the CA like the chart does', async () => {
    const file = tmp.file('init.sh', '#!/bin/bash\n    VAULT_VERSION=1.14.0\n    STATUS_RATE=5\necho run\n');
    const plan = (await planManager(`script:${file}`, HARNESS))!;
    expect(plan).to.include({ source: 'script', renderer: 'none', statusRateS: 5, vaultVersion: '1.14.0', replicas: 1 });
    expect(plan.container.argv).to.deep.equal(['bash', '/opt/script/init.sh']);
    expect(plan.container.env).to.deep.equal([{ name: 'CA_CERT', value: '/mnt/data/ca/tls.crt' }]);
    expect(plan.volumes).to.deep.equal([
      { name: 'manager-script', configMap: { name: 'sva-vault-manager-script' } },
      { name: 'vault-ca', secret: { secretName: 'vault-ca' } },
    ]);
    expect(plan.volumeMounts.map((m) => m.mountPath)).to.deep.equal(['/opt/script', '/mnt/data/ca']);
    expect(plan.objects).to.deep.equal([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'sva-vault-manager-script', namespace: 'vault' }, data: { 'init.sh': readFileSync(file, 'utf8') } }]);
    expect(plan.externalSecrets).to.deep.equal(['vault-ca']);
    expect(plan.caCert).to.deep.equal({ env: 'CA_CERT', path: '/mnt/data/ca/tls.crt', secretName: 'vault-ca', key: 'tls.crt' });
  });

  it('leaves the rate and version unknown when the script does not say them', async () => {
    const file = tmp.file('other.sh', 'STATUS_RATE=$RATE\necho run\n');
    const plan = (await planManager(`script:${file}`, HARNESS))!;
    expect(plan.statusRateS).to.equal(undefined);
    expect(plan.vaultVersion).to.equal(undefined);
  });
});
