/**
 * A content-addressed cache of esbuild bundles (ESM for Node 20), so the
 * embedded cluster's programs start as plain `node` processes instead of
 * going through tsx on every (re)start.
 *
 * An entry is `<cacheDir>/<key>/` where key = sha256 over the build recipe
 * (esbuild version, options, entry points) and the content hash of every
 * input esbuild reported in its metafile. A lookup re-hashes the inputs a
 * cached entry was built from (tens of ms for ~1300 files) and only serves
 * it when the key still matches, so an edited source — or an edited
 * dependency under node_modules — never gets a stale bundle. A full build
 * takes seconds on a loaded 2-core machine, hence the cache.
 *
 * Concurrent starts that miss (the working tree is shared) build once: the
 * first takes `<cacheDir>/.build.lock`, the others wait for it and look again.
 *
 * The caller's `outDir` receives hard links to the entry (a copy across
 * file systems), so pruning the cache never pulls a bundle from under a
 * running cluster.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { EnvironmentError } from '../common/errors.js';
import { pidAlive } from '../common/process.js';
import { waitFor } from './agent/wait.js';

/** Bump when the layout of an entry or the way it is built changes. */
const CACHE_FORMAT = 1;
const DEFAULT_KEEP = 6;
/** A build dir this old is a leftover of a killed build. */
const ABANDONED_BUILD_MS = 10 * 60_000;
/** Coarse file-system timestamps: an input touched this close to the build's start counts as touched during it. */
const MTIME_SLACK_MS = 50;
const KEY_PATTERN = /^[0-9a-f]{64}$/;
const LOCK_FILE = '.build.lock';
/** How long a start waits for another process's build before building itself. */
const LOCK_WAIT_MS = 120_000;

/**
 * CommonJS dependencies (the Kubernetes client's) call `require` for Node
 * built-ins; an ESM bundle has none, so give it one bound to the bundle.
 */
const ESM_REQUIRE_BANNER = "import { createRequire as __rekeyChaosCreateRequire } from 'node:module'; const require = __rekeyChaosCreateRequire(import.meta.url);";

/** What makes a bundle (part of every cache key). */
const BUILD_OPTIONS = {
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  // Node parses a bundle's map when it loads it: the sources' text would be megabytes of heap in
  // every process, and stack traces need only the mappings (they name the .ts files).
  sourcesContent: false,
  banner: { js: ESM_REQUIRE_BANNER },
} as const;

export interface CachedBundleOptions {
  /** output name → entry point (absolute, or relative to absWorkingDir) */
  entries: Record<string, string>;
  /** where the caller wants the bundles (replaced as a whole) */
  outDir: string;
  cacheDir: string;
  /** the build's working dir (module resolution, metafile paths); default the process cwd */
  absWorkingDir?: string;
  /** cache entries kept after a build (least recently used go first; default 6) */
  keep?: number;
}

export interface BundleSet {
  /** the caller's outDir */
  dir: string;
  /** output name → absolute path of its .mjs (its source map beside it, `.mjs.map`) */
  files: Record<string, string>;
  key: string;
  /** true when served from the cache, false when built now */
  fromCache: boolean;
  /** how long the build took (only when built now) */
  buildMs?: number;
  /** how many inputs the bundles were built from */
  inputs: number;
}

interface EntryMeta {
  format: number;
  recipe: string;
  key: string;
  names: string[];
  /** absolute paths of every input, sorted */
  inputs: string[];
}

/** Hashes files at most once per lookup or build. */
class FileHashes {
  private readonly memo = new Map<string, Promise<string | undefined>>();
  of(file: string): Promise<string | undefined> {
    let h = this.memo.get(file);
    if (!h) {
      h = readFile(file).then(
        (b) => createHash('sha256').update(b).digest('hex'),
        () => undefined,
      );
      this.memo.set(file, h);
    }
    return h;
  }
}

