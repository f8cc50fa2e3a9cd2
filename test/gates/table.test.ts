/**
 * Server-side printing: the meta.k8s.io/v1 Table for pods and secrets, as
 * JSON and through the real kubectl (skipped when kubectl is absent).
 */
import { expect } from 'chai';
import { execa } from 'execa';
import { shortAge } from '../../platform/apiserver/table.js';
import { findKubectl, startFixture, type Fixture } from '../platform/apiserver/fixture.js';

const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

describe('gates: kubectl table output', function () {
  this.timeout(30_000);
  let fx: Fixture;
  const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

  before(async () => {
    fx = await startFixture();
    fx.store.create('pods', {
      metadata: { name: 'sva-vault-0', namespace: 'vault' },
      spec: { nodeName: 'controller-0', containers: [{ name: 'vault' }] },
      status: {
        phase: 'Running',
        podIP: '127.51.0.10',
        containerStatuses: [{ name: 'vault', ready: true, restartCount: 2, state: { running: {} }, lastState: { terminated: { reason: 'Error', finishedAt: minutesAgo(3) } } }],
      },
    });
    fx.store.create('pods', {
      metadata: { name: 'sva-vault-manager-0', namespace: 'vault' },
      spec: { nodeName: 'worker-0', containers: [{ name: 'manager' }] },
      status: { phase: 'Running', podIP: '127.51.0.11', containerStatuses: [{ name: 'manager', ready: false, restartCount: 0, state: { waiting: { reason: 'CrashLoopBackOff' } } }] },
    });
    fx.store.create('secrets', { metadata: { name: 'cluster-key-0', namespace: 'vault' }, stringData: { strdata: 'x', other: 'y' } });
  });
  after(async () => fx?.stop());

  it('answers a Table for lists and single objects when asked, with metadata rows; plain JSON otherwise', async () => {
    const list = await fx.call('GET', '/api/v1/namespaces/vault/pods', undefined, { accept: TABLE_ACCEPT });
    expect(list.json).to.include({ kind: 'Table', apiVersion: 'meta.k8s.io/v1' });
    expect(list.json.columnDefinitions.map((c: { name: string }) => c.name)).to.deep.equal(['Name', 'Ready', 'Status', 'Restarts', 'Age', 'IP', 'Node', 'Nominated Node', 'Readiness Gates']);
    expect(list.json.columnDefinitions.filter((c: { priority: number }) => c.priority === 1).map((c: { name: string }) => c.name)).to.include.members(['IP', 'Node']);
    const [vault, mgr] = list.json.rows;
    expect(vault.cells.slice(0, 3)).to.deep.equal(['sva-vault-0', '1/1', 'Running']);
    expect(vault.cells[3]).to.match(/^2 \(3m\d*s? ago\)$/);
    expect(vault.cells.slice(5, 7)).to.deep.equal(['127.51.0.10', 'controller-0']);
    expect(vault.object).to.include({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1' });
    expect(vault.object.metadata.name).to.equal('sva-vault-0');
    expect(mgr.cells.slice(0, 4)).to.deep.equal(['sva-vault-manager-0', '0/1', 'CrashLoopBackOff', '0']);

    const one = await fx.call('GET', '/api/v1/namespaces/vault/secrets/cluster-key-0?includeObject=None', undefined, { accept: TABLE_ACCEPT });
    expect(one.json.rows).to.have.length(1);
    expect(one.json.rows[0].cells.slice(0, 3)).to.deep.equal(['cluster-key-0', 'Opaque', 2]);
    expect(one.json.rows[0]).to.not.have.property('object');
    expect((await fx.call('GET', '/api/v1/namespaces/vault/secrets', undefined, { accept: 'application/json' })).json.kind).to.equal('SecretList');
  });

  it('ages read like kubectl ages', () => {
    const s = 1000;
    const cases: Array<[number, string]> = [
      [5 * s, '5s'],
      [119 * s, '119s'],
      [150 * s, '2m30s'],
      [600 * s, '10m'],
      [3 * 3600 * s + 5 * 60 * s, '3h5m'],
      [30 * 3600 * s, '30h'],
      [3 * 86400 * s + 2 * 3600 * s, '3d2h'],
      [40 * 86400 * s, '40d'],
      [3 * 365 * 86400 * s + 4 * 86400 * s, '3y4d'],
      [-5 * s, '0s'],
    ];
    for (const [ms, want] of cases) expect(shortAge(ms), String(ms)).to.equal(want);
  });

  it('kubectl get pods -o wide and get secrets print the server columns', async function () {
    const kubectlPath = findKubectl();
    if (!kubectlPath) {
      console.warn('    kubectl not on PATH: skipping');
      this.skip();
    }
    const kubectl = (...args: string[]) =>
      execa(kubectlPath!, args, { env: { KUBECONFIG: fx.kubeconfigPath, HOME: fx.dir, PATH: process.env.PATH ?? '' }, extendEnv: false, reject: false, timeout: 30_000 });
    const wide = await kubectl('get', 'pods', '-o', 'wide');
    expect(wide.exitCode, wide.stderr).to.equal(0);
    const lines = wide.stdout.split('\n');
    expect(lines[0]).to.match(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES$/);
    expect(lines[1]).to.match(/^sva-vault-0\s+1\/1\s+Running\s+2 \(3m\d*s? ago\)\s+\S+\s+127\.51\.0\.10\s+controller-0\s+<none>\s+<none>$/);
    expect(lines[2]).to.match(/^sva-vault-manager-0\s+0\/1\s+CrashLoopBackOff\s+0\s+\S+\s+127\.51\.0\.11\s+worker-0\s/);
    const narrow = await kubectl('get', 'pods');
    expect(narrow.stdout.split('\n')[0]).to.match(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
    const secrets = await kubectl('get', 'secrets');
    expect(secrets.exitCode, secrets.stderr).to.equal(0);
    expect(secrets.stdout.split('\n')[0]).to.match(/^NAME\s+TYPE\s+DATA\s+AGE$/);
    expect(secrets.stdout.split('\n')[1]).to.match(/^cluster-key-0\s+Opaque\s+2\s+\d+s$/);
  });
});
