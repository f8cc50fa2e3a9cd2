/**
 * Which command a pod program runs with: its bundle when the cluster built
 * one in the state dir, its TypeScript source through tsx otherwise or when
 * REKEY_CHAOS_POD_RUNTIME=tsx asks for it; an unknown runtime is a typed
 * usage error. A cluster started with the tsx runtime builds no bundles and
 * runs its daemon through tsx (ipBase 127.52.0, no pods).
 */
import { expect } from 'chai';
import fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { UsageError } from '../../../common/errors.js';
import { BUNDLED_NODE_FLAGS, bundleDir, podRuntime, POD_RUNTIME_ENV } from '../../../platform/bundle.js';
import { startEmbeddedCluster, type EmbeddedCluster } from '../../../platform/cluster.js';
import { managerWorkload, vaultServerWorkload } from '../../../platform/workloads.js';

describe('pod runtime selection', function () {
  this.timeout(60_000);
  let stateDir: string;
  const saved = process.env[POD_RUNTIME_ENV];

  beforeEach(async () => {
    stateDir = await mkdtemp(path.join(tmpdir(), 'rekey-chaos-bundle-runtime-'));
  });

  afterEach(async () => {
    if (saved === undefined) delete process.env[POD_RUNTIME_ENV];
    else process.env[POD_RUNTIME_ENV] = saved;
    await rm(stateDir, { recursive: true, force: true });
  });

  const commands = () => ({
    vault: vaultServerWorkload({ stateDir, namespace: 'vault', fullname: 'sva-vault' }).command,
    manager: managerWorkload({ stateDir, namespace: 'vault', fullname: 'sva-vault', ipBase: '127.52.0' }).command,
  });

  function fakeBundles(): { vault: string; manager: string } {
    const dir = bundleDir(stateDir);
    fs.mkdirSync(dir, { recursive: true });
    for (const n of ['vault', 'manager']) fs.writeFileSync(path.join(dir, `${n}.mjs`), '');
    return { vault: path.join(dir, 'vault.mjs'), manager: path.join(dir, 'manager.mjs') };
  }

  it('runs the TypeScript sources through tsx when the state dir has no bundles', () => {
    delete process.env[POD_RUNTIME_ENV];
    expect(commands()).to.deep.equal({
      vault: ['node', '--import', 'tsx', 'platform/vault/main.ts'],
      manager: ['node', '--import', 'tsx', 'manager/main.ts'],
    });
  });

  it('runs the bundles with source maps when the state dir has them', () => {
    delete process.env[POD_RUNTIME_ENV];
    const b = fakeBundles();
    expect(commands()).to.deep.equal({ vault: ['node', ...BUNDLED_NODE_FLAGS.vault, '--enable-source-maps', b.vault], manager: ['node', ...BUNDLED_NODE_FLAGS.manager, '--enable-source-maps', b.manager] });
  });

  it('keeps tsx under REKEY_CHAOS_POD_RUNTIME=tsx even when bundles exist', () => {
    fakeBundles();
    process.env[POD_RUNTIME_ENV] = 'tsx';
    expect(commands().vault.slice(1, 3)).to.deep.equal(['--import', 'tsx']);
    expect(commands().manager.slice(1, 3)).to.deep.equal(['--import', 'tsx']);
  });

  it('refuses an unknown runtime with a usage error naming the variable', () => {
    expect(podRuntime({})).to.equal('bundle');
    expect(podRuntime({ [POD_RUNTIME_ENV]: 'bundle' })).to.equal('bundle');
    expect(podRuntime({ [POD_RUNTIME_ENV]: 'tsx' })).to.equal('tsx');
    expect(() => podRuntime({ [POD_RUNTIME_ENV]: 'deno' }))
      .to.throw(UsageError)
      .with.property('message')
      .that.includes(POD_RUNTIME_ENV);
  });

  describe('a cluster with the tsx runtime', () => {
    let cluster: EmbeddedCluster | undefined;
    // afterEach: runs before the outer afterEach removes the state dir
    afterEach(async () => {
      await cluster?.stop();
      cluster = undefined;
    });

    it('builds no bundles and runs its daemon through tsx', async () => {
      cluster = await startEmbeddedCluster({ stateDir, ipBase: '127.52.0', vault: false, manager: false, runtime: 'tsx' });
      expect(cluster.bundles).to.equal(undefined);
      expect(fs.existsSync(bundleDir(stateDir))).to.equal(false);
      const argv = fs.readFileSync(`/proc/${cluster.state.pid}/cmdline`, 'latin1').split('\0');
      expect(argv.slice(1, 4)).to.deep.equal(['--import', 'tsx', 'platform/daemon.ts']);
    });
  });
});
