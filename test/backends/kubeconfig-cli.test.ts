/**
 * `rekey-chaos run --backend kubeconfig` from the command line: the
 * kubeconfig, context, namespace and Vault CA flags reach the backend (here a
 * fake API server on 127.72.0.1 holding the CA in a secret and no Vault, so
 * the run gets through `up` and stops at `deploy`, naming the namespace it
 * looked in), and misuse is exit 2 before anything runs.
 */
import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createCa, issueServerCertificate } from '../../platform/pki.js';
import { runMain } from '../cli/cli-helpers.js';
import { startFakeKubeApi, type FakeKubeApi } from './fixtures/fake-kube-api.js';

const HOST = '127.72.0.1';

describe('cli: the kubeconfig backend from the command line', function () {
  this.timeout(120_000);
  let dir: string;
  let api: FakeKubeApi;
  let kubeconfig: string;
  let caFile: string;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'rekey-chaos-kc-cli-'));
    const ca = await createCa(dir);
    const leaf = await issueServerCertificate({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, commonName: 'fake-kube-api', dnsNames: ['localhost'], ipAddresses: [HOST] });
    api = await startFakeKubeApi({ host: HOST, namespace: 'chaos', pods: [], secrets: { 'my-ca': { 'ca.pem': ca.certPem } }, tls: { certPem: leaf.certPem, keyPem: leaf.keyPem, caPem: ca.certPem } });
    kubeconfig = path.join(dir, 'kubeconfig');
    api.writeKubeconfig(kubeconfig, 'default');
    caFile = path.join(dir, 'vault-ca.crt');
    await writeFile(caFile, ca.certPem);
  });
  after(async () => {
    await api?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const run = (...flags: string[]) => runMain(['run', '--backend', 'kubeconfig', '--scenario', 'F1', '--iterations', '1', '--out', path.join(dir, 'out'), ...flags]);

  it('--kubeconfig, --namespace and --vault-ca-secret reach the backend: up reads the CA from the secret, deploy looks in that namespace', async () => {
    const r = await run('--kubeconfig', kubeconfig, '--namespace', 'chaos', '--vault-ca-secret', 'my-ca/ca.pem');
    expect(r.code, r.stderr + r.stdout).to.equal(3);
    expect(r.stdout + r.stderr).to.match(/namespace chaos has 0 Vault server pod\(s\) and 0 manager pod\(s\)/);
  });

  it('without --vault-ca-secret the known secrets are tried and named; --vault-ca takes a file instead', async () => {
    const bySecret = await run('--kubeconfig', kubeconfig, '--namespace', 'chaos');
    expect(bySecret.code).to.equal(3);
    expect(bySecret.stdout + bySecret.stderr).to.match(/no Vault CA found \(give --vault-ca FILE or --vault-ca-secret NAME\/KEY\); tried secret chaos\/vault-ca key tls\.crt: no such secret/);
    const byFile = await run('--kubeconfig', kubeconfig, '--namespace', 'chaos', '--vault-ca', caFile);
    expect(byFile.code).to.equal(3);
    expect(byFile.stdout + byFile.stderr).to.match(/namespace chaos has 0 Vault server pod\(s\)/);
  });

  it('a --context the kubeconfig lacks fails the bring-up naming the contexts it has', async () => {
    const r = await run('--kubeconfig', kubeconfig, '--context', 'nope', '--vault-ca', caFile);
    // the backend throws a UsageError; the runner's exit-code routing of a failed bring-up decides 2 or 3
    expect([2, 3], r.stdout + r.stderr).to.include(r.code);
    expect(r.stdout + r.stderr).to.contain('has no context "nope" (it has: fake)');
  });
});
