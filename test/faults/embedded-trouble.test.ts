/**
 * The embedded backend's vaultTrouble capability on a real cluster (ipBase
 * 127.74.0): a rule armed on one server pod over its TLS address makes that
 * server's next matching requests fail, and `finish` reports how many it hit
 * and removes it; a backend started without the harness API has no such
 * capability.
 */
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { requestJson } from '../../common/http-json.js';
import { EmbeddedBackend } from '../../harness/backends/embedded.js';
import type { ClusterHandle } from '../../harness/backends/backend.js';

describe('harness/backends: embedded vaultTrouble capability', function () {
  this.timeout(180_000);
  let stateDir: string;
  let backend: EmbeddedBackend;
  let handle: ClusterHandle;

  before(async () => {
    stateDir = await mkdtemp(path.join(tmpdir(), 'rekey-chaos-trouble-'));
    backend = new EmbeddedBackend({ stateDir, ipBase: '127.74.0' });
    handle = await backend.up();
    await backend.deploy({ manager: { kind: 'reference' } });
  });
  after(async () => {
    await backend?.down();
    await rm(stateDir, { recursive: true, force: true });
  });

  const sealStatus = async (pod: string) => {
    const url = (await handle.vaultEndpoints()).find((e) => e.pod === pod)!.url;
    return requestJson<{ errors?: string[]; sealed?: boolean }>(`${url}/v1/sys/seal-status`, { ca: handle.caCertPem });
  };

  it('arms on the named pod only, fails exactly `count` requests there, and finish reads the count and removes the rule', async () => {
    const trouble = backend.vaultTrouble!;
    const rule = await trouble.arm('vault', 'sva-vault-1', { path: 'sys/seal-status', mode: 'error', count: 2, methods: ['GET'] });
    expect(rule.id).to.be.a('string');
    expect((await sealStatus('sva-vault-0')).status, 'another server is untouched').to.equal(200);
    for (let i = 0; i < 2; i++) {
      const r = await sealStatus('sva-vault-1');
      expect(r.status).to.equal(500);
      expect(r.json).to.deep.equal({ errors: ['internal error'] });
    }
    expect((await sealStatus('sva-vault-1')).json).to.include({ sealed: false });
    expect(await trouble.finish('vault', 'sva-vault-1', rule.id)).to.deep.equal({ id: rule.id, remaining: 0, applied: 2 });
    let gone: unknown;
    await trouble.finish('vault', 'sva-vault-1', rule.id).catch((err: unknown) => (gone = err));
    expect((gone as Error).message).to.match(/no trouble rule/);
  });

  it('a pod that does not exist is an environment error naming it', async () => {
    let err: unknown;
    await backend.vaultTrouble!.arm('vault', 'sva-vault-7', { path: 'sys/unseal', mode: 'error', count: 1 }).catch((e: unknown) => (err = e));
    expect(err).to.have.property('exitCode', 3);
    expect((err as Error).message).to.equal('vault trouble: sva-vault-7 has no address (not running)');
  });

  it('without the harness API (gates off) the backend offers no trouble capability', () => {
    expect(new EmbeddedBackend({ gates: false }).vaultTrouble).to.equal(undefined);
  });
});