/** The key of a recipe over these inputs' current contents; undefined when an input is gone. */
async function keyOf(recipe: string, inputs: readonly string[], hashes: FileHashes): Promise<string | undefined> {
  const contentHashes = await Promise.all(inputs.map((f) => hashes.of(f)));
  if (contentHashes.some((h) => h === undefined)) return undefined;
  const key = createHash('sha256').update(recipe).update('\n');
  inputs.forEach((f, i) => key.update(`${f}\0${contentHashes[i]}\n`));
  return key.digest('hex');
}

const bundleName = (name: string) => `${name}.mjs`;
const outputsOf = (names: readonly string[]) => names.flatMap((n) => [bundleName(n), `${bundleName(n)}.map`]);

function readMeta(entryDir: string): EntryMeta | undefined {
  try {
    const meta = JSON.parse(fs.readFileSync(path.join(entryDir, 'meta.json'), 'utf8')) as EntryMeta;
    return meta.format === CACHE_FORMAT && Array.isArray(meta.inputs) && Array.isArray(meta.names) ? meta : undefined;
  } catch {
    return undefined;
  }
}

/** Cache entries, most recently used first (meta.json's mtime is touched on every hit). */
function entriesByRecency(cacheDir: string): Array<{ dir: string; usedMs: number }> {
  const out: Array<{ dir: string; usedMs: number }> = [];
  for (const name of fs.readdirSync(cacheDir)) {
    if (!KEY_PATTERN.test(name)) continue;
    const dir = path.join(cacheDir, name);
    try {
      out.push({ dir, usedMs: fs.statSync(path.join(dir, 'meta.json')).mtimeMs });
    } catch {
      /* being written or removed by another build */
    }
  }
  return out.sort((a, b) => b.usedMs - a.usedMs);
}

async function lookup(cacheDir: string, recipe: string, hashes: FileHashes): Promise<{ dir: string; meta: EntryMeta } | undefined> {
  for (const { dir } of entriesByRecency(cacheDir)) {
    const meta = readMeta(dir);
    if (!meta || meta.recipe !== recipe || meta.key !== path.basename(dir)) continue;
    if ((await keyOf(recipe, meta.inputs, hashes)) !== meta.key) continue;
    if (!outputsOf(meta.names).every((f) => fs.existsSync(path.join(dir, f)))) continue;
    const now = new Date();
    fs.utimesSync(path.join(dir, 'meta.json'), now, now);
    return { dir, meta };
  }
  return undefined;
}

/** Source paths in the maps become absolute file URLs, so stack traces point at the sources wherever the bundle is linked. */
function absolutizeSourceMap(mapFile: string): void {
  const map = JSON.parse(fs.readFileSync(mapFile, 'utf8')) as { sources: string[]; sourceRoot?: string };
  const base = path.dirname(mapFile);
  map.sources = map.sources.map((s) => (/^[a-z]+:/i.test(s) ? s : pathToFileURL(path.resolve(base, map.sourceRoot ?? '', s)).href));
  delete map.sourceRoot;
  fs.writeFileSync(mapFile, JSON.stringify(map));
}

interface EsbuildFailure {
  errors?: Array<{ text: string; location?: { file: string; line: number; column: number } | null }>;
}

function describeBuildFailure(err: unknown): string {
  const errors = (err as EsbuildFailure).errors;
  if (!Array.isArray(errors) || errors.length === 0) return err instanceof Error ? err.message : String(err);
  const shown = errors.slice(0, 5).map((e) => (e.location ? `${e.location.file}:${e.location.line}:${e.location.column}: ${e.text}` : e.text));
  return shown.join('\n') + (errors.length > shown.length ? `\n(and ${errors.length - shown.length} more)` : '');
}

/** Builds of this process under way (they share esbuild's service process). */
let buildsInFlight = 0;

