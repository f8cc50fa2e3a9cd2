/**
 * The argv that starts one sandbox instance (a pod's container, or one exec
 * probe in the same filesystem view) around a program.
 *
 * Process-group contract: the agent spawns this argv as the leader of a new
 * process group and signals the group as a whole (SIGTERM on delete, SIGKILL
 * on a kill fault). Under unshare the leader execs its way into the pod's
 * program, so the group is just the program and its children. Under bwrap
 * the leader stays a small monitor and the program is its child, in the same
 * group: bwrap would die of the group's SIGTERM at once (the agent then sees
 * the container as exited and SIGKILLs the rest, before a script's TERM trap
 * could finish), so the monitor is started with the catchable signals
 * ignored (`trap ''` in sh, kept across exec) and `env --default-signal`
 * gives the program default dispositions again, so bash can trap SIGTERM.
 * The monitor exits when the program does. `--die-with-parent` kills the
 * program if the agent itself dies.
 */
import { bwrapMountArgs } from './bwrap.js';
import type { MountOp } from './mount-plan.js';
import { unshareScript } from './unshare.js';
import type { SandboxRuntime } from '../types.js';

export interface SandboxInstance {
  runtime: SandboxRuntime;
  ops: MountOp[];
  hostname: string;
  /** working directory inside the sandbox */
  cwd: string;
  /** unshare only: an empty host folder the tmpfs root is mounted on inside the namespace */
  rootDir: string;
  /** unshare only: the script creates `<prefix><its pid>` once its mounts are done */
  readyFilePrefix?: string;
}

const IGNORED_BY_MONITOR = 'TERM INT HUP QUIT USR1 USR2';

export function sandboxArgv(instance: SandboxInstance, command: string[]): string[] {
  const { runtime } = instance;
  if (runtime.kind === 'bwrap') {
    return [
      '/bin/sh',
      '-c',
      `trap '' ${IGNORED_BY_MONITOR}; exec "$@"`,
      'rekey-chaos-sandbox',
      runtime.tool,
      '--die-with-parent',
      '--unshare-uts',
      '--hostname',
      instance.hostname,
      ...bwrapMountArgs(instance.ops),
      '--chdir',
      instance.cwd,
      '--',
      runtime.env,
      '--default-signal',
      ...command,
    ];
  }
  const script = unshareScript(instance.ops, {
    rootDir: instance.rootDir,
    hostname: instance.hostname,
    env: runtime.env,
    cwd: instance.cwd,
    ...(instance.readyFilePrefix ? { readyFilePrefix: instance.readyFilePrefix } : {}),
  });
  return [runtime.tool, '--mount', '--uts', '--propagation', 'private', '--', '/bin/sh', '-c', script, 'rekey-chaos-sandbox', ...command];
}
