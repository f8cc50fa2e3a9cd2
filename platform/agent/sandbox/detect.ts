/**
 * Which tool gives sandboxed pods their mount namespace, chosen once at
 * cluster start.
 *
 * bubblewrap first: it works for root and, through an unprivileged user
 * namespace, for any user; it creates mount points inside its own tmpfs root
 * (nothing is ever created on the host) and needs no shell script of ours to
 * do the mounting. util-linux `unshare` + bind mounts is the fallback where
 * bwrap is absent or broken (e.g. user namespaces switched off) and we are
 * root: mounting needs CAP_SYS_ADMIN, which only root has without a user
 * namespace. Each candidate is tried for real (a tiny sandbox), not only
 * looked up on PATH. Neither working is an EnvironmentError (exit 3) that
 * names what to install.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EnvironmentError } from '../../../common/errors.js';
import type { SandboxRuntime } from '../types.js';

export interface SandboxToolOptions {
  /** try this one first (default bwrap) */
  prefer?: 'bwrap' | 'unshare';
  /** default: `bwrap` on PATH */
  bwrapPath?: string;
  /** default: `unshare` on PATH */
  unsharePath?: string;
  /** default: the effective uid is 0 */
  isRoot?: boolean;
}

export function findOnPath(program: string): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':')) {
    if (dir === '') continue;
    const candidate = path.join(dir, program);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      /* next */
    }
  }
  return undefined;
}

function tryRun(file: string, args: string[]): string | undefined {
  const run = spawnSync(file, args, { encoding: 'utf8', timeout: 10_000 });
  if (run.error) return run.error.message;
  if (run.status !== 0) return `exit ${run.status ?? run.signal}: ${(run.stderr || run.stdout).trim().split('\n')[0] ?? ''}`;
  return undefined;
}

/** Why bwrap cannot be used, or undefined when a test sandbox ran. */
function bwrapProblem(bwrap: string | undefined, env: string): string | undefined {
  if (!bwrap) return 'bwrap is not installed';
  return tryRun(bwrap, ['--ro-bind', '/', '/', '--unshare-uts', '--hostname', 'rekey-chaos-check', '--', env, '--default-signal', 'true']);
}

function unshareProblem(unshare: string | undefined, env: string, isRoot: boolean): string | undefined {
  if (!isRoot) return 'mounting without bwrap needs root';
  if (!unshare) return 'unshare (util-linux) is not installed';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rekey-chaos-unshare-check-'));
  try {
    return tryRun(unshare, ['--mount', '--uts', '--propagation', 'private', '--', '/bin/sh', '-c', `mount -t tmpfs rekey-chaos-check "$1" && exec ${env} --default-signal true`, 'sh', dir]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function chooseSandbox(options: SandboxToolOptions = {}): SandboxRuntime {
  const env = findOnPath('env');
  // The pod's program must start with default signal dispositions (the bwrap monitor ignores SIGTERM, see launch.ts).
  const envProblem = env ? tryRun(env, ['--default-signal', 'true']) : 'env is not installed';
  if (envProblem || !env)
    throw new EnvironmentError(`sandboxed pods need GNU coreutils env with --default-signal (coreutils >= 8.31): ${envProblem}; install coreutils`, { tool: 'env' });
  const bwrap = options.bwrapPath ?? findOnPath('bwrap');
  const unshare = options.unsharePath ?? findOnPath('unshare');
  const isRoot = options.isRoot ?? process.geteuid?.() === 0;
  const order: Array<'bwrap' | 'unshare'> = options.prefer === 'unshare' ? ['unshare', 'bwrap'] : ['bwrap', 'unshare'];
  const problems: string[] = [];
  for (const kind of order) {
    if (kind === 'bwrap') {
      const problem = bwrapProblem(bwrap, env);
      if (!problem) return { kind, tool: bwrap!, env };
      problems.push(`bwrap (${bwrap ?? 'not on PATH'}): ${problem}`);
    } else {
      const problem = unshareProblem(unshare, env, isRoot);
      const nsenter = findOnPath('nsenter');
      if (!problem) return { kind, tool: unshare!, env, ...(nsenter ? { nsenter } : {}) };
      problems.push(`unshare (${unshare ?? 'not on PATH'}): ${problem}`);
    }
  }
  throw new EnvironmentError(
    `cannot give pods their own mount namespace: install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap; or run scripts/setup.sh)` +
      `${isRoot ? '' : ', or run as root with util-linux unshare'}. Tried: ${problems.join('; ')}`,
    { tool: 'bwrap', problems },
  );
}
