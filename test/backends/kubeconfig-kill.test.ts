/**
 * The kubeconfig backend's process kill against @kubernetes/client-node's
 * real Exec (WebSocket) path, with containers whose processes live in real
 * PID namespaces (test/backends/fixtures/ns-container.ts; needs root and
 * unshare, else skipped): a kill -9 of PID 1 from inside is ignored by the
 * kernel and must be reported as not landed; in a shared PID namespace the
 * main process dies and the kill lands. Also the Vault CA read from the
 * cluster's secrets. Listeners on 127.72.0.1.
 */
import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { EnvironmentError } from '../../common/errors.js';
import { pidAlive } from '../../common/process.js';
import { KubeconfigBackend } from '../../harness/backends/kubeconfig.js';
import { KillNotLandedError } from '../../harness/backends/kubeconfig-kill.js';
import { applyFault } from '../../harness/faults/inject.js';
import { kubePodApi } from '../../harness/faults/pod-api.js';
import { startFakeKubeApi, type FakeKubeApi } from './fixtures/fake-kube-api.js';
import { canUnsharePid, NsContainer } from './fixtures/ns-container.js';
import { createCa, issueServerCertificate } from '../../platform/pki.js';

const HOST = '127.72.0.1';
const NS = 'vault';
/** A manager like StarlingX's: a bash loop that forks subshells and children. */
const BASH_MANAGER = ['bash', '-c', 'while :; do x=$(echo tick); sleep 0.2; done'];
const managerLabels = { component: 'manager', 'app.kubernetes.io/name': 'vault-manager' };

