/**
 * Transient trouble of the double (harness API, ipBase 127.44.0): three real
 * server processes with VAULT_DOUBLE_HARNESS_API=1, driven through the typed
 * client. Each mode acts on exactly the next N matching client requests and
 * then stops; a failed or reset request is never handled; a delayed one is
 * handled after its hold (here: released early by removing the rule, so no
 * test waits on a clock).
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { EnvironmentError, UsageError } from '../../../common/errors.js';
import { makeListener } from '../../../platform/vault/http.js';
import { clearVaultTrouble, injectVaultTrouble, vaultTroubleStatus, type VaultServerRef } from '../../../platform/vault/trouble-client.js';
import { parseTroubleRequest } from '../../../platform/vault/trouble.js';
import { waitFor } from './support/client.js';
import { DoubleCluster, FAST_OPTIONS } from './support/double-cluster.js';
import { initAndUnsealAll, unsealWith, waitUnsealed } from './support/steps.js';
import { expectWire } from './support/wire.js';

function settledFlag<T>(p: Promise<T>): { promise: Promise<T>; settled: () => boolean } {
  let done = false;
  const promise = p.finally(() => (done = true));
  promise.catch(() => {});
  return { promise, settled: () => done };
}

describe('vault double: transient trouble (harness API)', function () {
  this.timeout(30_000);
  const cluster = new DoubleCluster({ ipBase: '127.44.0', options: FAST_OPTIONS, env: { VAULT_DOUBLE_HARNESS_API: '1' } });
  let keys: string[] = [];
  let caFile = '';
  const ref = (i: number): VaultServerRef => ({ address: cluster.server(i).address, caPem: cluster.caPem });

  before(async () => {
    await cluster.setup();
    caFile = join(cluster.dir, 'ca-for-curl.crt');
    await writeFile(caFile, cluster.caPem);
    keys = await initAndUnsealAll(cluster);
  });
  afterEach(async () => Promise.all([0, 1, 2].map((i) => clearVaultTrouble(ref(i)))));
  after(async () => cluster.stop());

  it('error: the next 2 unseal calls answer a Vault-shaped 500 and are never handled; the third is served; other paths pass', async () => {
    await cluster.restart(1); // sealed again, so an unseal call that was handled would show as progress
    const c = cluster.server(1);
    const rule = await injectVaultTrouble(ref(1), { path: 'sys/unseal', mode: 'error', count: 2, message: 'context deadline exceeded' });
    expect(rule).to.include({ path: 'sys/unseal', mode: 'error', count: 2, remaining: 2, applied: 0 });
    for (const key of keys.slice(0, 2)) {
      const r = await c.put('sys/unseal', { key });
      expectWire(r, 500);
      expect(r.body).to.deep.equal({ errors: ['context deadline exceeded'] });
      expect((await c.get('sys/seal-status')).body, 'not handled, and seal-status is not in the rule').to.include({ sealed: true, progress: 0 });
    }
    const served = await c.put('sys/unseal', { key: keys[0] });
    expectWire(served, 200);
    expect(served.body).to.include({ sealed: true, progress: 1 });
    expect(await vaultTroubleStatus(ref(1), rule.id)).to.include({ remaining: 0, applied: 2 });
    await unsealWith(c, keys);
    await waitUnsealed(c);
  });

  it('reset: curl sees the connection reset (exit 56) and the rekey is not started; the next call starts it', async () => {
    const a = await cluster.activeIndex();
    const rule = await injectVaultTrouble(ref(a), { path: 'sys/rekey/*', mode: 'reset', count: 1, methods: ['PUT'] });
    const url = new URL('/v1/sys/rekey/init', cluster.server(a).address).toString();
    const exit = await new Promise<number>((resolve) => {
      execFile('curl', ['-s', '-S', '--cacert', caFile, '--request', 'PUT', '--data', '{"secret_shares":5,"secret_threshold":3}', url], (err) => resolve(err ? Number(err.code) : 0));
    });
    expect(exit, 'curl: Recv failure: Connection reset by peer').to.equal(56);
    expect((await cluster.server(a).get('sys/rekey/init')).body.started, 'GET is not in the rule, and nothing was started').to.equal(false);
    expect((await cluster.server(a).put('sys/rekey/init', { secret_shares: 5, secret_threshold: 3 })).body.started).to.equal(true);
    expect(await vaultTroubleStatus(ref(a), rule.id)).to.include({ remaining: 0, applied: 1 });
    expect((await cluster.server(a).del('sys/rekey/init')).status).to.equal(204);
  });

  it('delay: a rekey call to a standby is held there until the rule goes, then forwarded; the relay hop is not the active’s client request', async () => {
    const a = await cluster.activeIndex();
    const standby = (a + 1) % 3;
    const atActive = await injectVaultTrouble(ref(a), { path: 'sys/rekey/', mode: 'error', count: 1 });
    const rule = await injectVaultTrouble(ref(standby), { path: 'sys/rekey/', mode: 'delay', delayMs: 60_000, count: 1 });
    const held = settledFlag(cluster.server(standby).get('sys/rekey/init'));
    await waitFor('the call held by the delay', async () => ((await vaultTroubleStatus(ref(standby), rule.id)).delaying === 1 ? true : undefined));
    expect((await cluster.server(standby).get('sys/seal-status')).status, 'other paths pass meanwhile').to.equal(200);
    expect(held.settled(), 'no answer while held').to.equal(false);
    await clearVaultTrouble(ref(standby), rule.id);
    const r = await held.promise;
    expectWire(r, 200);
    expect(r.body).to.include({ started: false });
    expect(await vaultTroubleStatus(ref(a), atActive.id), 'the active served the relayed call untouched').to.include({ remaining: 1, applied: 0 });
  });

  it('the client: a malformed rule is a UsageError with the server’s reason; rules are listed and cleared', async () => {
    const err = await injectVaultTrouble(ref(0), { path: 'sys/unseal', mode: 'delay', count: 1 }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(UsageError);
    expect((err as Error).message).to.contain('delayMs');
    await injectVaultTrouble(ref(0), { path: 'sys/unseal', mode: 'error', count: 3 });
    expect((await cluster.server(0).get('sys/rekey-chaos/trouble')).body.trouble).to.have.length(1);
    await clearVaultTrouble(ref(0));
    expect((await cluster.server(0).get('sys/rekey-chaos/trouble')).body.trouble).to.deep.equal([]);
  });
});

describe('vault double: trouble requests and the switch', () => {
  it('parseTroubleRequest: valid specs, and a 400 naming the field otherwise', () => {
    expect(parseTroubleRequest({ path: 'sys/rekey/*', mode: 'reset', count: 2 })).to.deep.equal({ path: 'sys/rekey/', mode: 'reset', count: 2 });
    expect(parseTroubleRequest({ path: 'sys/unseal', mode: 'delay', count: 1, delayms: 50, methods: ['post'] })).to.deep.equal({ path: 'sys/unseal', mode: 'delay', count: 1, delayMs: 50, methods: ['PUT'] });
    const cases: [Record<string, unknown>, string][] = [
      [{ path: 'v1/sys/unseal', mode: 'error', count: 1 }, 'path'],
      [{ path: 'sys/unseal', mode: 'explode', count: 1 }, 'mode'],
      [{ path: 'sys/unseal', mode: 'error', count: 0 }, 'count'],
      [{ path: 'sys/unseal', mode: 'error', count: 1, delayms: 5 }, 'delayMs'],
      [{ path: 'sys/unseal', mode: 'reset', count: 1, message: 'x' }, 'message'],
      [{ path: 'sys/unseal', mode: 'error', count: 1, methods: ['PATCH'] }, 'methods'],
    ];
    for (const [body, field] of cases) expect(() => parseTroubleRequest(body), field).to.throw(field);
  });

  describe('without the harness API', () => {
    let server: Server;
    let address = '';
    before(async () => {
      const listener = makeListener([], async () => undefined);
      server = createServer((req, res) => void listener(req, res));
      await new Promise<void>((r) => server.listen(0, '127.44.0.1', () => r()));
      address = `http://127.44.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => new Promise<void>((r) => server.close(() => r())));

    it('the endpoint does not exist, and the client says so with an EnvironmentError', async () => {
      const err = await injectVaultTrouble({ address }, { path: 'sys/unseal', mode: 'error', count: 1 }).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(EnvironmentError);
      expect((err as Error).message).to.contain('harness API');
    });
  });
});
