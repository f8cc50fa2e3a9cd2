/** In-process unit tests of the double's parsing: options, key decoding, request bodies and the error envelope. */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UsageError } from '../../../common/errors.js';
import { VaultApiError } from '../../../platform/vault/errors.js';
import { canonicalHeaderName, encodeJsonDocument, goStatusText } from '../../../platform/vault/go-wire.js';
import { makeListener, type ApiRequest } from '../../../platform/vault/http.js';
import { decodeKey, open, seal } from '../../../platform/vault/keys.js';
import { DEFAULT_OPTIONS, parseOptions } from '../../../platform/vault/options.js';

function expectThrows(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an exception');
}

describe('vault double: parsing units', () => {
  it('options: defaults, overrides, and typed errors naming the field', () => {
    expect(parseOptions(undefined)).to.deep.equal(DEFAULT_OPTIONS);
    expect(DEFAULT_OPTIONS.staleSealedNode).to.equal('old-key');
    expect(DEFAULT_OPTIONS.dualActiveLabelWindowMs).to.equal(0);
    expect(parseOptions('{"staleSealedNode":"current-key","electionMs":300,"leaseRenewMs":50}')).to.include({ staleSealedNode: 'current-key', electionMs: 300, leaseRenewMs: 50 });
    const unknown = expectThrows(() => parseOptions('{"electionMS":5}'));
    expect(unknown).to.be.instanceOf(UsageError);
    expect(unknown.message).to.contain("'electionMS'");
    expect(expectThrows(() => parseOptions('{"staleSealedNode":"never"}')).message).to.contain('staleSealedNode');
    expect(expectThrows(() => parseOptions('{"electionMs":-1}')).message).to.contain('electionMs');
    expect(expectThrows(() => parseOptions('{"electionMs":100,"leaseRenewMs":100}'))).to.be.instanceOf(UsageError);
    expect(expectThrows(() => parseOptions('not json'))).to.be.instanceOf(UsageError);
  });

  it('key decoding: hex first, base64 when hex fails or has the wrong length, else the 400 message', () => {
    const share = randomBytes(33);
    expect(decodeKey(share.toString('hex')).equals(share)).to.equal(true);
    expect(decodeKey(share.toString('base64')).equals(share)).to.equal(true);
    const digitsOnly = '1234'.repeat(11); // 44 chars: hex gives 22 bytes, within [16,33]
    expect(decodeKey(digitsOnly)).to.have.length(22);
    // 96 hex chars = 48 bytes: outside [16,33], so base64 is tried (96 chars → 72 bytes).
    expect(decodeKey('ab'.repeat(48))).to.have.length(72);
    const bad = expectThrows(() => decodeKey('not a key!'));
    expect(bad).to.be.instanceOf(VaultApiError);
    expect(bad.message).to.equal("'key' must be a valid hex or base64 string");
  });

  it('AES-GCM envelope: the right key opens it, any other fails with the GCM message', () => {
    const key = randomBytes(32);
    const root = randomBytes(32);
    const env = seal(key, root);
    expect(open(key, env).equals(root)).to.equal(true);
    expect(expectThrows(() => open(randomBytes(32), env)).message).to.equal('cipher: message authentication failed');
    expect(expectThrows(() => open(randomBytes(20), env)).message).to.equal('crypto/aes: invalid key size 20');
  });

  it("Go's wire format: json.Encoder's escapes and newline, net/http's reason phrases, canonical header names", () => {
    expect(encodeJsonDocument({ errors: [] })).to.equal('{"errors":[]}\n');
    expect(encodeJsonDocument({ s: '<a & b>\u2028\b\f\\b' })).to.equal('{"s":"\\u003ca \\u0026 b\\u003e\\u2028\\u0008\\u000c\\\\b"}\n');
    expect(JSON.parse(encodeJsonDocument({ s: '<a & b>\u2028\b\f\\b' }))).to.deep.equal({ s: '<a & b>\u2028\b\f\\b' });
    expect([200, 204, 307, 413, 429, 503].map(goStatusText)).to.deep.equal(['OK', 'No Content', 'Temporary Redirect', 'Request Entity Too Large', 'Too Many Requests', 'Service Unavailable']);
    expect(goStatusText(472)).to.equal('status code 472');
    expect(canonicalHeaderName('content-type')).to.equal('Content-Type');
    expect(canonicalHeaderName('LOCATION')).to.equal('Location');
  });

  describe('router', () => {
    let server: Server;
    let port = 0;
    const seen: ApiRequest[] = [];
    before(async () => {
      const listener = makeListener(
        [
          { path: '/v1/sys/echo', methods: { PUT: (r) => (seen.push(r), { status: 200, body: r.body }), GET: () => ({ status: 204 }) } },
          { path: '/v1/sys/sealed', methods: { GET: () => Promise.reject(new VaultApiError(500, 'wrapped: Vault is sealed')) } },
        ],
        async () => undefined,
      );
      server = createServer((req, res) => void listener(req, res));
      await new Promise<void>((r) => server.listen(0, '127.44.0.1', () => r()));
      port = (server.address() as AddressInfo).port;
    });
    after(() => new Promise<void>((r) => server.close(() => r())));

    const call = (method: string, path: string, body?: string) =>
      new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = request({ host: '127.44.0.1', port, method, path, headers: body ? { 'content-type': 'application/json' } : {} }, (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        });
        req.on('error', reject);
        req.end(body);
      });

    it('POST equals PUT, field names are case-insensitive, other methods get 405 with an empty list', async () => {
      const r = await call('POST', '/v1/sys/echo', '{"Key":"x","RESET":true}');
      expect(r.status).to.equal(200);
      expect(JSON.parse(r.text)).to.deep.equal({ key: 'x', reset: true });
      const m = await call('DELETE', '/v1/sys/echo');
      expect(m.status).to.equal(405);
      expect(m.text).to.equal('{"errors":[]}\n');
      expect((await call('GET', '/v1/sys/echo')).status).to.equal(204);
    });

    it('bad JSON is a 400 "failed to parse JSON input"; a wrapped sealed error is forced to 503', async () => {
      const r = await call('PUT', '/v1/sys/echo', '{"key":');
      expect(r.status).to.equal(400);
      expect(JSON.parse(r.text).errors[0]).to.match(/^failed to parse JSON input: /);
      const s = await call('GET', '/v1/sys/sealed');
      expect(s.status).to.equal(503);
      expect(JSON.parse(s.text)).to.deep.equal({ errors: ['wrapped: Vault is sealed'] });
    });
  });
});
