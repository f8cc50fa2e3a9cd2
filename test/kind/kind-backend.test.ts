/**
 * The kind backend's command construction and error handling, with recording
 * fakes of kind, helm, docker and kubectl first on PATH (test/kind/fakes/).
 * The fake `kind create cluster` hands out a kubeconfig of an in-process
 * embedded API server, so the backend's Kubernetes API calls are real too.
 */
import { expect } from 'chai';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { X509Certificate } from 'node:crypto';
import { KindBackend, type KindBackendOptions } from '../../harness/backends/kind/backend.js';
import { EnvironmentError, ToolMissingError } from '../../common/errors.js';
import { startFixture, type Fixture } from '../platform/apiserver/fixture.js';

const FAKES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fakes');

interface Call {
  tool: string;
  args: string[];
  stdin: string;
}

const MANIFEST = `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: sva-vault-manager, namespace: somewhere}
spec:
  replicas: 1
  template:
    spec:
      containers:
      - name: manager
        image: placeholder
        env: [{name: MANAGER_STATUS_RATE_MS, value: "5000"}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: vault-manager}
subjects: [{kind: ServiceAccount, name: vault-manager, namespace: somewhere}]
`;

describe('kind backend with fake kind/helm/docker/kubectl on PATH', function () {
  this.timeout(60_000);
  let fx: Fixture;
  let dir: string;
  let log: string;
  let manifestDir: string;

  const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
    ...process.env,
    PATH: `${FAKES}:${process.env.PATH}`,
    FAKE_TOOL_LOG: log,
    FAKE_KUBECONFIG_SOURCE: fx.kubeconfigPath,
    KIND_BIN: '',
    HELM_BIN: '',
    DOCKER_BIN: '',
    KUBECTL_BIN: '',
    ...extra,
  });
  // An empty *_BIN must not override PATH lookup: drop them.
  const clean = (e: NodeJS.ProcessEnv) => {
    for (const k of ['KIND_BIN', 'HELM_BIN', 'DOCKER_BIN', 'KUBECTL_BIN']) if (e[k] === '') delete e[k];
    return e;
  };
  const calls = async (): Promise<Call[]> =>
    (await readFile(log, 'utf8').catch(() => ''))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Call);
  const backend = (extra: Partial<KindBackendOptions> = {}, envExtra: Record<string, string> = {}) =>
    new KindBackend({ stateDir: path.join(dir, 'state'), env: clean(env(envExtra)), managerManifestDir: manifestDir, readyTimeoutMs: 20_000, ...extra });

  beforeEach(async () => {
    fx = await startFixture();
    dir = await mkdtemp(path.join(tmpdir(), 'rekey-chaos-kind-'));
    log = path.join(dir, 'calls.jsonl');
    manifestDir = path.join(dir, 'manifests');
    await mkdir(manifestDir);
    await writeFile(path.join(manifestDir, 'manager.yaml'), MANIFEST);
  });
  afterEach(async () => {
    await fx.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('up: checks every tool, creates the cluster from a generated config on stdin, waits for the workers', async () => {
    const b = backend();
    const handle = await b.up();
    const c = await calls();
    expect(c.slice(0, 4).map((x) => `${x.tool} ${x.args[0]}`)).to.deep.equal(['docker version', 'kind version', 'helm version', 'kubectl version']);
    const create = c.find((x) => x.tool === 'kind' && x.args[0] === 'create')!;
    expect(create.args).to.deep.equal(['create', 'cluster', '--name', 'rekey-chaos', '--config', '-', '--wait', '120s', '--kubeconfig', handle.kubeconfigPath]);
    const config = parse(create.stdin);
    expect(config.kind).to.equal('Cluster');
    expect(config.nodes.map((n: any) => n.role)).to.deep.equal(['control-plane', 'worker', 'worker', 'worker']);
    expect(config.nodes.slice(1).map((n: any) => n.labels['rekey-chaos/node'])).to.deep.equal(['controller-0', 'controller-1', 'worker-0']);
    const wait = c.find((x) => x.tool === 'kubectl' && x.args.includes('wait'))!;
    expect(wait.args).to.include.members(['--for=condition=Ready', 'nodes', '--all']);
    expect(handle.backend).to.equal('kind');
    expect(handle.caCertPem).to.contain('BEGIN CERTIFICATE');
  });

  it('up: reuses an existing cluster by fetching its kubeconfig instead of creating it', async () => {
    await backend({}, { FAKE_KIND_CLUSTERS: 'other,rekey-chaos' }).up();
    const c = await calls();
    expect(c.some((x) => x.tool === 'kind' && x.args[0] === 'create')).to.equal(false);
    expect(c.some((x) => x.tool === 'kind' && x.args.join(' ') === 'get kubeconfig --name rekey-chaos')).to.equal(true);
  });

  it('deploy: TLS secret with the pod and service names, image build and load, helm values, manager manifests with the defect', async () => {
    // What the manager and Vault would produce, so deploy's readiness wait can succeed.
    for (let i = 0; i < 3; i++) {
      fx.store.create('pods', {
        apiVersion: 'v1', kind: 'Pod',
        metadata: { name: `sva-vault-${i}`, namespace: 'vault', labels: { component: 'server', 'app.kubernetes.io/name': 'vault', 'vault-sealed': 'false' } },
        spec: { nodeName: `rekey-chaos-worker${i ? i + 1 : ''}` }, status: { podIP: `10.244.${i}.5` },
      } as any);
    }
    for (let i = 0; i < 5; i++) fx.store.create('secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: `cluster-key-${i}`, namespace: 'vault' }, data: {} } as any);

    const b = backend({ images: ['starlingx/vault-manager:test'] });
    await b.up();
    await b.deploy({ manager: { kind: 'reference', defect: 'finalize-clears-milestones-first' } });
    const c = await calls();

    const tls = fx.store.get('secrets', 'vault', 'sva-vault-tls')!;
    const cert = new X509Certificate(Buffer.from((tls as any).data['tls.crt'], 'base64'));
    expect(cert.subjectAltName).to.contain('DNS:*.vault.pod.cluster.local');
    expect(cert.subjectAltName).to.contain('DNS:sva-vault-active.vault.svc.cluster.local');

    const build = c.find((x) => x.tool === 'docker' && x.args[0] === 'build')!;
    expect(build.args.slice(0, 3)).to.deep.equal(['build', '-t', 'rekey-chaos/vault-manager:dev']);
    const load = c.find((x) => x.tool === 'kind' && x.args[0] === 'load')!;
    expect(load.args).to.deep.equal(['load', 'docker-image', 'starlingx/vault-manager:test', 'rekey-chaos/vault-manager:dev', '--name', 'rekey-chaos']);

    const install = c.find((x) => x.tool === 'helm' && x.args[0] === 'upgrade')!;
    expect(install.args.slice(0, 4)).to.deep.equal(['upgrade', '--install', 'sva-vault', 'hashicorp/vault']);
    expect(install.args).to.include.members(['--namespace', 'vault', '--version', '0.28.1']);
    const values = parse(await readFile(install.args[install.args.indexOf('--values') + 1]!, 'utf8'));
    expect(values.server.ha).to.include({ enabled: true, replicas: 3 });
    expect(values.server.ha.raft.enabled).to.equal(true);
    expect(values.server.ha.raft.config).to.contain('service_registration "kubernetes"');
    expect(values.server.ha.raft.config).to.contain('tls_cert_file');
    expect(values.global.tlsDisable).to.equal(false);
    expect(values.server.image).to.deep.equal({ repository: 'hashicorp/vault', tag: '1.14.9' });

    const apply = c.find((x) => x.tool === 'kubectl' && x.args.includes('apply'))!;
    const docs = apply.stdin.split(/^---$/m).map((d) => parse(d));
    const sts = docs.find((d) => d.kind === 'StatefulSet');
    expect(sts.metadata.namespace).to.equal('vault');
    const container = sts.spec.template.spec.containers[0];
    expect(container.image).to.equal('rekey-chaos/vault-manager:dev');
    expect(container.env).to.deep.include({ name: 'MANAGER_DEFECT', value: 'finalize-clears-milestones-first' });
    expect(docs.find((d) => d.kind === 'RoleBinding').subjects[0].namespace).to.equal('vault');
    // the old manager pod is replaced so the defect takes effect now
    expect(c.some((x) => x.tool === 'kubectl' && x.args.includes('delete') && x.args.includes('component=manager'))).to.equal(true);
  });

  it('a user chart for the manager is installed with helm and its values file', async () => {
    const b = backend();
    await b.up();
    await b.redeployManager({ kind: 'chart:starlingx/vault-manager,values=/tmp/sx-values.yaml' });
    const install = (await calls()).find((x) => x.tool === 'helm' && x.args[0] === 'upgrade')!;
    expect(install.args.slice(0, 4)).to.deep.equal(['upgrade', '--install', 'sva-vault-manager', 'starlingx/vault-manager']);
    expect(install.args).to.include.members(['--values', '/tmp/sx-values.yaml']);
  });

  it('kill -9 runs on the node container through crictl, as the matrix does on real nodes', async () => {
    fx.store.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'sva-vault-1', namespace: 'vault' }, spec: { nodeName: 'rekey-chaos-worker2' } } as any);
    const b = backend();
    await b.up();
    await b.killProcess('vault', 'sva-vault-1');
    const docker = (await calls()).filter((x) => x.tool === 'docker' && x.args[0] === 'exec').map((x) => x.args);
    expect(docker[0]).to.deep.equal(['exec', 'rekey-chaos-worker2', 'crictl', 'ps', '-q', '--state', 'running', '--label', 'io.kubernetes.pod.namespace=vault', '--label', 'io.kubernetes.pod.name=sva-vault-1']);
    expect(docker[1]).to.include.members(['inspect', '3f2a9c1d0b7e']);
    expect(docker[2]).to.deep.equal(['exec', 'rekey-chaos-worker2', 'kill', '-9', '4242']);
  });

  it('down deletes the cluster by name', async () => {
    const b = backend();
    await b.up();
    await b.down();
    expect((await calls()).some((x) => x.tool === 'kind' && x.args.join(' ') === 'delete cluster --name rekey-chaos')).to.equal(true);
  });

  it('a missing tool is a ToolMissingError (exit 3) that says what to install', async () => {
    for (const tool of ['kind', 'helm', 'docker']) {
      const b = backend({}, { [`${tool.toUpperCase()}_BIN`]: path.join(dir, `no-such-${tool}`) });
      const err = await b.up().then(() => undefined, (e: unknown) => e);
      expect(err, tool).to.be.instanceOf(ToolMissingError);
      expect((err as ToolMissingError).exitCode).to.equal(3);
      expect((err as Error).message).to.match(new RegExp(`^${tool} not found on PATH: install`));
    }
  });

  it('a failing kind create surfaces kind\'s ERROR line as an EnvironmentError (exit 3)', async () => {
    const b = backend({}, { FAKE_FAIL: 'kind create=ERROR: failed to create cluster: node(s) already exist for a cluster with the name "rekey-chaos"' });
    const err = (await b.up().then(() => undefined, (e: unknown) => e)) as EnvironmentError;
    expect(err).to.be.instanceOf(EnvironmentError);
    expect(err.exitCode).to.equal(3);
    expect(err.message).to.contain('node(s) already exist for a cluster with the name "rekey-chaos"');
  });

  it('a failing helm install is an EnvironmentError naming helm', async () => {
    const b = backend({ buildManagerImage: false }, { FAKE_FAIL: 'helm upgrade=Error: INSTALLATION FAILED: chart "vault" version "0.28.1" not found' });
    await b.up();
    const err = (await b.deploy({ manager: { kind: 'reference' } }).then(() => undefined, (e: unknown) => e)) as EnvironmentError;
    expect(err).to.be.instanceOf(EnvironmentError);
    expect(err.message).to.match(/^helm upgrade --install sva-vault failed \(exit 1\): Error: INSTALLATION FAILED/);
  });
});
