/**
 * The util-linux fallback (root only): `unshare --mount --uts` runs a small
 * sh script in the new namespaces that builds the plan under a tmpfs mounted
 * on a per-pod folder, sets the hostname, and `chroot`s into it with exec, so
 * the pod's program ends up as the very process the agent spawned.
 *
 * Every path after the tmpfs mount is relative to the working directory,
 * which is the tmpfs root itself: should the host folder go away meanwhile
 * (the pod being removed), the script keeps building inside its own tmpfs and
 * can never recreate folders on the host.
 */
import type { MountOp } from './mount-plan.js';

/** A word for sh, single-quoted. */
export function shQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

export interface UnshareScriptOptions {
  /** an existing, empty host folder the tmpfs root is mounted on (only inside the new namespace) */
  rootDir: string;
  hostname: string;
  /** absolute path of coreutils env */
  env: string;
  cwd: string;
  /** `<prefix><pid>` is written (empty) on the host once the mounts are done: execs may then join this sandbox (execIntoArgv) */
  readyFilePrefix?: string;
}

/** The script `sh -c` runs; the pod's argv follows as "$@". */
export function unshareScript(ops: MountOp[], o: UnshareScriptOptions): string {
  const r = (p: string) => shQuote(`.${p}`);
  const lines = ['set -e', `mount -t tmpfs -o mode=0755 rekey-chaos-pod ${shQuote(o.rootDir)}`, `cd ${shQuote(o.rootDir)}`];
  for (const op of ops) {
    switch (op.op) {
      case 'dir':
        lines.push(`mkdir -p ${r(op.path)}`);
        break;
      case 'bind': {
        const point = op.sourceIsDir ? `mkdir -p ${r(op.path)}` : `mkdir -p "$(dirname ${r(op.path)})"; [ -e ${r(op.path)} ] || : > ${r(op.path)}`;
        lines.push(point, `mount --rbind ${shQuote(op.source)} ${r(op.path)}`);
        if (op.readOnly) lines.push(`mount -o remount,bind,ro ${r(op.path)}`);
        break;
      }
      case 'symlink':
        lines.push(`mkdir -p "$(dirname ${r(op.path)})"`, `ln -s ${shQuote(op.linkTo)} ${r(op.path)}`);
        break;
      case 'tmpfs':
        lines.push(`mkdir -p ${r(op.path)}`, `mount -t tmpfs tmpfs ${r(op.path)}`);
        break;
      case 'proc':
        lines.push(`mkdir -p ${r(op.path)}`, `mount -t proc proc ${r(op.path)}`);
        break;
      case 'dev':
        lines.push(`mkdir -p ${r(op.path)}`, `mount --rbind /dev ${r(op.path)}`);
        break;
    }
  }
  lines.push(`echo ${shQuote(o.hostname)} > /proc/sys/kernel/hostname`);
  if (o.readyFilePrefix) lines.push(`: > ${shQuote(o.readyFilePrefix)}"$$"`);
  lines.push(`exec chroot . ${shQuote(o.env)} --default-signal --chdir=${shQuote(o.cwd)} "$@"`);
  return lines.join('\n');
}

/**
 * An exec in a running unshare sandbox: join its mount and UTS namespaces and
 * its root (the chroot) with nsenter, instead of building the whole plan
 * again, which costs one `mount` process per entry — too slow for a probe
 * with a one-second timeout.
 */
export function execIntoArgv(nsenter: string, pid: number, env: string, cwd: string, command: string[]): string[] {
  return [nsenter, '--target', String(pid), '--mount', '--uts', '--root', '--', env, '--default-signal', `--chdir=${cwd}`, ...command];
}
