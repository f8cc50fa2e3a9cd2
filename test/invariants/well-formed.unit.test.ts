/**
 * The harness's strict shard reader against encodings the manager's lenient
 * reader accepts, and I10 failing, with the secret named, on a run whose
 * backup set was written in one of them.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { formatShard, parseShard } from '../../common/secrets.js';
import { parseShardStrict, SHARE_BYTES } from '../../common/strict-shard.js';
import { checkI1, checkI10, checkRecord } from '../../harness/invariants/index.js';
import { makeSet, type TestSet } from '../observe/shard-fixtures.js';
import { simulateRun } from './simulate.js';

const doc = (hex: string, b64: string, extra: Record<string, unknown> = {}) => JSON.stringify({ keys: [hex], keys_base64: [b64], ...extra });

/** A share whose standard base64 uses + or /, so its URL-safe form really differs. */
function shareWithSpecialBase64(): Buffer {
  for (;;) {
    const share = randomBytes(SHARE_BYTES);
    if (/[+/]/.test(share.toString('base64'))) return share;
  }
}

describe('strict shard reader and I10 well-formed shards', () => {
  const share = shareWithSpecialBase64();
  const hex = share.toString('hex');
  const b64 = share.toString('base64');
  const lenientButWrong: Record<string, string> = {
    'URL-safe base64': doc(hex, share.toString('base64url')),
    'upper-case hex': doc(hex.toUpperCase(), b64),
    'a trailing newline inside the base64 value': doc(hex, `${b64}\n`),
    'base64 split over lines': doc(hex, `${b64.slice(0, 20)}\n${b64.slice(20)}`),
    'an extra field': doc(hex, b64, { root_token: 'x' }),
  };
  const plainWrong: Record<string, string> = {
    'hex with whitespace': doc(`${hex.slice(0, 10)} ${hex.slice(10)}`, b64),
    'a trailing newline inside the hex value': doc(`${hex}\n`, b64),
    'a 32-byte share': doc(hex.slice(2), share.subarray(1).toString('base64')),
    'two shards in one secret': JSON.stringify({ keys: [hex, hex], keys_base64: [b64, b64] }),
    'hex and base64 of different bytes': doc(hex, randomBytes(SHARE_BYTES).toString('base64')),
  };

  it("accepts Vault's exact form, the form formatShard writes", () => {
    const r = parseShardStrict(formatShard(share));
    expect(r.ok).to.equal(true);
    expect(r.ok && Buffer.from(r.share).equals(share)).to.equal(true);
    // whitespace around the JSON document (a bash here-string's newline) is not inside a value
    expect(parseShardStrict(`${formatShard(share)}\n`).ok).to.equal(true);
  });

  for (const [what, strdata] of Object.entries(lenientButWrong)) {
    it(`rejects ${what}, which the manager's lenient parseShard accepts`, () => {
      expect(parseShard(strdata), 'the lenient reader accepts it').to.not.equal(undefined);
      const r = parseShardStrict(strdata);
      expect(r.ok).to.equal(false);
      expect(!r.ok && r.reason).to.be.a('string').and.not.include(hex).and.not.include(b64);
    });
  }

  for (const [what, strdata] of Object.entries(plainWrong)) {
    it(`rejects ${what}`, () => expect(parseShardStrict(strdata).ok).to.equal(false));
  }

  it('names what is wrong without the value', () => {
    expect(parseShardStrict(lenientButWrong['upper-case hex']!)).to.deep.equal({ ok: false, reason: 'keys[0] is not 66 lower-case hex characters (66 characters, upper-case)' });
    expect(parseShardStrict(lenientButWrong['URL-safe base64']!)).to.deep.equal({ ok: false, reason: 'keys_base64[0] uses the URL-safe alphabet' });
    expect(parseShardStrict(lenientButWrong['a trailing newline inside the base64 value']!)).to.deep.equal({ ok: false, reason: 'keys_base64[0] contains whitespace' });
    expect(parseShardStrict('not json')).to.deep.equal({ ok: false, reason: 'strdata is not JSON' });
  });

  describe('I10 over a run record', () => {
    let oldSet: TestSet;
    let newSet: TestSet;
    before(async () => {
      oldSet = await makeSet();
      newSet = await makeSet();
    });

    it('passes an undisturbed run', async () => {
      expect(checkI10(await simulateRun(oldSet, newSet))).to.include({ status: 'passed' });
    });

    it('fails, naming the secret and the reason, when the backup set is written with a newline inside the base64', async () => {
      const newline = (name: string, s: Uint8Array) => (name.startsWith('cluster-key-bk-') ? doc(Buffer.from(s).toString('hex'), `${Buffer.from(s).toString('base64')}\n`) : formatShard(s));
      const bad = await simulateRun(oldSet, newSet, { encode: newline });
      const r = checkI10(bad);
      expect(r.status).to.equal('failed');
      expect(r.message).to.equal('cluster-key-bk-0 is not a well-formed shard: keys_base64[0] contains whitespace (after cluster-key-bk-0)');
      expect(r.evidence).to.include({ secret: 'cluster-key-bk-0', reason: 'keys_base64[0] contains whitespace' });
      expect(r.at).to.equal(bad.timeline.find((e) => e.name === 'cluster-key-bk-0')!.t);
      // custody holds (the new key is in effect, in cluster-rekey): only I10 sees it
      expect(checkI1(bad).status).to.equal('passed');
      expect(checkRecord(bad).outcome).to.equal('failed');
    });

    it('fails when the final cluster-key is stored in upper-case hex', async () => {
      const upper = (name: string, s: Uint8Array) => (name === 'cluster-key-3' ? doc(Buffer.from(s).toString('hex').toUpperCase(), Buffer.from(s).toString('base64')) : formatShard(s));
      const r = checkI10(await simulateRun(oldSet, newSet, { encode: upper }));
      expect(r.evidence).to.include({ secret: 'cluster-key-3' });
    });
  });
});
