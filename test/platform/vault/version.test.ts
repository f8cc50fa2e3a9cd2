/**
 * The reported Vault version is one setting: `VAULT_DOUBLE_VERSION` (the
 * workload option `vaultVersion`) feeds sys/health, sys/seal-status and the
 * `vault-version` pod label alike; a malformed one is a usage error at start.
 * Servers run as real processes on ipBase 127.44.0, labels go through the
 * embedded API server.
 */
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../../../common/errors.js';
import { ObjectStore } from '../../../platform/apiserver/store.js';
import { startEmbeddedCluster } from '../../../platform/cluster.js';
import { parseVaultVersion, VAULT_VERSION } from '../../../platform/vault/version.js';
import { vaultServerWorkload } from '../../../platform/workloads.js';
import { waitFor } from './support/client.js';
import { DoubleCluster, FAST_OPTIONS } from './support/double-cluster.js';
import { startPodsApi, type PodsApi } from './support/pods-api.js';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an exception');
}

describe('vault double: the reported version', function () {
  this.timeout(30_000);

  it('parseVaultVersion: the default, semver-like versions, and a UsageError naming the setting otherwise', () => {
    expect(parseVaultVersion(undefined)).to.equal(VAULT_VERSION);
    for (const v of ['1.14.9', '1.15.0-rc1', '1.14.9+ent', '2.0.0-beta.1+build.7']) expect(parseVaultVersion(v)).to.equal(v);
    for (const v of ['', '1.14', 'v1.14.9', '1.14.9 ', '1.14.9-', 'latest']) {
      const err = thrown(() => parseVaultVersion(v, 'vaultVersion'));
      expect(err, v).to.be.instanceOf(UsageError);
      expect((err as UsageError).message).to.contain('vaultVersion');
      expect((err as UsageError).context).to.include({ value: v });
    }
  });

  it('the Vault workload passes vaultVersion as VAULT_DOUBLE_VERSION, leaves it unset by default, rejects a bad one', () => {
    const base = { stateDir: '/tmp/rekey-chaos-version-test', namespace: 'vault', fullname: 'sva-vault' };
    expect(vaultServerWorkload({ ...base, vaultVersion: '1.15.2' }).env?.VAULT_DOUBLE_VERSION).to.equal('1.15.2');
    expect(vaultServerWorkload(base).env).not.to.have.property('VAULT_DOUBLE_VERSION');
    expect(thrown(() => vaultServerWorkload({ ...base, vaultVersion: '1.15' }))).to.be.instanceOf(UsageError);
  });

  it('startEmbeddedCluster rejects a bad vaultVersion before it creates or starts anything', async () => {
    const stateDir = join(tmpdir(), `rekey-chaos-version-never-${process.pid}`);
    const err = await startEmbeddedCluster({ stateDir, ipBase: '127.44.0', vaultVersion: '1.x' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(UsageError);
    expect(existsSync(stateDir)).to.equal(false);
  });

  describe('servers started with VAULT_DOUBLE_VERSION=1.15.2', () => {
    const store = new ObjectStore();
    let podsApi: PodsApi | undefined;
    let cluster: DoubleCluster | undefined;

    before(async () => {
      podsApi = await startPodsApi(store, '127.44.0', { 'app.kubernetes.io/name': 'vault', component: 'server' });
      const kubeconfig = podsApi.kubeconfig;
      cluster = new DoubleCluster({ ipBase: '127.44.0', options: FAST_OPTIONS, kubeconfig, env: { VAULT_DOUBLE_VERSION: '1.15.2' } });
      await cluster.setup();
    });

    after(async () => {
      await cluster?.stop();
      await podsApi?.close();
    });

    it('health, seal-status and the vault-version label all report it', async () => {
      const c = cluster!;
      for (let i = 0; i < 3; i++) {
        expect((await c.server(i).get('sys/health')).body.version).to.equal('1.15.2');
        expect((await c.server(i).get('sys/seal-status')).body.version).to.equal('1.15.2');
        const pod = `sva-vault-${i}`;
        const label = await waitFor(`${pod} vault-version label`, async () => store.get('pods', 'vault', pod).metadata.labels?.['vault-version']);
        expect(label).to.equal('1.15.2');
      }
    });
  });

  it('a server given a malformed version exits with the usage code before listening, naming the setting', async () => {
    const cluster = new DoubleCluster({ ipBase: '127.44.0', options: FAST_OPTIONS, env: { VAULT_DOUBLE_VERSION: '1.15' } });
    try {
      const err = await cluster.setup().then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err?.message).to.match(/exited with 2 before listening/);
      // The exit can be seen before the last stdout chunk is read: wait for the line.
      await waitFor('the start error in the log', async () => (cluster.logs().some((l) => l.includes('VAULT_DOUBLE_VERSION must look like a Vault version')) ? true : undefined));
    } finally {
      await cluster.stop();
    }
  });
});