describe('harness/backends kubeconfig: process kill through exec, PID namespaces and the Vault CA', function () {
  this.timeout(120_000);
  let dir: string;
  let api: FakeKubeApi;
  let ownNs: NsContainer;
  let sharedNs: NsContainer;
  let kubeconfig: string;
  let caPem: string;
  let caFile: string;

  before(async function () {
    if (!canUnsharePid()) return this.skip(); // needs root and unshare(CLONE_NEWPID)
    dir = await mkdtemp(path.join(tmpdir(), 'rekey-chaos-kc-kill-'));
    ownNs = new NsContainer('own-namespace', BASH_MANAGER);
    sharedNs = new NsContainer('shared-namespace', BASH_MANAGER);
    await Promise.all([ownNs.start(), sharedNs.start()]);
    const ca = await createCa(dir);
    caPem = ca.certPem;
    const leaf = await issueServerCertificate({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, commonName: 'fake-kube-api', dnsNames: ['localhost'], ipAddresses: [HOST] });
    api = await startFakeKubeApi({
      tls: { certPem: leaf.certPem, keyPem: leaf.keyPem, caPem },
      host: HOST,
      namespace: NS,
      pods: [
        { name: 'sva-vault-manager-0', labels: managerLabels, container: 'manager', runtime: ownNs },
        { name: 'shared-manager-0', labels: managerLabels, container: 'manager', runtime: sharedNs },
      ],
      secrets: { 'vault-ca': { 'tls.crt': ca.certPem }, 'not-a-ca': { 'ca.crt': 'hello' } },
    });
    kubeconfig = path.join(dir, 'kubeconfig');
    api.writeKubeconfig(kubeconfig);
    caFile = path.join(dir, 'vault-ca.crt');
    await writeFile(caFile, caPem);
  });
  after(async () => {
    await api?.close();
    await Promise.all([ownNs?.stop(), sharedNs?.stop()]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function upBackend(options: ConstructorParameters<typeof KubeconfigBackend>[0] = {}): Promise<KubeconfigBackend> {
    // the kill tests name the CA file; where the CA comes from otherwise is the last test's subject
    const backend = new KubeconfigBackend({ kubeconfig, caCertPath: caFile, vaultAccess: 'port-forward', ...options });
    await backend.up();
    return backend;
  }

  it('the kernel ignores kill -9 of PID 1 from inside the namespace: a bare kill exits 0 and is not taken as landed', async () => {
    const before = ownNs.restartCount;
    const main = await ownNs.mainHostPid();
    // what an exec kill of PID 1 does: the command succeeds and nothing dies
    const backend = await upBackend({ killCommands: { manager: ['sh', '-c', 'kill -9 1'] }, killConfirmMs: 1500 });
    const err = await backend.killProcess(NS, 'sva-vault-manager-0').then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(KillNotLandedError);
    expect((err as KillNotLandedError).reason).to.match(/did not restart within 1500 ms/);
    expect(pidAlive(main), 'PID 1 survived').to.equal(true);
    expect(ownNs.restartCount).to.equal(before);
    expect(api.execs.at(-1)).to.deep.equal(['sh', '-c', 'kill -9 1']);
  });

  it('the default kill sees that the main process is PID 1 and reports it at once, naming the way out', async () => {
    const main = await ownNs.mainHostPid();
    const backend = await upBackend();
    const err = await backend.killProcess(NS, 'sva-vault-manager-0').then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(KillNotLandedError);
    expect((err as Error).message).to.match(/main process bash is PID 1 of the container's PID namespace/);
    expect((err as Error).message).to.contain('shareProcessNamespace: true');
    expect(pidAlive(main)).to.equal(true);
    // the loop's subshells are bash too, yet children of the main bash: never mistaken for it
    expect(ownNs.restartCount).to.equal(0);
  });

  it('in a shared PID namespace (pause is PID 1) the default kill kills the main process and waits for the restart', async () => {
    const main = await sharedNs.mainHostPid();
    const before = sharedNs.restartCount;
    const backend = await upBackend();
    const { at } = await backend.killProcess(NS, 'shared-manager-0');
    expect(at).to.be.a('number');
    expect(sharedNs.restartCount).to.be.greaterThan(before);
    expect(pidAlive(main), 'the old main process is gone').to.equal(false);
  });

  it('the fault runner records a kill that cannot land as not hit, with the reason', async () => {
    const backend = await upBackend();
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(kubeconfig);
    // two manager pods exist here; pick the PID-1 one by asking for the manager of a namespace view with only it
    const pods = kubePodApi(kc);
    const onlyPid1 = { ...pods, listPods: async (ns: string) => (await pods.listPods(ns)).filter((p) => p.metadata?.name === 'sva-vault-manager-0') };
    const names = { namespace: NS, fullname: 'sva-vault', serverLabelSelector: 'component=server,app.kubernetes.io/name=vault', managerLabelSelector: 'component=manager' };
    const app = await applyFault({ kind: 'kill-process', targets: ['manager'] }, 1, { pods: onlyPid1, processes: backend, names, timescale: 1 });
    expect(app.target).to.equal('sva-vault-manager-0');
    expect(app.appliedAt, 'nothing landed').to.equal(undefined);
    expect(app.units).to.have.length(1);
    expect(app.units[0]!.ok).to.equal(false);
    expect(app.missing.join('\n')).to.match(/sva-vault-manager-0: kill -9 in sva-vault-manager-0\/manager did not land: main process bash is PID 1/);
  });

  it('reads the Vault CA from the cluster when no file is given; a named secret without a PEM is an environment error', async () => {
    const backend = new KubeconfigBackend({ kubeconfig, vaultAccess: 'port-forward' });
    const handle = await backend.up();
    expect(handle.caCertPem).to.equal(caPem); // vault-ca/tls.crt, the first known place

    for (const caSecret of [{ name: 'not-a-ca', key: 'ca.crt' }, { name: 'missing', key: 'ca.crt' }]) {
      const err = await new KubeconfigBackend({ kubeconfig, caSecret }).up().then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(EnvironmentError);
      expect((err as Error).message).to.match(new RegExp(`secret vault/${caSecret.name} key ca.crt: (not a PEM certificate|no such secret)`));
    }
    // another namespace holds none of the known secrets: every place tried is named
    const err = await new KubeconfigBackend({ kubeconfig, namespace: 'elsewhere' }).up().then(() => undefined, (e: unknown) => e);
    expect((err as Error).message).to.match(/no Vault CA found .*vault-ca key tls\.crt: no such secret.*vault-server-tls key ca\.crt.*sva-vault-tls key ca\.crt/);
  });
});
