/**
 * The link between an embedded cluster and the process that owns it (the
 * harness of a run, bench, explore or test): the daemon is spawned with one
 * end of a pipe as an extra fd, the owner keeps the other end open for as
 * long as it lives, and the daemon tears the whole cluster down (as on
 * SIGTERM) when it reads end-of-file. `cluster up --detach` starts a
 * cluster without a link, the only kind that outlives its starter.
 *
 * A pipe rather than polling the owner's pid: the kernel closes the owner's
 * end however the owner dies (SIGKILL, OOM kill, a crash), so the daemon
 * learns of it at once without a poll interval; a recycled pid cannot make a
 * dead owner look alive; and an end-of-file that happened before the daemon
 * began to watch (an owner killed while the daemon was still starting) is
 * still read. The owner's end is close-on-exec, so no other child of the
 * owner inherits it and keeps the link open by accident.
 */
import type { ChildProcess, StdioOptions } from 'node:child_process';
import net from 'node:net';

/** The daemon's fd that carries the link (after stdin, stdout, stderr). */
export const OWNER_FD = 3;

/** The owner ends this process holds, one per owned daemon; kept referenced until their daemon exits. */
const held = new Set<net.Socket>();

/** The daemon's stdio: the log for stdout and stderr, and the link when the cluster has an owner. */
export function daemonStdio(logFd: number, owned: boolean): StdioOptions {
  return owned ? ['ignore', logFd, logFd, 'pipe'] : ['ignore', logFd, logFd];
}

/** The daemon's arguments that tell it about its owner (none: it runs until stopped). */
export function ownerArgs(owned: boolean): string[] {
  return owned ? ['--owner-fd', String(OWNER_FD), '--owner-pid', String(process.pid)] : [];
}

/**
 * Keeps the owner's end of a spawned daemon's link open for the rest of this
 * process's life without holding the process alive; let go once the daemon
 * has exited (its end closes, this one reads end-of-file).
 */
export function holdOwnerLink(child: ChildProcess): void {
  const end = child.stdio[OWNER_FD] as net.Socket | null | undefined;
  if (!end) return;
  held.add(end);
  end.on('error', () => undefined);
  end.once('close', () => held.delete(end));
  end.resume();
  end.unref();
}

export interface OwnerOfDaemon {
  fd: number;
  pid?: number;
}

/** `--owner-fd N [--owner-pid P]` from the daemon's arguments, or undefined for an unowned daemon. */
export function ownerFromArgs(argv: string[]): OwnerOfDaemon | undefined {
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    const n = i >= 0 ? Number(argv[i + 1]) : NaN;
    return Number.isInteger(n) && n >= 0 ? n : undefined;
  };
  const fd = value('--owner-fd');
  if (fd === undefined) return undefined;
  const pid = value('--owner-pid');
  return pid === undefined ? { fd } : { fd, pid };
}

/** Daemon side: calls onGone once when the owner's end of the link is closed. */
export function watchOwner(owner: OwnerOfDaemon, onGone: (why: string) => void): void {
  const link = new net.Socket({ fd: owner.fd, readable: true, writable: false });
  let told = false;
  const gone = (why: string) => {
    if (told) return;
    told = true;
    onGone(why);
  };
  const who = `owner${owner.pid !== undefined ? ` pid ${owner.pid}` : ''}`;
  link.on('end', () => gone(`${who} gone`));
  link.on('error', (err) => gone(`${who} gone: ${err.message}`));
  link.on('close', () => gone(`${who} gone`));
  link.resume();
}
