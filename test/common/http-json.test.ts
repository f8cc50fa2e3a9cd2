import { expect } from 'chai';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EnvironmentError } from '../../common/errors.js';
import { HttpUnreachableError, requestJson } from '../../common/http-json.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

describe('common: requestJson', () => {
  let server: Server;
  let base = '';
  const seen: Seen[] = [];
  let answer: (res: import('node:http').ServerResponse) => void = (res) => res.end();

  before(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        answer(res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    seen.length = 0;
  });

  it('sends a JSON body with its length (a DELETE body too), the bearer token and extra headers', async () => {
    answer = (res) => res.writeHead(201, { 'content-type': 'application/json' }).end('{"ok":true}');
    const res = await requestJson<{ ok: boolean }>(`${base}/x?y=1`, { method: 'DELETE', json: { a: 1 }, bearer: 't0k', headers: { 'x-extra': 'e' } });
    expect(res.status).to.equal(201);
    expect(res.json).to.deep.equal({ ok: true });
    const [req] = seen;
    expect(req).to.include({ method: 'DELETE', url: '/x?y=1', body: '{"a":1}' });
    expect(req!.headers).to.include({ 'content-type': 'application/json', 'content-length': '7', authorization: 'Bearer t0k', 'x-extra': 'e' });
  });

  it('resolves any status; a body that is not JSON leaves json undefined and keeps the text', async () => {
    answer = (res) => res.writeHead(500).end('<html>boom</html>');
    const res = await requestJson(`${base}/y`, { body: 'raw text' });
    expect(res).to.include({ status: 500, text: '<html>boom</html>', json: undefined });
    expect(seen[0]!.body).to.equal('raw text');
    expect(seen[0]!.headers['content-type']).to.equal(undefined);
  });

  it('rejects with an HttpUnreachableError (an EnvironmentError) that names neither the query nor the body', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const err = await requestJson(`http://127.0.0.1:${port}/v1/sys/unseal?key=secret-query`, { method: 'PUT', json: { key: 'secret-body' } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(HttpUnreachableError).and.instanceOf(EnvironmentError);
    expect((err as Error).message).to.match(/^PUT http:\/\/127\.0\.0\.1:\d+\/v1\/sys\/unseal failed: /);
    expect((err as Error).message).to.not.match(/secret-/);
  });

  it('gives up after timeoutMs when the server never answers', async () => {
    answer = () => {}; // hold the response
    const err = await requestJson(`${base}/slow`, { timeoutMs: 200 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(HttpUnreachableError);
    expect((err as Error).message).to.match(/no answer within 200 ms/);
  });
});
