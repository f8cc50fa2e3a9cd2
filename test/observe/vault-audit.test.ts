import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { keyFingerprint } from '../../common/fingerprint.js';
import { formatShard, ROOT_TOKEN_SECRET } from '../../common/secrets.js';
import { combine, split } from '../../common/shamir.js';
import { VaultClient, type VaultResponse } from '../../harness/vault-client/client.js';
import { auditSet, auditSubsets, decodeRootToken, rootTokenWorks } from '../../harness/vault-client/audit.js';
import { auditEndState } from '../../harness/run/audits.js';
import { VaultUnreachableError } from '../../harness/vault-client/errors.js';
import { createCa } from '../../platform/pki.js';
import { DoubleCluster } from '../platform/vault/support/double-cluster.js';
import { corrupt, type TestSet } from './shard-fixtures.js';
import { until } from './wait.js';

/** Counts the Vault rounds an audit costs (one rekey/init or generate-root attempt per round). */
class CountingClient extends VaultClient {
  rounds = 0;
  override request<T = unknown>(method: string, path: string, body?: unknown, token?: string): Promise<VaultResponse<T>> {
    if (method === 'POST' && (path === 'sys/rekey/init' || path === 'sys/generate-root/attempt')) this.rounds++;
    return super.request<T>(method, path, body, token);
  }
}

