/**
 * The bundle cache (platform/bundle-cache.ts) on a small fixture
 * program of its own: the bundle runs; unchanged inputs are served from the
 * cache; an edit of any input (also one imported indirectly) rebuilds and
 * the new bundle runs the edited code; reverting the edit finds the earlier
 * build again; an input written during a build is never cached; stack
 * traces map back to the TypeScript sources; concurrent misses build once;
 * a dead builder's lock is broken; a broken source fails with a
 * typed error naming file and line and leaves the previous bundles in place.
 */
import { expect } from 'chai';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { EnvironmentError } from '../../../common/errors.js';
import { buildCachedBundles, type CachedBundleOptions } from '../../../platform/bundle-cache.js';

const run = promisify(execFile);

describe('bundle cache', function () {
  this.timeout(30_000);
  let root: string;
  let src: string;
  let options: CachedBundleOptions;

  /** Writes a fixture file dated in the past, as a source edited before the build asked for it. */
  function writeSource(name: string, text: string, ageMs = 5_000): void {
    const file = path.join(src, name);
    fs.writeFileSync(file, text);
    const t = new Date(Date.now() - ageMs);
    fs.utimesSync(file, t, t);
  }

  const greeting = (word: string) => `export const word: string = ${JSON.stringify(word)};\n`;

  async function runBundle(file: string, ...args: string[]): Promise<string> {
    return (await run(process.execPath, ['--enable-source-maps', file, ...args])).stdout.trim();
  }

  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'rekey-chaos-bundle-cache-'));
    src = path.join(root, 'src');
    fs.mkdirSync(src);
    writeSource('word.ts', greeting('alpha'));
    writeSource('middle.ts', `import { word } from './word.js';\nexport function greet(who: string): string {\n  return \`\${word} \${who}\`;\n}\n`);
    writeSource(
      'main.ts',
      [
        `import { greet } from './middle.js';`,
        `function fail(): never {`,
        `  throw new Error('fixture failure');`,
        `}`,
        `if (process.argv[2] === 'fail') fail();`,
        `process.stdout.write(greet('bundle') + '\\n');`,
        ``,
      ].join('\n'),
    );
    options = { entries: { app: 'src/main.ts' }, outDir: path.join(root, 'state', 'bundles'), cacheDir: path.join(root, 'cache'), absWorkingDir: root };
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('builds a runnable bundle, then serves the same inputs from the cache', async () => {
    const first = await buildCachedBundles(options);
    expect(first.fromCache).to.equal(false);
    expect(first.inputs).to.equal(3);
    expect(first.files.app).to.equal(path.join(options.outDir, 'app.mjs'));
    expect(await runBundle(first.files.app!)).to.equal('alpha bundle');
    const second = await buildCachedBundles(options);
    expect(second.fromCache).to.equal(true);
    expect(second.key).to.equal(first.key);
    expect(await runBundle(second.files.app!)).to.equal('alpha bundle');
  });

  it('rebuilds when an indirectly imported source changes, and finds the earlier build again after a revert', async () => {
    const first = await buildCachedBundles(options);
    writeSource('word.ts', greeting('beta'));
    const edited = await buildCachedBundles(options);
    expect(edited.fromCache, 'a changed input is never served from the cache').to.equal(false);
    expect(edited.key).to.not.equal(first.key);
    expect(await runBundle(edited.files.app!)).to.equal('beta bundle');
    writeSource('word.ts', greeting('alpha'));
    const reverted = await buildCachedBundles(options);
    expect(reverted.fromCache).to.equal(true);
    expect(reverted.key).to.equal(first.key);
    expect(await runBundle(reverted.files.app!)).to.equal('alpha bundle');
  });

  it('never caches a build whose inputs were written while it ran', async () => {
    // an mtime after the build started is what a save during the build leaves behind
    writeSource('middle.ts', fs.readFileSync(path.join(src, 'middle.ts'), 'utf8'), -60_000);
    const first = await buildCachedBundles(options);
    expect(first.fromCache).to.equal(false);
    expect(await runBundle(first.files.app!)).to.equal('alpha bundle');
    const again = await buildCachedBundles(options);
    expect(again.fromCache, 'the unsure build was not cached').to.equal(false);
    expect(fs.readdirSync(options.cacheDir).filter((n) => n.startsWith('.build-')), 'no build dir left behind').to.deep.equal([]);
  });

  it('maps stack traces back to the TypeScript source', async () => {
    const { files } = await buildCachedBundles(options);
    const failed = await runBundle(files.app!, 'fail').then(
      () => undefined,
      (err: { stderr: string }) => err.stderr,
    );
    expect(failed, 'the fixture exits with an error').to.be.a('string');
    expect(failed).to.include('fixture failure');
    expect(failed).to.include(`${path.join(src, 'main.ts')}:3:`);
  });

  it('fails with a typed error naming the broken file and line, keeping the previous bundles', async () => {
    const good = await buildCachedBundles(options);
    writeSource('middle.ts', `export function greet(who: string): string {\n  return who +;\n}\n`);
    let error: unknown;
    await buildCachedBundles(options).catch((err: unknown) => (error = err));
    expect(error).to.be.instanceOf(EnvironmentError);
    expect((error as Error).message).to.match(/src\/middle\.ts:2:\d+: /);
    expect(await runBundle(good.files.app!), 'the last good bundle still runs').to.equal('alpha bundle');
  });

  it('refuses a missing entry point before building anything', async () => {
    let error: unknown;
    await buildCachedBundles({ ...options, entries: { app: 'src/absent.ts' } }).catch((err: unknown) => (error = err));
    expect(error).to.be.instanceOf(EnvironmentError);
    expect((error as Error).message).to.include('absent.ts does not exist');
    expect(fs.existsSync(options.cacheDir)).to.equal(false);
  });

  it('builds once for concurrent starts that miss, the others waiting on the lock and taking the result', async () => {
    const results = await Promise.all([1, 2, 3].map((i) => buildCachedBundles({ ...options, outDir: path.join(root, `state-${i}`, 'bundles') })));
    expect(results.filter((r) => !r.fromCache), 'exactly one build').to.have.length(1);
    expect(new Set(results.map((r) => r.key)).size).to.equal(1);
    for (const r of results) expect(await runBundle(r.files.app!)).to.equal('alpha bundle');
    expect(fs.existsSync(path.join(options.cacheDir, '.build.lock')), 'the lock is released').to.equal(false);
  });

  it('breaks the lock of a build whose process died', async () => {
    const dead = spawn(process.execPath, ['-e', '']);
    await once(dead, 'exit');
    fs.mkdirSync(options.cacheDir, { recursive: true });
    fs.writeFileSync(path.join(options.cacheDir, '.build.lock'), `${dead.pid} leftover`);
    const built = await buildCachedBundles(options);
    expect(built.fromCache).to.equal(false);
    expect(await runBundle(built.files.app!)).to.equal('alpha bundle');
  });

  it('keeps only the most recently used entries', async () => {
    const keys: string[] = [];
    for (const word of ['one', 'two', 'three']) {
      writeSource('word.ts', greeting(word));
      keys.push((await buildCachedBundles({ ...options, keep: 2 })).key);
    }
    const kept = fs.readdirSync(options.cacheDir).filter((n) => /^[0-9a-f]{64}$/.test(n));
    expect(kept.sort()).to.deep.equal(keys.slice(1).sort());
  });
});
