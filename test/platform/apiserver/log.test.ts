import { expect } from 'chai';
import { request } from 'node:https';
import { nowNs, rfc3339Nano } from '../../../platform/apiserver/pod-log.js';
import { startFixture, waitFor, type Fixture } from './fixture.js';

describe('apiserver pod log subresource', () => {
  let fx: Fixture;
  before(async () => {
    fx = await startFixture();
    fx.store.create('pods', { metadata: { name: 'p', namespace: 'vault' }, spec: { containers: [{ name: 'c' }] } });
  });
  after(async () => {
    fx.server.setLogProvider(undefined);
    await fx?.stop();
  });

  it('without a provider answers 400 with a clear message; a missing pod is 404', async () => {
    const res = await fx.call('GET', '/api/v1/namespaces/vault/pods/p/log');
    expect(res.status).to.equal(400);
    expect(res.json.message).to.contain('no node agent has registered a log provider');
    fx.server.setLogProvider(async function* () {
      yield 'x';
    });
    expect((await fx.call('GET', '/api/v1/namespaces/vault/pods/ghost/log')).status).to.equal(404);
  });

  it('follow streams until the client disconnects, and the provider sees the abort', async () => {
    let aborted = false;
    const received: string[] = [];
    const cond = waitFor('first line then abort', () => aborted);
    fx.server.setLogProvider(async function* (req) {
      expect(req.follow).to.equal(true);
      yield 'first line\n';
      await new Promise<void>((resolve) => req.signal.addEventListener('abort', () => resolve(), { once: true }));
      aborted = true;
      cond.poke();
    });
    const clientReq = request(`${fx.server.url}/api/v1/namespaces/vault/pods/p/log?follow=true&container=c`, {
      headers: { authorization: `Bearer ${fx.token}` },
      ca: fx.server.caPem,
    });
    clientReq.on('error', () => {});
    clientReq.on('response', (res) => {
      expect(res.headers['content-type']).to.equal('text/plain');
      res.on('data', (chunk: Buffer) => {
        received.push(chunk.toString());
        clientReq.destroy();
      });
      res.on('error', () => {});
    });
    clientReq.end();
    await cond.promise;
    expect(received.join('')).to.equal('first line\n');
  });

  it('timestamps=true stamps plain output with the time the server read it, a last partial line included', async () => {
    fx.server.setLogProvider(async function* (req) {
      expect(req.timestamps).to.equal(true);
      yield 'a\nb';
      yield Buffer.from('c\nd');
    });
    const before = nowNs();
    const res = await fx.call('GET', '/api/v1/namespaces/vault/pods/p/log?timestamps=true');
    const after = nowNs();
    const lines = res.text.split('\n');
    expect(lines.pop()).to.equal('');
    expect(lines.map((l) => l.replace(/^\S+ /, ''))).to.deep.equal(['a', 'bc', 'd']);
    for (const line of lines) {
      const stamp = line.split(' ')[0]!;
      expect(stamp).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/);
      // Both bounds printed the same way compare as strings only at equal length, so compare the instants.
      const [whole, fraction = ''] = stamp.slice(0, -1).split('.');
      const ns = BigInt(Date.parse(`${whole}Z`)) * 1_000_000n + BigInt(fraction.padEnd(9, '0'));
      expect(ns >= before && ns <= after, `${stamp} within the request`).to.equal(true);
    }
  });

  it('formats RFC 3339 with nanoseconds as Go does (trailing zeros dropped)', () => {
    const second = BigInt(Date.UTC(2024, 4, 6, 7, 8, 9)) * 1_000_000n;
    expect(rfc3339Nano(second)).to.equal('2024-05-06T07:08:09Z');
    expect(rfc3339Nano(second + 120_000_000n)).to.equal('2024-05-06T07:08:09.12Z');
    expect(rfc3339Nano(second + 1n)).to.equal('2024-05-06T07:08:09.000000001Z');
  });
});
