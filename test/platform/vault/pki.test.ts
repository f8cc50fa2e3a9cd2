import { expect } from 'chai';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCa, issueServerCertificate } from '../../../platform/pki.js';

/** One HTTPS GET; resolves with the status or rejects with the TLS error. */
function get(port: number, host: string, ca: string, servername?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path: '/', ca, servername, method: 'GET', agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('pki', function () {
  let dir: string;
  let server: Server | undefined;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rekey-chaos-pki-'));
  });
  afterEach(async () => {
    if (server) await new Promise<void>((r) => server!.close(() => r()));
    server = undefined;
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the CA once, with a private key file readable only by its owner', async () => {
    const first = await createCa(dir);
    const second = await createCa(dir);
    expect(second.certPem).to.equal(first.certPem);
    expect(second.keyPem).to.equal(first.keyPem);
    expect((await stat(first.keyPath)).mode & 0o777).to.equal(0o600);
    expect(first.certPem).to.match(/^-----BEGIN CERTIFICATE-----/);
  });

  it('issues a leaf that verifies for its IP and DNS SANs and fails for other names', async () => {
    const ca = await createCa(dir);
    const leaf = await issueServerCertificate({
      caCertPem: ca.certPem,
      caKeyPem: ca.keyPem,
      commonName: 'sva-vault-0',
      dnsNames: ['sva-vault-0.sva-vault-internal', '127-44-0-3.vault.pod.cluster.local'],
      ipAddresses: ['127.0.0.1'],
    });
    server = createServer({ cert: leaf.certPem, key: leaf.keyPem }, (_req, res) => res.end('ok'));
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as AddressInfo).port;

    expect(await get(port, '127.0.0.1', ca.certPem)).to.equal(200);
    expect(await get(port, '127.0.0.1', ca.certPem, '127-44-0-3.vault.pod.cluster.local')).to.equal(200);
    let failure: unknown;
    try {
      await get(port, '127.0.0.1', ca.certPem, 'sva-vault-1.sva-vault-internal');
    } catch (err) {
      failure = err;
    }
    expect((failure as NodeJS.ErrnoException | undefined)?.code).to.equal('ERR_TLS_CERT_ALTNAME_INVALID');

    // A different CA must not be trusted.
    const otherDir = await mkdtemp(join(tmpdir(), 'rekey-chaos-pki-other-'));
    try {
      const other = await createCa(otherDir);
      let untrusted: unknown;
      try {
        await get(port, '127.0.0.1', other.certPem);
      } catch (err) {
        untrusted = err;
      }
      expect((untrusted as NodeJS.ErrnoException | undefined)?.code).to.be.oneOf(['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'CERT_SIGNATURE_FAILURE']);
    } finally {
      await rm(otherDir, { recursive: true, force: true });
    }
  });

  it('rejects a malformed IP address with a typed error', async () => {
    const ca = await createCa(dir);
    let caught: unknown;
    try {
      await issueServerCertificate({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, commonName: 'x', dnsNames: [], ipAddresses: ['not-an-ip'] });
    } catch (err) {
      caught = err;
    }
    expect((caught as Error).name).to.equal('EnvironmentError');
  });
});
