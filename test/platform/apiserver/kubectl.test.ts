import { expect } from 'chai';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { findKubectl, startFixture, type Fixture } from './fixture.js';

describe('apiserver via real kubectl', function () {
  let fx: Fixture;
  const kubectlPath = findKubectl();

  before(async function () {
    if (!kubectlPath) {
      console.warn('    kubectl not on PATH: skipping the kubectl suite (scripts/setup.sh installs one)');
      this.skip();
    }
    fx = await startFixture();
    fx.server.setLogProvider(async function* (req) {
      if (req.container !== undefined && req.container !== 'vault') throw new Error('unexpected container');
      yield `log of ${req.pod.metadata.name}\n`;
      yield `tail=${req.tailLines ?? 'all'}\n`;
    });
    fx.store.create('pods', {
      metadata: { name: 'sva-vault-0', namespace: 'vault', labels: { component: 'server', 'app.kubernetes.io/name': 'vault' } },
      spec: { nodeName: 'controller-0', containers: [{ name: 'vault', image: 'embedded' }] },
      status: { phase: 'Running', podIP: '127.43.0.10' },
    });
    fx.store.create('pods', {
      metadata: { name: 'sva-vault-manager-0', namespace: 'vault', labels: { component: 'manager' } },
      spec: { nodeName: 'controller-0', containers: [{ name: 'manager', image: 'embedded' }] },
      status: { phase: 'Running', podIP: '127.43.0.11' },
    });
  });
  after(async () => {
    await fx?.stop();
  });

  /** Runs kubectl against the fixture with an isolated HOME (discovery cache) and no ambient config. */
  const kubectl = (...args: string[]) =>
    execa(kubectlPath!, args, { env: { KUBECONFIG: fx.kubeconfigPath, HOME: fx.dir, PATH: process.env.PATH ?? '' }, extendEnv: false, reject: false, timeout: 30000 });

  it('get secrets, create secret generic --from-file, read it back by jsonpath', async () => {
    const empty = await kubectl('get', 'secrets');
    expect(empty.exitCode, empty.stderr).to.equal(0);
    expect(empty.stderr + empty.stdout).to.match(/No resources found in vault namespace/);
    const file = join(fx.dir, 'shard.txt');
    await writeFile(file, 'not-a-real-shard-0123\n');
    const created = await kubectl('create', 'secret', 'generic', 'cluster-key-0', '--from-file=strdata=' + file);
    expect(created.exitCode, created.stderr).to.equal(0);
    expect(created.stdout).to.equal('secret/cluster-key-0 created');
    const read = await kubectl('get', 'secret', 'cluster-key-0', '-o', 'jsonpath={.data.strdata}');
    expect(read.exitCode, read.stderr).to.equal(0);
    expect(Buffer.from(read.stdout, 'base64').toString()).to.equal('not-a-real-shard-0123\n');
    const listed = await kubectl('get', 'secrets');
    expect(listed.stdout).to.match(/^NAME\s+/);
    expect(listed.stdout).to.contain('cluster-key-0');
    const missing = await kubectl('get', 'secret', 'nope');
    expect(missing.exitCode).to.not.equal(0);
    expect(missing.stderr).to.contain('secrets "nope" not found');
  });

  it('delete secrets a b c', async () => {
    for (const n of ['a', 'b', 'c']) fx.store.create('secrets', { metadata: { name: n, namespace: 'vault' } });
    const res = await kubectl('delete', 'secrets', 'a', 'b', 'c');
    expect(res.exitCode, res.stderr).to.equal(0);
    expect(res.stdout.split('\n')).to.deep.equal(['secret "a" deleted', 'secret "b" deleted', 'secret "c" deleted']);
    expect(fx.store.list('secrets', 'vault').items.map((s) => s.metadata.name)).to.not.include.members(['a', 'b', 'c']);
  });

  it('get pods -l with jsonpath, label pod --overwrite', async () => {
    const names = await kubectl('get', 'pods', '-l', 'component=server', '-o', 'jsonpath={.items[*].metadata.name}');
    expect(names.exitCode, names.stderr).to.equal(0);
    expect(names.stdout).to.equal('sva-vault-0');
    const ips = await kubectl('get', 'po', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.status.podIP}{"\\n"}{end}');
    expect(ips.stdout.trim().split('\n')).to.deep.equal(['sva-vault-0=127.43.0.10', 'sva-vault-manager-0=127.43.0.11']);
    const labelled = await kubectl('label', 'pod', 'sva-vault-0', 'vault-active=true', '--overwrite');
    expect(labelled.exitCode, labelled.stderr).to.equal(0);
    expect(fx.store.get('pods', 'vault', 'sva-vault-0').metadata.labels).to.deep.include({ 'vault-active': 'true', component: 'server' });
    const relabelled = await kubectl('label', 'pod', 'sva-vault-0', 'vault-active=false', '--overwrite');
    expect(relabelled.exitCode, relabelled.stderr).to.equal(0);
    const active = await kubectl('get', 'pods', '-l', 'vault-active=false', '-o', 'jsonpath={.items[*].metadata.name}');
    expect(active.stdout).to.equal('sva-vault-0');
  });

  it('logs, with container and tail options', async () => {
    const logs = await kubectl('logs', 'sva-vault-0');
    expect(logs.exitCode, logs.stderr).to.equal(0);
    expect(logs.stdout).to.equal('log of sva-vault-0\ntail=all');
    const tailed = await kubectl('logs', 'sva-vault-0', '-c', 'vault', '--tail=5');
    expect(tailed.stdout).to.equal('log of sva-vault-0\ntail=5');
    const nopod = await kubectl('logs', 'ghost');
    expect(nopod.exitCode).to.not.equal(0);
    expect(nopod.stderr).to.contain('pods "ghost" not found');
  });
});
