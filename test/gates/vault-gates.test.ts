/**
 * Milestone gates of the Vault double (ipBase 127.51.0): three real server
 * processes with VAULT_DOUBLE_HARNESS_API=1. A gate after rekey-progress 1
 * holds that call's answer and the second rekey/update (sent through a
 * standby, so forwarded) until released, while reads pass; a held call whose
 * client hangs up is dropped, never applied. Without the switch the
 * endpoint does not exist.
 */
import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { makeListener } from '../../platform/vault/http.js';
import { VaultClient } from '../platform/vault/support/client.js';
import { DoubleCluster, FAST_OPTIONS } from '../platform/vault/support/double-cluster.js';
import { unsealWith, waitUnsealed } from '../platform/vault/support/steps.js';
import { tracked, until } from './support.js';

const GATES = 'sys/rekey-chaos/gates';

interface Status {
  id: string;
  state: string;
  closedAt: number | null;
  held: number;
  dropped: number;
  closedBy: string | null;
}

describe('gates: Vault double milestone gates (ipBase 127.51.0)', function () {
  this.timeout(30_000);
  const cluster = new DoubleCluster({ ipBase: '127.51.0', options: FAST_OPTIONS, env: { VAULT_DOUBLE_HARNESS_API: '1' } });
  let keys: string[] = [];

  before(async () => {
    await cluster.setup();
    const init = await cluster.server(0).put('sys/init', { secret_shares: 5, secret_threshold: 3 });
    keys = init.body.keys;
    expect((await unsealWith(cluster.server(0), keys)).body.sealed).to.equal(false);
    for (const i of [1, 2]) {
      await cluster.server(i).put('sys/storage/raft/join', { leader_api_addr: cluster.leaderApiAddr });
      await unsealWith(cluster.server(i), keys);
      await waitUnsealed(cluster.server(i));
    }
  });
  after(async () => cluster.stop());

  async function armAll(body: Record<string, unknown>): Promise<string[]> {
    const ids: string[] = [];
    for (const i of [0, 1, 2]) {
      const r = await cluster.server(i).post(GATES, body);
      expect(r.status, JSON.stringify(r.body)).to.equal(201);
      ids.push(r.body.id);
    }
    return ids;
  }
  const status = async (i: number, id: string): Promise<Status> => (await cluster.server(i).get(`${GATES}/${id}`)).body as Status;
  const releaseAll = async (ids: string[]) => Promise.all(ids.map((id, i) => cluster.server(i).del(`${GATES}/${id}`)));

  it('after rekey-progress 1 the active holds its answer and the second rekey/update (forwarded from a standby) until released; reads pass', async () => {
    const a = await cluster.activeIndex();
    const standby = (a + 1) % 3;
    const active = cluster.server(a);
    const ids = await armAll({ event: 'rekey-progress', progress: 1, maxHoldMs: 15_000 });
    const init = await active.put('sys/rekey/init', { secret_shares: 5, secret_threshold: 3, require_verification: true });
    expect(init.status).to.equal(200);
    const nonce = init.body.nonce as string;

    const first = tracked(active.put('sys/rekey/update', { key: keys[0], nonce }));
    await until('the gate on the active to close', async () => ((await status(a, ids[a]!)).state === 'closed' ? true : undefined));
    const closed = await status(a, ids[a]!);
    expect(closed.closedBy).to.equal('PUT /v1/sys/rekey/update');
    for (const i of [0, 1, 2].filter((i) => i !== a)) expect((await status(i, ids[i]!)).state, 'a standby emitted nothing').to.equal('armed');

    const second = tracked(cluster.server(standby).put('sys/rekey/update', { key: keys[1], nonce }));
    await until('the forwarded update held at the active', async () => ((await status(a, ids[a]!)).held === 1 ? true : undefined));
    // Reads are never held: progress is still 1, health answers.
    expect((await active.get('sys/rekey/init')).body).to.include({ started: true, progress: 1 });
    expect((await active.get('sys/health')).status).to.equal(200);
    expect((await active.get('sys/seal-status')).body.sealed).to.equal(false);
    expect(first.settled() || second.settled(), 'no rekey answer while closed').to.equal(false);

    await releaseAll(ids);
    expect((await first.promise).body).to.include({ progress: 1 });
    expect((await second.promise).body).to.include({ progress: 2 });
    expect(await status(a, ids[a]!)).to.include({ state: 'released', held: 1, dropped: 0 });
    expect((await active.del('sys/rekey/init')).status).to.equal(204);
  });

  it('a held call whose client hangs up is dropped and never applied; expiry opens the gate by itself', async () => {
    const a = await cluster.activeIndex();
    const active = cluster.server(a);
    const ids = await armAll({ event: 'rekey-started', maxHoldMs: 400 });
    const init = tracked(active.put('sys/rekey/init', { secret_shares: 5, secret_threshold: 3, require_verification: true }));
    await until('closed on rekey-started', async () => ((await status(a, ids[a]!)).state === 'closed' ? true : undefined));
    const nonce = (await active.get('sys/rekey/init')).body.nonce as string;

    const body = JSON.stringify({ key: keys[0], nonce });
    const hungUp = request(new URL('/v1/sys/rekey/update', active.address), {
      method: 'PUT',
      ca: cluster.caPem,
      agent: false,
      headers: { 'content-type': 'application/json', 'content-length': String(body.length) },
    });
    hungUp.on('error', () => {});
    hungUp.end(body);
    await until('the update held', async () => ((await status(a, ids[a]!)).held === 1 ? true : undefined));
    hungUp.destroy();
    await until('the update dropped', async () => ((await status(a, ids[a]!)).dropped === 1 ? true : undefined));

    expect((await init.promise).status, 'the milestone call is answered once the gate expires').to.equal(200);
    expect((await status(a, ids[a]!)).state).to.equal('expired');
    expect((await active.get('sys/rekey/init')).body.progress, 'the dropped share was never applied').to.equal(0);
    await releaseAll(ids);
    expect((await active.del('sys/rekey/init')).status).to.equal(204);
  });

  it('rejects malformed gate requests with Vault-style errors', async () => {
    const c = cluster.server(0);
    const bad = async (body: unknown) => {
      const r = await c.post(GATES, body);
      expect(r.status).to.equal(400);
      return (r.body.errors as string[]).join(' ');
    };
    expect(await bad({ event: 'unsealed', maxHoldMs: 10 })).to.contain('event must be one of');
    expect(await bad({ event: 'rotated', progress: 1, maxHoldMs: 10 })).to.contain('progress applies only');
    expect(await bad({ event: 'rotated' })).to.contain('maxHoldMs');
    expect((await c.get(`${GATES}/nope`)).status).to.equal(404);
  });

  it('without the harness switch the listener has no gate endpoint (a real Vault path 404)', async () => {
    const server: Server = createServer(makeListener([], async () => undefined));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as AddressInfo).port;
      const plain = new VaultClient(`http://127.0.0.1:${port}`, undefined);
      expect((await plain.post(GATES, { event: 'rotated', maxHoldMs: 10 })).status).to.equal(404);
      expect((await plain.get(GATES)).status).to.equal(404);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
