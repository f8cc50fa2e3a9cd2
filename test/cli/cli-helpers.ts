/** Spawning the real CLI the way users do (`node --import tsx cli/main.ts …`). */
import { execFile } from 'node:child_process';
import { REPO_ROOT } from '../../matrix/catalog.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], { cwd: REPO_ROOT, env: { ...process.env, CI: '1', ...env }, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs tasks with at most `limit` at once (the machine is shared; spawn a few at a time). */
export async function limited<T, R>(items: T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await task(items[i]!);
      }
    }),
  );
  return out;
}

/**
 * The same CLI entry (`main` of cli/main.ts) in this process, with stdout
 * and stderr captured: the code path of the binary minus the process start,
 * which on a shared 2-core machine costs seconds per spawn.
 */
export async function runMain(args: string[]): Promise<CliResult> {
  const { main } = await import('../../cli/main.js');
  const captured = { stdout: '', stderr: '' };
  const capture = (key: 'stdout' | 'stderr') =>
    ((chunk: string | Uint8Array, encodingOrCb?: unknown, cb?: unknown) => {
      captured[key] += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      const done = typeof encodingOrCb === 'function' ? encodingOrCb : cb;
      if (typeof done === 'function') queueMicrotask(() => (done as () => void)());
      return true;
    }) as typeof process.stdout.write;
  const original = { out: process.stdout.write, err: process.stderr.write, env: process.env['CI'] };
  process.stdout.write = capture('stdout');
  process.stderr.write = capture('stderr');
  process.env['CI'] = '1';
  process.exitCode = undefined;
  try {
    const code = await main(args);
    return { code, ...captured };
  } finally {
    process.stdout.write = original.out;
    process.stderr.write = original.err;
    if (original.env === undefined) delete process.env['CI'];
    else process.env['CI'] = original.env;
    process.exitCode = undefined; // the CLI sets it for its own exit; it must not become mocha's
  }
}
