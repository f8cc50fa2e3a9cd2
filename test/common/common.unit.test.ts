import { expect } from 'chai';
import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { combine, split, subsets } from '../../common/shamir.js';
import { formatShard, parseShard, parseShardSecretName, isRekeyArtefact, iterationRequestId, rootTokenOf } from '../../common/secrets.js';
import { secretValuesOf } from '../../harness/run/secret-values.js';
import { looksSecret, redact } from '../../common/redact.js';
import { keyFingerprint, shardFingerprint } from '../../common/fingerprint.js';
import { hash32, seededRandom, seededSample } from '../../common/random.js';
import { allMilestoneEvents, expectedRekeySequence, isMilestoneEvent } from '../../common/milestones.js';

describe('common: Shamir in Vault layout', () => {
  it('splits a 32-byte key into 33-byte shares whose every 3-subset recombines', async () => {
    const key = new Uint8Array(randomBytes(32));
    const shares = await split(key, 5, 3);
    expect(shares).to.have.length(5);
    for (const s of shares) expect(s.length).to.equal(33);
    // Vault's layout ends each share with its x coordinate: distinct, non-zero.
    const xs = shares.map((s) => s[32]);
    expect(new Set(xs).size).to.equal(5);
    expect(xs).to.not.include(0);
    for (const idx of subsets(5, 3)) {
      const got = await combine(idx.map((i) => shares[i]!));
      expect(Buffer.from(got).equals(Buffer.from(key))).to.equal(true);
    }
  });

  it('accepts Node Buffers (the package alone rejects them)', async () => {
    const key = randomBytes(32);
    const shares = await split(key, 5, 3);
    const got = await combine(shares.slice(0, 3).map((s) => Buffer.from(s)));
    expect(Buffer.from(got).equals(key)).to.equal(true);
  });

  it('a mixed set of two keys yields a different key (detected only by decryption)', async () => {
    const a = await split(new Uint8Array(randomBytes(32)), 5, 3);
    const b = await split(new Uint8Array(randomBytes(32)), 5, 3);
    const mixed = await combine([a[0]!, a[1]!, b[2]!]);
    const good = await combine([a[0]!, a[1]!, a[2]!]);
    expect(keyFingerprint(mixed)).to.not.equal(keyFingerprint(good));
  });

  it('n = 1 is the raw key, as in Vault', async () => {
    const key = new Uint8Array(randomBytes(32));
    const [only] = await split(key, 1, 1);
    expect(Buffer.from(only!).equals(Buffer.from(key))).to.equal(true);
  });

  it('lists the ten 3-of-5 subsets', () => {
    const all = subsets(5, 3);
    expect(all).to.have.length(10);
    expect(new Set(all.map((s) => s.join())).size).to.equal(10);
  });
});

describe('common: shard secrets', () => {
  it('round-trips a shard through strdata and rejects disagreeing encodings', async () => {
    const [share] = await split(new Uint8Array(randomBytes(32)), 5, 3);
    const doc = formatShard(share!);
    expect(Buffer.from(parseShard(doc)!).equals(Buffer.from(share!))).to.equal(true);
    const tampered = JSON.parse(doc);
    tampered.keys_base64[0] = Buffer.from(randomBytes(33)).toString('base64');
    expect(parseShard(JSON.stringify(tampered))).to.equal(undefined);
    expect(parseShard('not json')).to.equal(undefined);
    expect(parseShard('{"keys":[1],"keys_base64":["x"]}')).to.equal(undefined);
  });

  it('names: shard secrets, root token and artefacts', () => {
    expect(parseShardSecretName('cluster-key-bk-4')).to.deep.equal({ prefix: 'cluster-key-bk', index: 4 });
    expect(parseShardSecretName('cluster-rekey-0')).to.deep.equal({ prefix: 'cluster-rekey', index: 0 });
    expect(parseShardSecretName('cluster-key-root')).to.equal(undefined);
    expect(parseShardSecretName('cluster-key-5')).to.equal(undefined);
    expect(isRekeyArtefact('cluster-rekey-audit')).to.equal(true);
    expect(isRekeyArtefact('cluster-key-bk-1')).to.equal(true);
    expect(isRekeyArtefact('cluster-key-1')).to.equal(false);
    expect(iterationRequestId(2120)).to.equal('e18b5b44-eb88-e860-4d9f-ed000000002120');
  });
});

