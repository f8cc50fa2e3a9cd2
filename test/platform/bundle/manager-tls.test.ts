/**
 * The manager's Kubernetes client and its Vault client build one TLS context
 * for all their calls (left to its defaults, client-node gives each call a
 * new agent, and node:https with a `ca` PEM parses it into a new context per
 * connection — CPU, and native memory held until a full GC), while still
 * checking the server's certificate against the CA. Counted at
 * tls.createSecureContext, which every TLS client connection goes through
 * when it is not handed a context.
 */
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { startApiServer, type ApiServer } from '../../../platform/apiserver/server.js';
import { ObjectStore } from '../../../platform/apiserver/store.js';
import { writeKubeconfig } from '../../../platform/apiserver/kubeconfig.js';
import { createCa, issueServerCertificate } from '../../../platform/pki.js';
import { coreApi } from '../../../manager/kube/client.js';
import { HttpsVaultApi } from '../../../manager/vault/https-api.js';
import { VaultUnreachableError } from '../../../manager/errors.js';

const CALLS = 5;

describe('manager TLS contexts (memory fix)', function () {
  this.timeout(30_000);
  let dir: string;
  let api: ApiServer | undefined;
  let vault: Server | undefined;
  let contexts = 0;
  const original = tls.createSecureContext;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'rekey-chaos-manager-tls-'));
    // node's TLS client calls the module's createSecureContext for every connection without a context
    tls.createSecureContext = (...args: Parameters<typeof original>) => {
      contexts++;
      return original(...args);
    };
  });

  after(async () => {
    tls.createSecureContext = original;
    await api?.close();
    await new Promise<void>((resolve) => (vault ? vault.close(() => resolve()) : resolve()));
    await rm(dir, { recursive: true, force: true });
  });

  it('the Kubernetes client makes one context for all its calls, and still rejects a server its CA did not sign', async () => {
    api = await startApiServer({ store: new ObjectStore(), token: 'manager-tls-test-token' });
    const good = path.join(dir, 'kubeconfig');
    await writeKubeconfig(good, { server: api.url, token: 'manager-tls-test-token', namespace: 'vault', caPem: api.caPem });
    const core = coreApi(good);
    const before = contexts;
    for (let i = 0; i < CALLS; i++) await core.listNamespacedSecret({ namespace: 'vault' });
    expect(contexts - before, `contexts made for ${CALLS} calls`).to.equal(1);

    const other = await createCa(path.join(dir, 'other-ca'));
    const wrong = path.join(dir, 'kubeconfig-wrong-ca');
    await writeKubeconfig(wrong, { server: api.url, token: 'manager-tls-test-token', namespace: 'vault', caPem: other.certPem });
    let error: unknown;
    await coreApi(wrong)
      .listNamespacedSecret({ namespace: 'vault' })
      .catch((err: unknown) => (error = err));
    expect(String((error as Error | undefined)?.message), 'a server outside the CA is refused').to.match(/certificate|self.signed|unable to verify/i);
  });

  it('the Vault client makes its context once, and still rejects a server its CA did not sign', async () => {
    const ca = await createCa(path.join(dir, 'ca'));
    const leaf = await issueServerCertificate({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, commonName: 'vault', dnsNames: ['127-0-0-1.vault.pod.cluster.local'], ipAddresses: ['127.0.0.1'] });
    vault = createServer({ cert: leaf.certPem, key: leaf.keyPem }, (_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ initialized: true, sealed: false, standby: false }));
    });
    await new Promise<void>((resolve) => vault!.listen(0, '127.0.0.1', resolve));
    const port = (vault.address() as AddressInfo).port;
    const target = { pod: 'sva-vault-0', ip: '127.0.0.1' };
    const options = { namespace: 'vault', fullName: 'sva-vault', hosts: {}, timeoutMs: 3000, port };

    const client = new HttpsVaultApi({ ...options, ca: ca.certPem });
    const before = contexts;
    for (let i = 0; i < CALLS; i++) expect((await client.health(target)).status).to.equal(200);
    expect(contexts - before, `contexts made for ${CALLS} calls`).to.equal(0);

    const strangerCa = await createCa(path.join(dir, 'stranger-ca'));
    const stranger = new HttpsVaultApi({ ...options, ca: strangerCa.certPem });
    let error: unknown;
    await stranger.health(target).catch((err: unknown) => (error = err));
    expect(error, 'a server outside the CA is refused').to.be.instanceOf(VaultUnreachableError);
  });
});
