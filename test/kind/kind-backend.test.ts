/**
 * The kind backend's command construction and error handling, with recording
 * fakes of kind, helm, docker and kubectl first on PATH (test/kind/fakes/).
 * The fake `kind create cluster` hands out a kubeconfig of an in-process
 * embedded API server, so the backend's Kubernetes API calls are real too.
 */
import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { X509Certificate } from 'node:crypto';
import { EnvironmentError, ToolMissingError } from '../../common/errors.js';
import { KIND_NODE_IMAGE } from '../../harness/backends/kind/config.js';
import { startFakeKind, storeFreshClusterKey, verb, waitForCall, type FakeKind } from './fake-cluster.js';

describe('kind backend with fake kind/helm/docker/kubectl on PATH', function () {
  this.timeout(60_000);
  let k: FakeKind;

  beforeEach(async () => {
    k = await startFakeKind();
  });
  afterEach(async () => {
    await k.stop();
  });

  it('up: checks every tool, creates the cluster from a generated config on stdin, waits for the workers', async () => {
    const handle = await k.backend().up();
    const c = await k.calls();
    expect(c.slice(0, 4).map((x) => `${x.tool} ${x.args[0]}`)).to.deep.equal(['docker version', 'kind version', 'helm version', 'kubectl version']);
    const create = c.find((x) => x.tool === 'kind' && x.args[0] === 'create')!;
    expect(create.args).to.deep.equal(['create', 'cluster', '--name', 'rekey-chaos', '--config', '-', '--wait', '120s', '--kubeconfig', handle.kubeconfigPath]);
    const config = parse(create.stdin);
    expect(config.kind).to.equal('Cluster');
    expect(config.nodes.map((n: any) => n.role)).to.deep.equal(['control-plane', 'worker', 'worker', 'worker']);
    expect(config.nodes.map((n: any) => n.image)).to.deep.equal(Array(4).fill(KIND_NODE_IMAGE));
    expect(config.nodes.slice(1).map((n: any) => n.labels['rekey-chaos/node'])).to.deep.equal(['controller-0', 'controller-1', 'worker-0']);
    const wait = c.find((x) => x.tool === 'kubectl' && verb(x)[0] === 'wait')!;
    expect(wait.args).to.include.members(['--for=condition=Ready', 'nodes', '--all', '--kubeconfig', handle.kubeconfigPath]);
    expect(handle.backend).to.equal('kind');
    expect(handle.caCertPem).to.contain('BEGIN CERTIFICATE');
  });

  it('up: reuses an existing cluster by fetching its kubeconfig instead of creating it', async () => {
    await k.backend({}, { FAKE_KIND_CLUSTERS: 'other,rekey-chaos' }).up();
    const c = await k.calls();
    expect(c.some((x) => x.tool === 'kind' && x.args[0] === 'create')).to.equal(false);
    expect(c.some((x) => x.tool === 'kind' && x.args.join(' ') === 'get kubeconfig --name rekey-chaos')).to.equal(true);
  });

  it('deploy: TLS secret with the pod and service names, image build and load, helm values, manager manifests with the defect', async () => {
    await storeFreshClusterKey(k.fx);
    const b = k.backend({ images: ['starlingx/vault-manager:test'] });
    await b.up();
    // The reset before the install wipes procedure secrets; the manager stores fresh ones after it.
    const wiped = b.deploy({ manager: { kind: 'reference', defect: 'finalize-clears-milestones-first' } });
    await waitForCall(k, (x) => x.tool === 'helm' && x.args[0] === 'upgrade');
    await storeFreshClusterKey(k.fx);
    await wiped;
    const c = await k.calls();

    const tls = k.fx.store.get('secrets', 'vault', 'sva-vault-tls')!;
    const cert = new X509Certificate(Buffer.from((tls as any).data['tls.crt'], 'base64'));
    expect(cert.subjectAltName).to.contain('DNS:*.vault.pod.cluster.local');
    expect(cert.subjectAltName).to.contain('DNS:sva-vault-active.vault.svc.cluster.local');

    const build = c.find((x) => x.tool === 'docker' && x.args[0] === 'build')!;
    expect(build.args.slice(0, 3)).to.deep.equal(['build', '-t', 'rekey-chaos/vault-manager:dev']);
    const loads = c.filter((x) => x.tool === 'kind' && x.args[0] === 'load').map((x) => x.args.join(' '));
    expect(loads).to.deep.equal([
      'load docker-image hashicorp/vault:1.14.0 --name rekey-chaos',
      'load docker-image rekey-chaos/vault-manager:dev --name rekey-chaos',
      'load docker-image starlingx/vault-manager:test --name rekey-chaos',
    ]);

    const install = c.find((x) => x.tool === 'helm' && x.args[0] === 'upgrade')!;
    expect(install.args.slice(0, 4)).to.deep.equal(['upgrade', '--install', 'sva-vault', 'hashicorp/vault']);
    expect(install.args).to.include.members(['--namespace', 'vault', '--version', '0.28.1']);
    const values = parse(await readFile(install.args[install.args.indexOf('--values') + 1]!, 'utf8'));
    expect(values.server.ha).to.include({ enabled: true, replicas: 3 });
    expect(values.server.ha.raft.config).to.contain('service_registration "kubernetes"');
    expect(values.global.tlsDisable).to.equal(false);
    expect(values.server.image).to.deep.equal({ repository: 'hashicorp/vault', tag: '1.14.0' });

    const apply = c.find((x) => x.tool === 'kubectl' && verb(x)[0] === 'apply')!;
    const docs = apply.stdin.split(/^---$/m).map((d) => parse(d));
    const sts = docs.find((d) => d.kind === 'StatefulSet');
    expect(sts.metadata.namespace).to.equal('vault');
    const container = sts.spec.template.spec.containers[0];
    expect(container.image).to.equal('rekey-chaos/vault-manager:dev');
    expect(container.env).to.deep.include({ name: 'MANAGER_DEFECT', value: 'finalize-clears-milestones-first' });
    expect(docs.find((d) => d.kind === 'RoleBinding').subjects[0].namespace).to.equal('vault');
  });

  it('redeployManager replaces the manager pods so a changed defect takes effect now', async () => {
    const b = k.backend();
    await b.up();
    await b.redeployManager({ kind: 'reference', defect: 'skip-verify' });
    const c = await k.calls();
    expect(c.some((x) => x.tool === 'kubectl' && verb(x).join(' ') === 'delete pod --namespace vault -l component=manager --wait=false')).to.equal(true);
  });

  it('kill -9 runs on the node container through crictl, as the matrix does on real nodes', async () => {
    k.fx.store.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'sva-vault-1', namespace: 'vault' }, spec: { nodeName: 'rekey-chaos-worker2', containers: [{ name: 'vault', image: 'x' }] } } as any);
    const b = k.backend();
    await b.up();
    await b.killProcess('vault', 'sva-vault-1');
    const docker = (await k.calls()).filter((x) => x.tool === 'docker' && x.args[0] === 'exec').map((x) => x.args);
    expect(docker[0]).to.deep.equal(['exec', 'rekey-chaos-worker2', 'crictl', 'ps', '-q', '--state', 'running', '--label', 'io.kubernetes.pod.namespace=vault', '--label', 'io.kubernetes.pod.name=sva-vault-1']);
    expect(docker[1]).to.include.members(['inspect', '3f2a9c1d0b7e']);
    expect(docker[2]).to.deep.equal(['exec', 'rekey-chaos-worker2', 'kill', '-9', '4242']);
  });

  it('a missing tool is a ToolMissingError (exit 3) that says what to install', async () => {
    for (const tool of ['kind', 'helm', 'docker']) {
      const b = k.backend({}, { [`${tool.toUpperCase()}_BIN`]: path.join(k.dir, `no-such-${tool}`) });
      const err = await b.up().then(() => undefined, (e: unknown) => e);
      expect(err, tool).to.be.instanceOf(ToolMissingError);
      expect((err as ToolMissingError).exitCode).to.equal(3);
      expect((err as Error).message).to.match(new RegExp(`^${tool} not found on PATH: install`));
    }
  });

  it("a failing kind create surfaces kind's ERROR line as an EnvironmentError (exit 3)", async () => {
    const b = k.backend({}, { FAKE_FAIL: 'kind create=ERROR: failed to create cluster: node(s) already exist for a cluster with the name "rekey-chaos"' });
    const err = (await b.up().then(() => undefined, (e: unknown) => e)) as EnvironmentError;
    expect(err).to.be.instanceOf(EnvironmentError);
    expect(err.exitCode).to.equal(3);
    expect(err.message).to.contain('node(s) already exist for a cluster with the name "rekey-chaos"');
  });

  it('a failing helm install is an EnvironmentError naming helm', async () => {
    const b = k.backend({ buildManagerImage: false }, { FAKE_FAIL: 'helm upgrade=Error: INSTALLATION FAILED: chart "vault" version "0.28.1" not found' });
    await b.up();
    const err = (await b.deploy({ manager: { kind: 'reference' } }).then(() => undefined, (e: unknown) => e)) as EnvironmentError;
    expect(err).to.be.instanceOf(EnvironmentError);
    expect(err.message).to.match(/^helm upgrade --install sva-vault failed \(exit 1\): Error: INSTALLATION FAILED/);
  });
});