describe('common: secrets hygiene', () => {
  it('redacts every encoding of any shard and tokens, and leaves fingerprints alone', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 32, maxLength: 32 }), async (key) => {
        const shares = await split(key, 5, 3);
        for (const s of shares) {
          const hex = Buffer.from(s).toString('hex');
          const b64 = Buffer.from(s).toString('base64');
          const line = `stored shard ${hex} and ${b64} fp=${shardFingerprint(s)}`;
          const out = redact(line);
          expect(out).to.not.include(hex);
          expect(out).to.not.include(b64);
          expect(out).to.include(shardFingerprint(s));
          expect(looksSecret(line)).to.equal(true);
        }
      }),
      { numRuns: 25 },
    );
    // Built at run time: no token-shaped literal is ever committed.
    const token = `hvs.${'A1b2C3d4'.repeat(3)}`;
    expect(redact(`root token ${token} ok`)).to.equal('root token [REDACTED] ok');
    expect(looksSecret('rekey complete for e18b5b44-eb88-e860-4d9f-ed000000002000')).to.equal(false);
  });
});

describe('common: milestones', () => {
  it('every event of the undisturbed sequence is a known milestone, and names are unique', () => {
    const all = allMilestoneEvents();
    expect(new Set(all).size).to.equal(all.length);
    for (const e of expectedRekeySequence()) expect(isMilestoneEvent(e), e).to.equal(true);
    expect(isMilestoneEvent('cluster-rekey-verified')).to.equal(true);
    expect(isMilestoneEvent('cluster-rekey-verifed')).to.equal(false);
  });
});

describe('common: the deterministic random source', () => {
  it('is deterministic per seed, differs across seeds, and stays in range', () => {
    const a = seededRandom(42), b = seededRandom(42), c = seededRandom(43);
    const sa = [a.next(), a.next(), a.next()];
    expect([b.next(), b.next(), b.next()]).to.deep.equal(sa);
    expect([c.next(), c.next(), c.next()]).to.not.deep.equal(sa);
    for (const x of sa) expect(x).to.be.within(0, 1);
  });

  it('keeps the sequence replay tokens were made with (mulberry32, FNV-1a)', () => {
    const r = seededRandom(7);
    expect([r.next(), r.next(), r.next()]).to.deep.equal([0.011704753153026104, 0.06195825757458806, 0.97690763277933]);
    expect(hash32('F1-001', 0, 'sweep')).to.equal(hash32('F1-001', 0, 'sweep'));
    expect(hash32('a', 1)).to.not.equal(hash32('a1'));
  });

  it('int and pick stay inside their bounds; pick refuses an empty list', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 50 }), (seed, n) => {
        const r = seededRandom(seed);
        const i = r.int(n);
        return Number.isInteger(i) && i >= 0 && i < n && [1, 2, 3].includes(r.pick([1, 2, 3]));
      }),
    );
    expect(() => seededRandom(1).pick([])).to.throw(RangeError);
  });

  it('seededSample takes count distinct items in their original order', () => {
    const items = Array.from({ length: 40 }, (_, i) => i);
    const sample = seededSample(items, 12, 99);
    expect(sample).to.have.length(12);
    expect([...sample].sort((x, y) => x - y)).to.deep.equal(sample);
    expect(new Set(sample).size).to.equal(12);
    expect(seededSample(items, 12, 99)).to.deep.equal(sample);
  });
});

describe('runtime: explicit resource management', () => {
  it('Node defines Symbol.asyncDispose, which `await using` (lowered by esbuild/tsx) calls', async () => {
    expect(typeof Symbol.asyncDispose).to.equal('symbol');
    const log: string[] = [];
    {
      await using _resource = { [Symbol.asyncDispose]: async () => void log.push('disposed') };
      log.push('body');
    }
    expect(log).to.deep.equal(['body', 'disposed']);
  });
});

describe('common: the root token as its consumers read it', () => {
  it("drops the trailing newlines a shell's $(…) drops (StarlingX stores it from a here-string), nothing else", () => {
    const token = ['hvs', 'x'.repeat(24)].join('.');
    expect(rootTokenOf(`${token}\n`)).to.equal(token);
    expect(rootTokenOf(`${token}\n\n`)).to.equal(token);
    expect(rootTokenOf(token)).to.equal(token);
    expect(rootTokenOf(` ${token} `)).to.equal(` ${token} `);
  });

  it('the leak scan looks for the token as read, so a report quoting it is still caught', () => {
    const token = ['hvs', 'y'.repeat(24)].join('.');
    expect(secretValuesOf('cluster-key-root', `${token}\n`)).to.deep.equal([token]);
  });
});
