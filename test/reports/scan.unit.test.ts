import { expect } from 'chai';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { UsageError } from '../../common/errors.js';
import { formatFindings, scanForSecrets } from '../../reports/scan.js';
import { FIXTURE_KINDS, makeRecord, makeWorld, type FixtureWorld } from './fixtures.js';
import { tempDir, writeResults } from './helpers.js';

describe('reports: secrets scan', () => {
  let world: FixtureWorld;
  let tmp: ReturnType<typeof tempDir>;

  before(async () => {
    world = await makeWorld();
    tmp = tempDir('scan');
  });
  after(() => tmp.remove());

  function plantDir(name: string, content: Buffer | string): string {
    const dir = join(tmp.path, 'planted', name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'file.bin'), content);
    return dir;
  }

  it('finds nothing in the Allure results and run dirs written from fixture records', () => {
    const items = FIXTURE_KINDS.map((k) => makeRecord(world, k, tmp.path));
    writeResults(join(tmp.path, 'allure-results'), items);
    const findings = scanForSecrets([join(tmp.path, 'allure-results'), join(tmp.path, 'runs')], world.secrets);
    expect(formatFindings(findings)).to.equal('');
  });

  const shard = () => Buffer.from(world.oldSet.shards[2]!);
  const cases: [string, () => Buffer | string, RegExp][] = [
    ['a hex shard in a log line', () => `INFO stored ${shard().toString('hex')} ok`, /^shard fp=\w+ \(hex\)/],
    ['an upper-case hex shard', () => shard().toString('hex').toUpperCase(), /\(hex \(upper case\)\)/],
    ['a base64 shard in strdata', () => JSON.stringify({ keys_base64: [shard().toString('base64')] }), /\(base64\)/],
    ['a shard as raw bytes', () => Buffer.concat([Buffer.from('PNG....'), shard(), Buffer.from('....')]), /\(raw bytes\)/],
    // single-file HTML reports embed attachments as base64: the shard can start at any of the three byte alignments
    ...['', 'x', 'xy'].map((p): [string, () => string, RegExp] => [
      `a hex shard inside a base64 attachment (alignment ${p.length})`,
      () => Buffer.from(`${p}{"k":"${shard().toString('hex')}"}`).toString('base64'),
      /\(hex inside base64\)/,
    ]),
    ['a gzipped log with a base64 shard', () => gzipSync(Buffer.from(`k=${shard().toString('base64')}\n`)), /\(base64\)/],
    ['a percent-encoded base64 shard in a URL', () => `https://x/?s=${encodeURIComponent(shard().toString('base64'))}`, /percent-encoded|base64/],
    ['the root token', () => `token: ${world.rootToken}`, /^root token fp=\w+ \(text\)/],
    ['an unseal key in hex', () => Buffer.from(world.newSet.key).toString('hex'), /^unseal key fp=\w+ \(hex\)/],
  ];
  for (const [what, content, expected] of cases) {
    it(`finds ${what}`, () => {
      const dir = plantDir(what.replace(/\W+/g, '-'), content());
      const findings = scanForSecrets([dir], world.secrets);
      expect(findings.length, `no finding for ${what}`).to.be.greaterThan(0);
      expect(findings.map((f) => `${f.secret} (${f.encoding})`).join('\n')).to.match(new RegExp(expected.source, 'm'));
      expect(findings[0]!.file).to.equal(join(dir, 'file.bin'));
    });
  }

  it('reports findings without the secret value', () => {
    const dir = plantDir('no-echo', shard().toString('hex'));
    const text = formatFindings(scanForSecrets([dir], world.secrets));
    expect(text).to.contain('shard fp=');
    expect(text).to.not.contain(shard().toString('hex'));
    expect(text).to.not.contain(shard().toString('base64').slice(0, 20));
  });

  it('does not flag fingerprints or other random hex', () => {
    const dir = plantDir('clean', `${world.oldSet.keyFp} ${world.oldSet.shardFps.join(' ')} ${Buffer.alloc(33, 7).toString('hex')}`);
    expect(scanForSecrets([dir], world.secrets)).to.deep.equal([]);
  });

  it('refuses a folder that does not exist and an empty list of secrets', () => {
    expect(() => scanForSecrets([join(tmp.path, 'nope')], world.secrets)).to.throw(UsageError, /does not exist/);
    expect(() => scanForSecrets([tmp.path], {})).to.throw(UsageError, /no secret values/);
  });
});
