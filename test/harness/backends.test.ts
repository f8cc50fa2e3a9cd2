/**
 * Backends against the real embedded control plane (a daemon process on
 * 127.46.0.*): lifecycle leaves no process behind, and the kubeconfig
 * backend works through nothing but a kubeconfig.
 */
import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EnvironmentError, UsageError } from '../../common/errors.js';
import { createBackend } from '../../harness/backends/index.js';
import { KubeconfigBackend, tcpReachable } from '../../harness/backends/kubeconfig.js';
import net from 'node:net';
import * as k8s from '@kubernetes/client-node';
import type { PodApi } from '../../harness/faults/pod-api.js';
import { WatchedPods } from '../../harness/faults/watched-pods.js';
import { pidAlive } from '../../common/process.js';
import { readDaemonPid } from '../../platform/agent/state-files.js';
import { createCa } from '../../platform/pki.js';

/** Backends load lazily (dynamic import); the classes are still the ones imported here (module-identity.test.ts). */
function expectTyped(err: unknown, cls: abstract new (...args: never[]) => Error, exitCode: number): void {
  expect(err, 'an error').to.be.instanceOf(cls);
  expect((err as { exitCode?: number }).exitCode).to.equal(exitCode);
}

describe('harness/backends backends (embedded control plane)', function () {
  this.timeout(60_000);
  let stateDir: string;
  before(async () => {
    stateDir = await mkdtemp(path.join(tmpdir(), 'rekey-chaos-backend-'));
  });
  after(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  it('embedded: up gives a handle on a live API; disposing the backend (down) leaves no daemon', async () => {
    let pid: number | undefined;
    {
      await using embedded = await createBackend('embedded', { stateDir, ipBase: '127.46.0' });
      const handle = await embedded.up();
      expect(handle.backend).to.equal('embedded');
      expect(handle.names).to.include({ namespace: 'vault', fullname: 'sva-vault' });
      expect(handle.statusRateMs).to.equal(100);
      expect(await handle.vaultEndpoints()).to.deep.equal([]);
      pid = readDaemonPid(stateDir);
      expect(pid !== undefined && pidAlive(pid)).to.equal(true);

      // the kubeconfig backend, on the same API server, through the kubeconfig alone
      // the backend accepts only a file holding a PEM certificate; this one signs nothing here
      const ca = (await createCa(path.join(stateDir, 'test-vault-ca'))).certPath;
      // The fault targets' pod list comes from a watch-fed cache once synced, and straight from the API before.
      const kc = new k8s.KubeConfig();
      kc.loadFromFile(handle.kubeconfigPath);
      const direct: PodApi = { listPods: async () => [{ metadata: { name: 'from-the-api' } }], deletePod: async () => undefined };
      const watched = new WatchedPods(kc, 'vault', direct);
      expect((await watched.listPods('vault')).map((p) => p.metadata?.name)).to.deep.equal(['from-the-api']);
      await watched.start();
      try {
        expect(await watched.listPods('vault')).to.deep.equal([]); // the real (empty) namespace, from the cache
        expect(watched.stats).to.deep.equal({ cached: 1, direct: 1 });
      } finally {
        await watched.stop();
    }

    await using kcb = await createBackend('kubeconfig', { kubeconfig: handle.kubeconfigPath, caCertPath: ca });
    await kcb.up();
    const deploy = await kcb.deploy({ manager: { kind: 'reference' } }).then(() => undefined, (e: unknown) => e);
    expectTyped(deploy, EnvironmentError, 3);
    expect((deploy as Error).message).to.match(/0 Vault server pod\(s\) and 0 manager pod\(s\)/);
    // Capabilities: an existing cluster's nodes, logs and gates are not the harness's.
    expect(kcb.loseNode).to.equal(undefined);
    expect(kcb.collectLogs).to.equal(undefined);
    expect(kcb.gates).to.equal(undefined);
    expect(kcb.killProcess).to.be.a('function');
    }
    // Leaving the block disposed both backends: the embedded one's down stopped its daemon.
    expect(pidAlive(pid!)).to.equal(false);
  });

  it('kubeconfig: an unreachable API is an environment error; a missing CA is bad usage', async () => {
    const bad = path.join(stateDir, 'bad-kubeconfig');
    await writeFile(
      bad,
      `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "http://127.46.0.1:9", insecure-skip-tls-verify: true}}]\nusers: [{name: u, user: {token: x}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n`,
    );
    const b = await createBackend('kubeconfig', { kubeconfig: bad, caCertPath: '/nonexistent' });
    const err = await b.up().then(() => undefined, (e: unknown) => e);
    expectTyped(err, EnvironmentError, 3);
    const unknown = await createBackend('nope' as 'embedded').then(() => undefined, (e: unknown) => e);
    expectTyped(unknown, UsageError, 2);
  });

  it('kubeconfig: Vault is reached at pod IPs when they answer, through port-forwards when not, or as the user says', async () => {
    const server = net.createServer((socket) => socket.on('error', () => {}).end()); // the probe may hang up first
    await new Promise<void>((resolve) => server.listen(0, '127.46.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    try {
      expect(await tcpReachable('127.46.0.1', port)).to.equal(true);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    expect(await tcpReachable('127.46.0.1', port)).to.equal(false); // closed: refused at once

    // 127.46.0.250 has nothing on 8200 in this suite: auto picks the port-forward, once, whatever the later pods say.
    const auto = new KubeconfigBackend({});
    expect(await Promise.all([auto.vaultAccess('127.46.0.250'), auto.vaultAccess('127.0.0.1')])).to.deep.equal(['port-forward', 'port-forward']);
    expect(await new KubeconfigBackend({ vaultAccess: 'pod-ip' }).vaultAccess('127.46.0.250')).to.equal('pod-ip');
    expect(await new KubeconfigBackend({ vaultAccess: 'port-forward' }).vaultAccess('127.46.0.250')).to.equal('port-forward');
  });
});
