/**
 * kubectl as users type it against the embedded cluster: watching pods,
 * patching a pod's spec, logs with timestamps, `kubectl run`, and the
 * streaming subresources (exec, cp, attach, port-forward) this cluster does
 * not serve, which must say so readably.
 */
import { expect } from 'chai';
import { execa } from 'execa';
import { findKubectl, kubectlFor, startFixture, waitFor, type Fixture } from './fixture.js';

const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
const RFC3339_NANO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z /;

describe('apiserver: kubectl as users type it', function () {
  this.timeout(60_000);
  let fx: Fixture;
  let kubectl: ReturnType<typeof kubectlFor>;
  const kubectlPath = findKubectl();

  before(async function () {
    if (!kubectlPath) this.skip();
    fx = await startFixture();
    kubectl = kubectlFor(fx, kubectlPath!);
    fx.store.create('pods', {
      metadata: { name: 'sva-vault-0', namespace: 'vault', labels: { component: 'server' } },
      spec: { nodeName: 'controller-0', containers: [{ name: 'vault', image: 'embedded' }] },
      status: { phase: 'Running', podIP: '127.53.0.10', containerStatuses: [{ name: 'vault', ready: true, restartCount: 0, state: { running: {} } }] },
    });
  });
  after(async () => fx?.stop());

  it('a watch asked for a Table carries one-row Tables, and kubectl get pods -w prints a row per change', async () => {
    const raw = await fx.call('GET', `/api/v1/namespaces/vault/pods?watch=true&timeoutSeconds=1`, undefined, { accept: TABLE_ACCEPT });
    const first = JSON.parse(raw.text.split('\n')[0]!);
    expect(first.type).to.equal('ADDED');
    expect(first.object).to.deep.include({ kind: 'Table', apiVersion: 'meta.k8s.io/v1' });
    expect(first.object.rows).to.have.length(1);
    expect(first.object.rows[0].cells.slice(0, 3)).to.deep.equal(['sva-vault-0', '1/1', 'Running']);

    const watcher = execa(kubectlPath!, ['get', 'pods', '-w'], { env: { KUBECONFIG: fx.kubeconfigPath, HOME: fx.dir, PATH: process.env.PATH ?? '' }, extendEnv: false, reject: false });
    let out = '';
    const listed = waitFor('the listed row', () => /sva-vault-0\s+1\/1\s+Running/.test(out), 20000);
    const changed = waitFor('the row of the change', () => /sva-vault-0\s+0\/1\s+CrashLoopBackOff\s+3/.test(out), 20000);
    watcher.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      listed.poke();
      changed.poke();
    });
    try {
      await listed.promise;
      fx.store.update('pods', 'vault', 'sva-vault-0', (pod) => {
        pod.status = { phase: 'Running', podIP: '127.53.0.10', containerStatuses: [{ name: 'vault', ready: false, restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } } }] };
      });
      await changed.promise;
      expect(out.split('\n')[0]).to.match(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
    } finally {
      watcher.kill('SIGTERM');
      await watcher;
    }
  });

  it('kubectl patch of a pod spec field is 422 Invalid with the fields Kubernetes lets change; labels still patch', async () => {
    const res = await kubectl(['patch', 'pod', 'sva-vault-0', '-p', '{"spec":{"nodeName":"worker-0"}}']);
    expect(res.exitCode).to.not.equal(0);
    expect(res.stderr).to.contain('The Pod "sva-vault-0" is invalid: spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`');
    expect(res.stderr).to.contain('spec.nodeName: "controller-0" -> "worker-0"');
    expect((fx.store.get('pods', 'vault', 'sva-vault-0').spec as { nodeName: string }).nodeName).to.equal('controller-0');
    const labelled = await kubectl(['patch', 'pod', 'sva-vault-0', '-p', '{"metadata":{"labels":{"vault-active":"true"}}}']);
    expect(labelled.exitCode, labelled.stderr).to.equal(0);
    const image = await kubectl(['patch', 'pod', 'sva-vault-0', '--type=json', '-p', '[{"op":"replace","path":"/spec/containers/0/image","value":"embedded:2"}]']);
    expect(image.exitCode, image.stderr).to.equal(0);
  });

  it('kubectl logs --timestamps prefixes every line with an RFC 3339 time with nanoseconds', async () => {
    const written = BigInt(Date.UTC(2030, 0, 2, 3, 4, 5)) * 1_000_000n + 123_456n;
    fx.server.setLogProvider(async function* () {
      yield 'plain one\nplain two\n';
      yield { line: 'timed line', writtenAtNs: written };
    });
    try {
      const res = await kubectl(['logs', 'sva-vault-0', '--timestamps']);
      expect(res.exitCode, res.stderr).to.equal(0);
      const lines = res.stdout.split('\n');
      expect(lines).to.have.length(3);
      expect(lines[0]).to.match(RFC3339_NANO).and.match(/ plain one$/);
      expect(lines[1]).to.match(RFC3339_NANO).and.match(/ plain two$/);
      expect(lines[2]).to.equal('2030-01-02T03:04:05.000123456Z timed line');
      const plain = await kubectl(['logs', 'sva-vault-0']);
      expect(plain.stdout).to.equal('plain one\nplain two\ntimed line');
    } finally {
      fx.server.setLogProvider(undefined);
    }
  });

  it('kubectl run is refused with a Forbidden that says why, and no pod is left behind', async () => {
    const res = await kubectl(['run', 'x', '--image=busybox']);
    expect(res.exitCode).to.not.equal(0);
    expect(res.stderr).to.equal('Error from server (Forbidden): pods "x" is forbidden: the rekey-chaos embedded cluster runs only its own workloads (its node agent creates their pods); a pod created through the API would never run');
    expect(fx.store.list('pods', undefined).items.map((p) => p.metadata.name)).to.deep.equal(['sva-vault-0']);
  });

  it('exec, cp, attach and port-forward say the embedded cluster does not support them', async () => {
    const cases: Array<[string[], string]> = [
      [['exec', 'sva-vault-0', '--', 'ls'], 'exec'],
      [['cp', 'sva-vault-0:/etc/hosts', `${fx.dir}/hosts`], 'exec'],
      [['attach', 'sva-vault-0'], 'attach'],
      [['port-forward', 'sva-vault-0', '18200:8200'], 'portforward'],
    ];
    for (const [args, sub] of cases) {
      const res = await kubectl(args);
      expect(res.exitCode, args.join(' ')).to.not.equal(0);
      expect(res.stderr, args.join(' ')).to.contain(`pods/${sub} is not supported by the rekey-chaos embedded cluster`);
    }
    const ghost = await fx.call('POST', '/api/v1/namespaces/vault/pods/ghost/exec?command=ls');
    expect(ghost.status).to.equal(404);
    const status = await fx.call('POST', '/api/v1/namespaces/vault/pods/sva-vault-0/exec?command=ls');
    expect(status.json).to.deep.include({ kind: 'Status', code: 405, reason: 'MethodNotAllowed' });
  });
});