describe('harness/vault-client: client and independent audits against the Vault double', function () {
  this.timeout(60000);
  const cluster = new DoubleCluster({ ipBase: '127.50.0' });
  let client: CountingClient;
  let current: TestSet;
  let rootToken: string;

  before(async () => {
    await cluster.setup();
    client = new CountingClient({ url: 'https://127.50.0.10:8200', caCertPem: cluster.caPem, name: 'sva-vault-0' });
    const init = await client.call<{ keys: string[]; root_token: string }>('PUT', 'sys/init', { secret_shares: 5, secret_threshold: 3 });
    const shares = init.keys.map((k) => new Uint8Array(Buffer.from(k, 'hex')));
    rootToken = init.root_token;
    current = { key: await combine(shares.slice(0, 3)), keyFp: '', shares, shardFps: [] };
    current.keyFp = keyFingerprint(current.key);
    for (const k of init.keys.slice(0, 3)) await client.call('PUT', 'sys/unseal', { key: k });
    await until('sva-vault-0 active', async () => ((await client.health()).code === 200 ? true : undefined));
  });
  after(async () => {
    await cluster.stop();
  });
  beforeEach(() => {
    client.rounds = 0;
  });

  it('reads health, seal status, rekey status, verify status and leader without a token', async () => {
    const health = await client.health();
    expect(health).to.include({ code: 200, initialized: true, sealed: false, standby: false });
    expect(await client.sealStatus()).to.include({ sealed: false, t: 3, n: 5 });
    expect(await client.rekeyStatus()).to.include({ started: false, required: 3 });
    expect(await client.rekeyVerifyStatus()).to.equal(undefined);
    expect((await client.leader()).is_self).to.equal(true);
    const standby = new VaultClient({ url: 'https://127.50.0.11:8200', caCertPem: cluster.caPem });
    // never joined: not initialized, which health reports as 501 (not an error of the client)
    expect(await standby.health()).to.include({ code: 501, initialized: false });
  });

  it('refuses a server whose certificate does not chain to the given CA', async () => {
    const other = await createCa(`${cluster.dir}/other-ca`);
    const wrongCa = new VaultClient({ url: 'https://127.50.0.10:8200', caCertPem: other.certPem });
    let error: unknown;
    await wrongCa.health().catch((e) => (error = e));
    expect(error).to.be.instanceOf(VaultUnreachableError);
  });

  it('auditSubsets proves a consistent set with ONE Vault round and all ten subsets ok', async () => {
    const audit = await auditSubsets(client, 'cluster-key', current.shares);
    expect(audit).to.include({ prefix: 'cluster-key', method: 'rekey-audit', current: true, keyFp: current.keyFp });
    expect(audit.error).to.equal(undefined);
    expect(audit.subsets).to.have.length(10);
    expect(audit.subsets!.every((s) => s.ok)).to.equal(true);
    expect(client.rounds).to.equal(1);
    // the audit left nothing running and rotated nothing
    expect(await client.rekeyStatus()).to.include({ started: false });
    expect((await auditSet(client, 'cluster-key', current.shares.slice(0, 3))).current).to.equal(true);
  });

  it('auditSubsets catches a corrupted fifth share: its six subsets fail in Vault, the other four pass', async () => {
    const audit = await auditSubsets(client, 'cluster-key', corrupt(current, 4).shares);
    expect(audit.current).to.equal(true); // a threshold check alone would pass this set
    const failing = audit.subsets!.filter((s) => !s.ok).map((s) => s.indices.join(''));
    expect(failing).to.deep.equal(['014', '024', '034', '124', '134', '234']);
    expect(client.rounds).to.be.greaterThanOrEqual(2);
    expect(audit.error).to.equal(undefined);
  });

  it('rekey-init audit says not current for shards of another key (Vault answers 500 cipher auth failure)', async () => {
    const strangers = await split(new Uint8Array(randomBytes(32)), 5, 3);
    const audit = await auditSet(client, 'initial', strangers);
    expect(audit).to.include({ current: false, method: 'rekey-audit' });
    expect(audit.error).to.equal(undefined);
    expect(await client.rekeyStatus()).to.include({ started: false });
  });

  it('generate-root audit: current set mints a token that is revoked at once; a wrong set is rejected', async () => {
    const good = await auditSet(client, 'cluster-key', current.shares.slice(2, 5), 'generate-root');
    expect(good).to.include({ current: true, method: 'generate-root' });
    expect(good.error).to.equal(undefined);
    const strangers = await split(new Uint8Array(randomBytes(32)), 5, 3);
    const bad = await auditSet(client, 'initial', strangers, 'generate-root');
    expect(bad).to.include({ current: false });
    expect(bad.error).to.equal(undefined);
    const attempt = await client.call<{ started: boolean }>('GET', 'sys/generate-root/attempt');
    expect(attempt.started).to.equal(false);
  });

  it('rootTokenWorks: true for the root token, false for a made-up one', async () => {
    expect(await rootTokenWorks(client, rootToken)).to.equal(true);
    expect(await rootTokenWorks(client, 'hvs.' + 'x'.repeat(24))).to.equal(false);
  });

  it('an audit never disturbs a running rekey: it is recorded as inconclusive and the rekey survives', async () => {
    const started = await client.call<{ nonce: string }>('POST', 'sys/rekey/init', { secret_shares: 5, secret_threshold: 3, require_verification: true });
    try {
      const audit = await auditSet(client, 'cluster-key', current.shares);
      expect(audit.current).to.equal(false);
      expect(audit.error).to.match(/a rekey is already running/);
      expect(await client.rekeyStatus()).to.include({ started: true, nonce: started.nonce });
    } finally {
      await client.call('DELETE', 'sys/rekey/init');
    }
  });

  it('auditEndState: ten subsets of the final set, the initial shards rejected, the root token alive — through the active server', async () => {
    const previous = await split(new Uint8Array(randomBytes(32)), 5, 3); // stands in for revoked initial shards
    const endpoints = [0, 1, 2].map((i) => ({ pod: `sva-vault-${i}`, url: `https://127.50.0.${10 + i}:8200` }));
    const vault = { caCertPem: cluster.caPem, vaultEndpoints: async () => endpoints };
    const finalSecrets = new Map(current.shares.map((s, i) => [`cluster-key-${i}`, formatShard(s)] as [string, string]));
    finalSecrets.set(ROOT_TOKEN_SECRET, rootToken);
    const result = await auditEndState(vault, { initialShares: previous, finalSecrets });
    expect(result.rootTokenWorks).to.equal(true);
    const [initial, final] = result.audits;
    expect(final).to.include({ prefix: 'cluster-key', current: true, keyFp: current.keyFp });
    expect(final!.subsets!.filter((s) => s.ok)).to.have.length(10);
    expect(initial).to.include({ prefix: 'initial', current: false });
    expect(initial!.error).to.equal(undefined);
    // A missing share is I2's finding from the secret list: there is nothing to audit, so no cluster-key audit.
    finalSecrets.delete('cluster-key-4');
    const incomplete = await auditEndState(vault, { initialShares: previous, finalSecrets });
    expect(incomplete.audits.map((a) => a.prefix)).to.deep.equal(['initial']);
    expect(JSON.stringify(result)).not.to.include(rootToken);
  });

  it('decodes a root token the way Vault encodes it (base64 of token XOR OTP)', () => {
    const token = 'hvs.' + 'a'.repeat(24);
    const otp = 'b'.repeat(28);
    const encoded = Buffer.from(Buffer.from(token).map((c, i) => c ^ otp.charCodeAt(i))).toString('base64').replace(/=+$/, '');
    expect(decodeRootToken(encoded, otp)).to.equal(token);
  });
});
