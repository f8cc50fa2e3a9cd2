/**
 * Write gates of the embedded API server, in process: the pod credential,
 * a gate closing on the pods' milestone write (applied, watch event
 * delivered, answer held), holding later pod writes while letting reads and
 * the harness through, release, expiry, a dropped request of a client that
 * hung up, writes in flight at the close, several gates, disarm, bad input.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { request } from 'node:https';
import { startFixture, type Fixture } from '../platform/apiserver/fixture.js';
import type { WriteGateStatus } from '../../platform/apiserver/write-gates.js';
import { tracked, until } from './support.js';

const SECRETS = '/api/v1/namespaces/vault/secrets';

describe('gates: API server write gates', function () {
  this.timeout(20_000);
  let fx: Fixture;
  const podToken = randomBytes(16).toString('hex');
  const asPod = { authorization: `Bearer ${podToken}` };

  beforeEach(async () => {
    fx = await startFixture({ podToken });
  });
  afterEach(async () => {
    await fx?.stop();
  });

  const podCreate = (name: string) => fx.call('POST', SECRETS, JSON.stringify({ metadata: { name }, data: { strdata: 'eA==' } }), asPod);
  const podDelete = (name: string) => fx.call('DELETE', `${SECRETS}/${name}`, undefined, asPod);
  const exists = (name: string) => fx.store.list('secrets', 'vault').items.some((s) => s.metadata.name === name);
  const rvOf = (name: string) => Number(fx.store.get('secrets', 'vault', name).metadata.resourceVersion);

  async function arm(name: string, type: 'ADDED' | 'DELETED', maxHoldMs = 15_000): Promise<string> {
    const res = await fx.call('POST', '/rekey-chaos/v1/gates', JSON.stringify({ resource: 'secrets', name, type, maxHoldMs }));
    expect(res.status, res.text).to.equal(201);
    expect(res.json.state).to.equal('armed');
    return res.json.id as string;
  }
  async function status(id: string): Promise<WriteGateStatus> {
    const res = await fx.call('GET', `/rekey-chaos/v1/gates/${id}`);
    expect(res.status, res.text).to.equal(200);
    return res.json as WriteGateStatus;
  }
  const release = async (id: string) => (await fx.call('DELETE', `/rekey-chaos/v1/gates/${id}`)).json as WriteGateStatus;
  const whenState = (id: string, state: WriteGateStatus['state']) => until(`gate ${state}`, async () => ((await status(id)).state === state ? true : undefined));
  const whenHeld = (id: string, n: number) => until(`${n} held`, async () => ((await status(id)).held >= n ? true : undefined));

  it('both credentials read and write; only the harness may use the extensions; any other token is 401', async () => {
    expect((await podCreate('by-pod')).status).to.equal(201);
    expect((await fx.call('GET', `${SECRETS}/by-pod`, undefined, asPod)).status).to.equal(200);
    const denied = await fx.call('GET', '/rekey-chaos/v1/gates', undefined, asPod);
    expect(denied.status).to.equal(403);
    expect(denied.json).to.include({ kind: 'Status', reason: 'Forbidden' });
    expect((await fx.call('GET', '/rekey-chaos/v1/gates')).json.gates).to.deep.equal([]);
    expect((await fx.call('GET', SECRETS, undefined, { authorization: 'Bearer nope' })).status).to.equal(401);
  });

  it('closes on the pod milestone write: applied and watched at once, its answer and the next pod write held; reads and harness writes pass; release lets both through', async () => {
    const id = await arm('cluster-rekey-2', 'ADDED');
    const seen: string[] = [];
    const stopWatch = fx.store.watch('secrets', 'vault', { resourceVersion: fx.store.currentResourceVersion() }, (e) => seen.push(`${e.type} ${e.object.metadata.name}`));
    try {
      const milestone = tracked(podCreate('cluster-rekey-2'));
      await whenState(id, 'closed');
      expect(seen).to.deep.equal(['ADDED cluster-rekey-2']);
      const closed = await status(id);
      expect(closed.closedAt).to.be.a('number');
      expect(closed.closedBy).to.equal(`POST ${SECRETS}`);

      const next = tracked(podCreate('cluster-rekey-3'));
      await whenHeld(id, 1);
      expect(exists('cluster-rekey-3'), 'held write not applied').to.equal(false);
      expect((await fx.call('GET', `${SECRETS}/cluster-rekey-3`)).status, 'harness read').to.equal(404);
      // Reads of the pod credential and every harness request go through while closed.
      expect((await fx.call('GET', `${SECRETS}/cluster-rekey-2`, undefined, asPod)).status).to.equal(200);
      expect((await fx.call('GET', SECRETS, undefined, asPod)).json.items).to.have.length(1);
      expect((await fx.call('POST', SECRETS, JSON.stringify({ metadata: { name: 'harness-write' } }))).status).to.equal(201);
      expect((await fx.call('DELETE', `${SECRETS}/harness-write`)).status).to.equal(200);
      expect(milestone.settled() || next.settled(), 'no pod answer while closed').to.equal(false);
      expect((await status(id)).state).to.equal('closed');

      const released = await release(id);
      expect(released.state).to.equal('released');
      expect(released.releasedAt!).to.be.at.least(released.closedAt!);
      expect((await milestone.promise).status).to.equal(201);
      expect((await next.promise).status).to.equal(201);
      expect(rvOf('cluster-rekey-3')).to.be.greaterThan(rvOf('cluster-rekey-2'));
      expect((await status(id)).held).to.equal(1);
    } finally {
      stopWatch();
    }
  });

  it('expires after maxHoldMs on its own, and a DELETED gate closes on a pod delete', async () => {
    fx.store.create('secrets', { metadata: { name: 'cluster-key-0', namespace: 'vault' } });
    const maxHoldMs = 300;
    const id = await arm('cluster-key-0', 'DELETED', maxHoldMs);
    const del = tracked(podDelete('cluster-key-0'));
    await whenState(id, 'closed');
    expect(exists('cluster-key-0')).to.equal(false);
    const held = tracked(podCreate('cluster-key-bk-0'));
    await whenHeld(id, 1);
    expect((await held.promise).status).to.equal(201);
    expect((await del.promise).status).to.equal(200);
    const expired = await status(id);
    expect(expired.state).to.equal('expired');
    // A lower bound, not a speed claim: the gate never opened before its hold time.
    expect(expired.releasedAt! - expired.closedAt!).to.be.at.least(maxHoldMs - 5);
    expect((await release(id)).state, 'releasing an expired gate changes nothing').to.equal('expired');
  });

  it('drops a held write whose client hung up: it is never applied', async () => {
    const id = await arm('cluster-rekey-verified', 'ADDED');
    const milestone = tracked(podCreate('cluster-rekey-verified'));
    await whenState(id, 'closed');
    const body = JSON.stringify({ metadata: { name: 'cluster-key-bk-1' } });
    const hungUp = request(fx.server.url + SECRETS, { method: 'POST', ca: fx.server.caPem, headers: { ...asPod, 'content-type': 'application/json', 'content-length': String(body.length) } });
    hungUp.on('error', () => {});
    hungUp.end(body);
    await whenHeld(id, 1);
    hungUp.destroy();
    await until('the held write dropped', async () => ((await status(id)).dropped === 1 ? true : undefined));
    await release(id);
    expect((await milestone.promise).status).to.equal(201);
    // A later pod write passes; the dropped one never shows up.
    expect((await podCreate('after')).status).to.equal(201);
    expect(exists('cluster-key-bk-1')).to.equal(false);
    expect(await status(id)).to.include({ held: 1, dropped: 1, state: 'released' });
  });

  it('writes in flight when the gate closes: none commits after the milestone while the gate is closed', async () => {
    const id = await arm('w3', 'ADDED');
    const names = ['w0', 'w1', 'w2', 'w3', 'w4', 'w5', 'w6'];
    const writes = names.map((n) => tracked(podCreate(n)));
    await whenState(id, 'closed');
    // Every write either committed (before or as the milestone) or waits at the gate.
    await until('every write committed or held', async () => {
      const applied = names.filter(exists).length;
      return applied + (await status(id)).held === names.length ? true : undefined;
    });
    const milestoneRv = rvOf('w3');
    for (const n of names.filter(exists)) expect(rvOf(n), `${n} committed after the milestone`).to.be.at.most(milestoneRv);
    // Neither the milestone's answer nor any held write's has been sent.
    names.forEach((n, i) => {
      if (n === 'w3' || !exists(n)) expect(writes[i]!.settled(), `${n} answered while closed`).to.equal(false);
    });
    await release(id);
    for (const w of writes) expect((await w.promise).status).to.equal(201);
    expect(names.every(exists)).to.equal(true);
  });

  it('several gates: a write held by one closes the next once let through; a disarmed gate never closes; harness writes never close one', async () => {
    const first = await arm('m1', 'ADDED');
    const second = await arm('m2', 'ADDED');
    const never = await arm('m3', 'ADDED');
    const byHarness = await arm('h1', 'ADDED');
    const disarmed = await release(never);
    expect(disarmed).to.include({ state: 'released', closedAt: null });

    expect((await fx.call('POST', SECRETS, JSON.stringify({ metadata: { name: 'h1' } }))).status).to.equal(201);
    expect((await status(byHarness)).state, 'a harness write does not close a gate').to.equal('armed');

    const m1 = tracked(podCreate('m1'));
    await whenState(first, 'closed');
    const m2 = tracked(podCreate('m2'));
    await whenHeld(first, 1);
    expect(exists('m2')).to.equal(false);
    expect((await status(second)).state).to.equal('armed');

    await release(first);
    expect((await m1.promise).status).to.equal(201);
    await whenState(second, 'closed');
    expect(exists('m2')).to.equal(true);
    expect(m2.settled(), 'the answer of the write that closed the second gate waits').to.equal(false);
    // While the second is closed, the disarmed gate's name is just another held write.
    const m3 = tracked(podCreate('m3'));
    await whenHeld(second, 1);
    await release(second);
    expect((await m2.promise).status).to.equal(201);
    expect((await m3.promise).status).to.equal(201);
    expect((await status(never)).state).to.equal('released');
    expect((await release(byHarness)).state).to.equal('released');
  });

  it('bad gate requests are 400 Status naming the field; an unknown gate is 404', async () => {
    const bad = async (body: unknown) => {
      const res = await fx.call('POST', '/rekey-chaos/v1/gates', JSON.stringify(body));
      expect(res.status, res.text).to.equal(400);
      expect(res.json.kind).to.equal('Status');
      return res.json.message as string;
    };
    expect(await bad({ name: 'x', type: 'CREATED', maxHoldMs: 10 })).to.contain('type must be one of');
    expect(await bad({ name: '', type: 'ADDED', maxHoldMs: 10 })).to.contain('name');
    expect(await bad({ name: 'x', type: 'ADDED', maxHoldMs: 0 })).to.contain('maxHoldMs');
    expect(await bad({ name: 'x', type: 'ADDED', maxHoldMs: 10, resource: 'widgets' })).to.contain('no resource "widgets"');
    expect(await bad([1])).to.contain('JSON object');
    expect((await fx.call('POST', '/rekey-chaos/v1/gates', '{nope')).status).to.equal(400);
    expect((await fx.call('GET', '/rekey-chaos/v1/gates/unknown')).status).to.equal(404);
    expect((await fx.call('DELETE', '/rekey-chaos/v1/gates/unknown')).status).to.equal(404);
    // Nothing was armed by the failures.
    expect((await fx.call('GET', '/rekey-chaos/v1/gates')).json.gates).to.deep.equal([]);
  });
});
