/**
 * What the kind backend pins: the node image by digest, the Vault version
 * StarlingX's chart expects, and a CA in the state dir that is regenerated
 * before it expires.
 */
import { expect } from 'chai';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { KIND_NODE_IMAGE, kindClusterConfig, STARLINGX_VAULT_VERSION } from '../../harness/backends/kind/config.js';
import { KindBackend } from '../../harness/backends/kind/backend.js';
import { CA_MIN_REMAINING_MS, freshCa } from '../../harness/backends/kind/state.js';


describe('kind: pinned versions and a CA that does not expire mid-run', () => {
  it('the node image is a kindest/node tag pinned by sha256 digest, used for every node', () => {
    expect(KIND_NODE_IMAGE).to.match(/^kindest\/node:v1\.\d+\.\d+@sha256:[0-9a-f]{64}$/);
    const config = parse(kindClusterConfig());
    expect(config.nodes.map((n: { image: string }) => n.image)).to.deep.equal(Array(4).fill(KIND_NODE_IMAGE));
  });

  it("Vault defaults to StarlingX's version (1.14.0) and follows --vault-version", () => {
    expect(STARLINGX_VAULT_VERSION).to.equal('1.14.0');
    expect(new KindBackend().vaultImage).to.equal('hashicorp/vault:1.14.0');
    expect(new KindBackend({ vaultVersion: '1.14.9' }).vaultImage).to.equal('hashicorp/vault:1.14.9');
    expect(new KindBackend({ vaultImage: 'registry.local/vault:x' }).vaultImage).to.equal('registry.local/vault:x');
  });

  it("the default is what StarlingX's chart says (REKEY_CHAOS_MANAGER_CHART names its folder)", async function () {
    const chart = process.env['REKEY_CHAOS_MANAGER_CHART'];
    if (!chart) return this.skip();
    const values = parse(await readFile(path.join(chart, 'values.yaml'), 'utf8'));
    expect(String(values.server.version)).to.equal(STARLINGX_VAULT_VERSION);
  });

  describe('the CA in the state dir', () => {
    let dir: string;
    beforeEach(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'rekey-chaos-ca-'));
    });
    afterEach(() => rm(dir, { recursive: true, force: true }));

    it('is kept while it stays valid long enough', async () => {
      const first = await freshCa(dir);
      const again = await freshCa(dir);
      expect(again.regenerated).to.equal(false);
      expect(again.certPem).to.equal(first.certPem);
    });

    it('is regenerated when it would expire within the margin', async () => {
      const first = await freshCa(dir);
      const notAfter = Date.parse(new X509Certificate(first.certPem).validTo);
      const later = await freshCa(dir, notAfter - CA_MIN_REMAINING_MS + 1000);
      expect(later.regenerated).to.equal(true);
      expect(later.certPem).to.not.equal(first.certPem);
      expect(await readFile(path.join(dir, 'pki', 'ca.crt'), 'utf8')).to.equal(later.certPem);
    });

    it('an unreadable certificate is refused with what to delete', async () => {
      await freshCa(dir);
      const { writeFile } = await import('node:fs/promises');
      await writeFile(path.join(dir, 'pki', 'ca.crt'), 'not a certificate');
      const err = await freshCa(dir).then(() => undefined, (e: unknown) => e);
      expect((err as Error).message).to.match(/is unreadable; delete .*pki to regenerate it$/);
    });
  });
});
