/**
 * Shamir test vectors across two implementations: the double's (via
 * common/shamir.ts and the running server) and an independent one
 * written here. Shares made by either combine in the other.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { combine, split } from '../../../common/shamir.js';
import { mul, inverse, combineIndependent, splitIndependent } from './support/gf256.js';
import { DoubleCluster, FAST_OPTIONS } from './support/double-cluster.js';

const pick3 = (shares: Uint8Array[], seed: number) => {
  const idx = [0, 1, 2, 3, 4].sort((a, b) => ((a * 7 + seed) % 5) - ((b * 7 + seed) % 5));
  return idx.slice(0, 3).map((i) => shares[i]!);
};

describe('vault: Shamir test vectors', function () {
  this.timeout(30_000);

  it('the independent field is the AES field (known products and inverses)', () => {
    expect(mul(0x57, 0x83)).to.equal(0xc1); // FIPS-197 §4.2 example
    expect(mul(0x57, 0x13)).to.equal(0xfe);
    for (let a = 1; a < 256; a++) expect(mul(a, inverse(a))).to.equal(1);
  });

  it("the double's shares combine independently and the independent shares combine in the double's code", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.nat(1000), async (secret, seed) => {
        const theirs = await split(secret, 5, 3);
        expect(theirs.every((s) => s.length === 33)).to.equal(true);
        expect(Buffer.from(combineIndependent(pick3(theirs, seed))).equals(Buffer.from(secret))).to.equal(true);
        const ours = splitIndependent(secret, 5, 3);
        expect(Buffer.from(await combine(pick3(ours, seed))).equals(Buffer.from(secret))).to.equal(true);
      }),
      { numRuns: 100 },
    );
  });

  describe('through a running server', () => {
    const cluster = new DoubleCluster({ ipBase: '127.44.0', options: FAST_OPTIONS });
    before(async () => cluster.setup());
    after(async () => cluster.stop());

    it('init shares recombine independently; a fresh independent split of that key unseals the server', async () => {
      const c = cluster.server(0);
      const init = await c.put('sys/init', { secret_shares: 5, secret_threshold: 3 });
      expect(init.status).to.equal(200);
      const shares = (init.body.keys as string[]).map((k) => new Uint8Array(Buffer.from(k, 'hex')));
      const key = combineIndependent(shares.slice(2, 5));
      expect(Buffer.from(combineIndependent(shares.slice(0, 3))).equals(Buffer.from(key))).to.equal(true);
      const mine = splitIndependent(key, 5, 3).map((s) => Buffer.from(s).toString('hex'));
      for (const k of mine.slice(1, 4)) await c.put('sys/unseal', { key: k });
      expect((await c.get('sys/seal-status')).body.sealed).to.equal(false);
    });
  });
});
