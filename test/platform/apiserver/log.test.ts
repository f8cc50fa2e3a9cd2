import { expect } from 'chai';
import { request } from 'node:https';
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
});