async function build(o: CachedBundleOptions, recipe: string, names: string[]): Promise<{ dir: string; meta: EntryMeta; buildMs: number; publish: boolean }> {
  const esbuild = await import('esbuild');
  const cwd = o.absWorkingDir ?? process.cwd();
  const tmp = path.join(o.cacheDir, `.build-${process.pid}-${randomBytes(4).toString('hex')}`);
  const started = Date.now();
  let metafile;
  buildsInFlight++;
  try {
    ({ metafile } = await esbuild.build({
      entryPoints: Object.entries(o.entries).map(([out, entry]) => ({ in: entry, out })),
      absWorkingDir: cwd,
      outdir: tmp,
      ...BUILD_OPTIONS,
      metafile: true,
      logLevel: 'silent',
    }));
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw new EnvironmentError(`bundling ${names.join(', ')} failed:\n${describeBuildFailure(err)}`, { entries: o.entries }, { cause: err });
  } finally {
    // esbuild keeps its service process (hundreds of MB after this build) for the caller's lifetime: the
    // harness builds once per cluster start, so end it (the next build starts a new one)
    if (--buildsInFlight === 0) await esbuild.stop();
  }
  const buildMs = Date.now() - started;
  const inputs = Object.keys(metafile.inputs)
    .map((f) => path.resolve(cwd, f))
    .sort();
  const key = await keyOf(recipe, inputs, new FileHashes());
  // An input written while esbuild ran may be bundled in its old form but hashed in its new one:
  // such a build serves this caller (it is as fresh as the sources were when asked) but is not cached.
  const touchedDuring = inputs.some((f) => {
    try {
      return fs.statSync(f).mtimeMs >= started - MTIME_SLACK_MS;
    } catch {
      return true;
    }
  });
  for (const n of names) absolutizeSourceMap(path.join(tmp, `${bundleName(n)}.map`));
  const meta: EntryMeta = { format: CACHE_FORMAT, recipe, key: key ?? '', names, inputs };
  fs.writeFileSync(path.join(tmp, 'meta.json'), JSON.stringify(meta));
  if (key === undefined || touchedDuring) return { dir: tmp, meta, buildMs, publish: false };
  const dir = path.join(o.cacheDir, key);
  try {
    fs.renameSync(tmp, dir);
  } catch (err) {
    // another start built the same inputs meanwhile: theirs is identical
    if (!['ENOTEMPTY', 'EEXIST'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return { dir, meta, buildMs, publish: true };
}

/** Replaces outDir with links to the entry's bundles and maps. */
function linkInto(entryDir: string, names: readonly string[], outDir: string): void {
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  for (const f of outputsOf(names)) {
    try {
      fs.linkSync(path.join(entryDir, f), path.join(outDir, f));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
      fs.copyFileSync(path.join(entryDir, f), path.join(outDir, f));
    }
  }
}


/** Takes the cache's build lock (a file holding our pid); undefined when it is held by a live process. */
function tryLock(cacheDir: string): (() => void) | undefined {
  const file = path.join(cacheDir, LOCK_FILE);
  const token = `${process.pid} ${randomBytes(4).toString('hex')}`;
  try {
    fs.writeFileSync(file, token, { flag: 'wx' });
    return () => {
      // only our own lock: a stale-lock breaker may have replaced it
      if (fs.readFileSync(file, 'utf8') === token) fs.rmSync(file, { force: true });
    };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  let holder: number;
  let ageMs: number;
  try {
    holder = Number.parseInt(fs.readFileSync(file, 'utf8'), 10);
    ageMs = Date.now() - fs.statSync(file).mtimeMs;
  } catch {
    return undefined; // released meanwhile: the next attempt takes it
  }
  // the holder died mid-build (killed test, crashed start): break its lock. An unreadable pid is
  // a lock still being written, unless it stayed so for long.
  if (Number.isInteger(holder) && holder > 0 ? !pidAlive(holder) : ageMs > 5_000) fs.rmSync(file, { force: true });
  return undefined;
}

/** Runs `fn` holding the build lock; after waiting LOCK_WAIT_MS for another holder it runs anyway (a slow build must not block a start for good). */
async function withBuildLock<T>(cacheDir: string, fn: () => Promise<T>): Promise<T> {
  let release = tryLock(cacheDir);
  if (!release) {
    const watcher = fs.watch(cacheDir);
    try {
      release = await waitFor(() => tryLock(cacheDir), { timeoutMs: LOCK_WAIT_MS, what: 'the bundle build of another process', wakeOn: watcher, pollMs: 250 }).catch(() => undefined);
    } finally {
      watcher.close();
    }
  }
  try {
    return await fn();
  } finally {
    release?.();
  }
}

/** Keeps the `keep` most recently used entries; removes build dirs a killed process left. */
function prune(cacheDir: string, keep: number): void {
  for (const { dir } of entriesByRecency(cacheDir).slice(keep)) fs.rmSync(dir, { recursive: true, force: true });
  for (const name of fs.readdirSync(cacheDir)) {
    if (!name.startsWith('.build-')) continue;
    const dir = path.join(cacheDir, name);
    try {
      if (Date.now() - fs.statSync(dir).mtimeMs > ABANDONED_BUILD_MS) fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      /* gone meanwhile */
    }
  }
}

/**
 * Bundles `entries` into `outDir` (`<name>.mjs` + `<name>.mjs.map` each),
 * from the cache when every input is unchanged, else by building.
 */
export async function buildCachedBundles(o: CachedBundleOptions): Promise<BundleSet> {
  const names = Object.keys(o.entries).sort();
  if (names.length === 0) throw new EnvironmentError('nothing to bundle: no entry points given');
  for (const n of names) if (!/^[\w.-]+$/.test(n)) throw new EnvironmentError(`bundle name ${JSON.stringify(n)} is not a plain file name`, { name: n });
  const cwd = o.absWorkingDir ?? process.cwd();
  const entries = Object.fromEntries(names.map((n) => [n, path.resolve(cwd, o.entries[n]!)]));
  for (const [n, file] of Object.entries(entries)) if (!fs.existsSync(file)) throw new EnvironmentError(`cannot bundle ${n}: ${file} does not exist`, { name: n, file });
  const { version } = await import('esbuild');
  const recipe = JSON.stringify({ format: CACHE_FORMAT, esbuild: version, options: BUILD_OPTIONS, cwd, entries });
  fs.mkdirSync(o.cacheDir, { recursive: true });
  const finish = (dir: string, meta: EntryMeta, fromCache: boolean, buildMs?: number): BundleSet => {
    linkInto(dir, names, o.outDir);
    return {
      dir: o.outDir,
      files: Object.fromEntries(names.map((n) => [n, path.join(o.outDir, bundleName(n))])),
      key: meta.key,
      fromCache,
      inputs: meta.inputs.length,
      ...(buildMs !== undefined ? { buildMs } : {}),
    };
  };
  const fromCache = async (): Promise<BundleSet | undefined> => {
    const hit = await lookup(o.cacheDir, recipe, new FileHashes());
    if (!hit) return undefined;
    try {
      return finish(hit.dir, hit.meta, true);
    } catch (err) {
      // pruned by a concurrent build between the lookup and the link: build it again
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      return undefined;
    }
  };
  return (
    (await fromCache()) ??
    withBuildLock(o.cacheDir, async () => {
      // whoever held the lock may just have built these very inputs
      const meanwhile = await fromCache();
      if (meanwhile) return meanwhile;
      const built = await build({ ...o, entries }, recipe, names);
      try {
        return finish(built.dir, built.meta, false, built.buildMs);
      } finally {
        if (!built.publish) fs.rmSync(built.dir, { recursive: true, force: true });
        prune(o.cacheDir, o.keep ?? DEFAULT_KEEP);
      }
    })
  );
}
