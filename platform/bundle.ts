/**
 * The embedded cluster's programs as bundles: the Vault double, the
 * reference manager and the control-plane daemon, each one ESM file built by
 * esbuild, started as `node --enable-source-maps <bundle>`.
 *
 * Why: run through tsx every process carried the TypeScript loader (and often
 * an esbuild service process of its own) — ~110–300 MB RSS each and 0.5–2 s
 * to start under load, paid again on every restart a fault causes. A bundle
 * starts in a fraction of that with a fraction of the memory.
 *
 * `startEmbeddedCluster` builds (or takes from the cache, see
 * bundle-cache.ts) the bundles into `<stateDir>/bundles/` once per start;
 * the workload builders of workloads.ts use them whenever they exist there.
 * `REKEY_CHAOS_POD_RUNTIME=tsx` switches bundling off: every program then
 * runs from its TypeScript sources through tsx (slower to start; handy while
 * editing a pod program against a running cluster, or to rule the bundler out).
 */
import fs from 'node:fs';
import path from 'node:path';
import { UsageError } from '../common/errors.js';
import { REPO_ROOT } from '../common/repo-root.js';
import { buildCachedBundles, type BundleSet } from './bundle-cache.js';


/** Entry points of the cluster's programs, relative to the repo root (the pods' cwd). */
export const PROGRAM_SOURCES = {
  vault: 'platform/vault/main.ts',
  manager: 'manager/main.ts',
  daemon: 'platform/daemon.ts',
} as const;
export type ProgramName = keyof typeof PROGRAM_SOURCES;

export const POD_RUNTIME_ENV = 'REKEY_CHAOS_POD_RUNTIME';
/** Where the content-addressed bundle cache lives (default `<repo>/.rekey-chaos/bundle-cache`, gitignored). */
export const BUNDLE_CACHE_ENV = 'REKEY_CHAOS_BUNDLE_CACHE';
export type PodRuntime = 'bundle' | 'tsx';

/** The runtime asked for by REKEY_CHAOS_POD_RUNTIME: `bundle` (default) or `tsx`. */
export function podRuntime(env: NodeJS.ProcessEnv = process.env): PodRuntime {
  const v = env[POD_RUNTIME_ENV];
  if (v === undefined || v === '' || v === 'bundle') return 'bundle';
  if (v === 'tsx') return 'tsx';
  throw new UsageError(`${POD_RUNTIME_ENV}=${JSON.stringify(v)} is not a pod runtime (use "bundle" or "tsx")`, { [POD_RUNTIME_ENV]: v });
}

export function bundleDir(stateDir: string): string {
  return path.join(path.resolve(stateDir), 'bundles');
}

export function defaultBundleCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env[BUNDLE_CACHE_ENV] || path.join(REPO_ROOT, '.rekey-chaos', 'bundle-cache'));
}

/** The bundle of `program` in a cluster's state dir, when bundles are in use and it was built there. */
export function bundledProgram(stateDir: string, program: ProgramName, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (podRuntime(env) !== 'bundle') return undefined;
  const file = path.join(bundleDir(stateDir), `${program}.mjs`);
  return fs.existsSync(file) ? file : undefined;
}

/**
 * V8 flags of the bundled programs. These processes keep little alive (after a full GC, measured
 * with --trace-gc over 30 rekeys: daemon ~18 MB, manager ~25 MB, a Vault double less than its
 * first GC threshold) but allocate steadily (a TLS connection per call, JSON), and V8 sizes its
 * heap for throughput: 16 MB semi-spaces, and an old generation left to grow — with the native
 * TLS objects its garbage pins — to 130 MB (daemon) and 250 MB (manager) before a full GC. 1 MB
 * semi-spaces cost only more frequent, cheap scavenges; the old-space limits (3–4× the live heap)
 * make V8 collect earlier. Measured on the whole cluster (test/platform/bundle/measure.ts): peak RSS
 * ~450 → ~360 MB, flat over 30 rekeys.
 */
export const BUNDLED_NODE_FLAGS: Record<ProgramName, readonly string[]> = {
  daemon: ['--max-semi-space-size=1', '--max-old-space-size=96'],
  manager: ['--max-semi-space-size=1', '--max-old-space-size=96'],
  vault: ['--max-semi-space-size=1', '--max-old-space-size=64'],
};

/**
 * argv (after `node`) that runs a program: its bundle with source-mapped stack traces, or its
 * TypeScript source through tsx (relative to the repo root, the pods' cwd).
 */
export function programArgs(program: ProgramName, bundle: string | undefined): string[] {
  return bundle ? [...BUNDLED_NODE_FLAGS[program], '--enable-source-maps', bundle] : ['--import', 'tsx', PROGRAM_SOURCES[program]];
}

export interface PodBundles extends Pick<BundleSet, 'dir' | 'key' | 'fromCache' | 'buildMs' | 'inputs'> {
  vault: string;
  manager: string;
  daemon: string;
}

/**
 * Bundles the Vault double, the manager and the daemon into `outDir`
 * (`vault.mjs`, `manager.mjs`, `daemon.mjs`, each with its `.map`), from the
 * cache when no input changed since it was built.
 */
export async function bundlePodPrograms(outDir: string, options: { cacheDir?: string } = {}): Promise<PodBundles> {
  const set = await buildCachedBundles({
    entries: { ...PROGRAM_SOURCES },
    outDir: path.resolve(outDir),
    cacheDir: options.cacheDir ?? defaultBundleCacheDir(),
    absWorkingDir: REPO_ROOT,
  });
  return {
    dir: set.dir,
    key: set.key,
    fromCache: set.fromCache,
    inputs: set.inputs,
    ...(set.buildMs !== undefined ? { buildMs: set.buildMs } : {}),
    vault: set.files.vault!,
    manager: set.files.manager!,
    daemon: set.files.daemon!,
  };
}
