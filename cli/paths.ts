/**
 * Checks of the folders a command will write into, made before anything
 * runs or is written: a path that is a file, or under a file, or in a place
 * this user cannot write, is bad input with one line naming the option.
 *
 * Kernel filesystems (/proc, /sys, cgroups, …) are refused too, whoever runs
 * us: root passes every permission check there, yet creating a folder fails
 * in ways Node's recursive mkdir does not survive (under /proc it spins
 * forever), and no result belongs in them anyway. Device folders (/dev)
 * are refused for the same reason: a tmpfs root may write there, but a run's
 * output in /dev is always a mistyped path.
 */
import { accessSync, constants, existsSync, realpathSync, statfsSync, statSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../common/errors.js';

/** statfs magic numbers (linux/magic.h) of filesystems that hold kernel objects, not files. */
const KERNEL_FILESYSTEMS: ReadonlyMap<number, string> = new Map([
  [0x9fa0, 'proc'],
  [0x62656572, 'sysfs'],
  [0x27e0eb, 'cgroup'],
  [0x63677270, 'cgroup2'],
  [0x1cd1, 'devpts'],
  [0x64626720, 'debugfs'],
  [0x74726163, 'tracefs'],
  [0x73636673, 'securityfs'],
  [0xcafe4a11, 'bpf'],
  [0x62656570, 'configfs'],
  [0x6165676c, 'pstore'],
  [0xde5e81e4, 'efivarfs'],
  [0x42494e4d, 'binfmt_misc'],
  [0x19800202, 'mqueue'],
  [0x65735543, 'fusectl'],
]);

/** Folders of devices and kernel objects, whatever filesystem serves them in this container. */
const SYSTEM_TREES = ['/proc', '/sys', '/dev'];
/** The one folder under them meant for ordinary files (shared memory scratch space). */
const FILE_TREES_INSIDE = ['/dev/shm'];

const within = (p: string, tree: string) => p === tree || p.startsWith(tree + path.sep);

/** The deepest existing ancestor of `p` (p itself when it exists). */
function existingAncestor(p: string): string {
  let cur = path.resolve(p);
  while (!existsSync(cur)) {
    const up = path.dirname(cur);
    if (up === cur) break;
    cur = up;
  }
  return cur;
}

/** Why `existing` (a path that exists) is no place for our files, or undefined when it may be one. */
export function systemPlace(existing: string): string | undefined {
  let real: string;
  try {
    real = realpathSync(existing);
  } catch {
    return undefined; // a dangling link or a race: the ordinary checks report it
  }
  const tree = SYSTEM_TREES.find((t) => within(real, t));
  if (tree !== undefined && !FILE_TREES_INSIDE.some((t) => within(real, t))) return `${real} lies in ${tree}, which holds devices and kernel objects, not files of ours`;
  try {
    const fsName = KERNEL_FILESYSTEMS.get(Number(statfsSync(real).type));
    if (fsName !== undefined) return `${real} is on a ${fsName} filesystem, which holds kernel objects, not files of ours`;
  } catch {
    /* statfs unsupported here: the permission checks still apply */
  }
  return undefined;
}

/** `dir` is, or can become, a writable folder. */
export function checkWritableDir(option: string, dir: string): void {
  if (dir.trim() === '') throw new UsageError(`${option}: an empty path`, { option, dir });
  const abs = path.resolve(dir);
  const base = existingAncestor(abs);
  let stat;
  try {
    stat = statSync(base);
  } catch (err) {
    throw new UsageError(`${option} ${dir}: ${base} cannot be examined (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { option, dir });
  }
  if (!stat.isDirectory()) throw new UsageError(`${option} ${dir}: ${base === abs ? 'is a file, not a folder' : `${base} is a file, not a folder`}`, { option, dir });
  const system = systemPlace(base);
  if (system !== undefined) throw new UsageError(`${option} ${dir}: ${system}`, { option, dir });
  try {
    accessSync(base, constants.W_OK | constants.X_OK);
  } catch {
    throw new UsageError(`${option} ${dir}: ${base} is not writable`, { option, dir });
  }
}

/** `file` is, or can become, a writable file whose folder exists. */
export function checkWritableFile(option: string, file: string): void {
  if (file.trim() === '') throw new UsageError(`${option}: an empty path`, { option, file });
  const abs = path.resolve(file);
  if (existsSync(abs)) {
    const stat = statSync(abs);
    if (stat.isDirectory()) throw new UsageError(`${option} ${file}: is a folder, not a file`, { option, file });
    if (!stat.isFile()) throw new UsageError(`${option} ${file}: is not a regular file`, { option, file });
  }
  const parent = path.dirname(abs);
  if (!existsSync(parent) || !statSync(parent).isDirectory()) throw new UsageError(`${option} ${file}: the folder ${parent} does not exist`, { option, file });
  checkWritableDir(option, parent);
}

/** `p` names an existing folder or regular file to read from (not a device, a pipe or a kernel object). */
export function checkReadablePath(what: string, p: string): 'dir' | 'file' {
  if (p.trim() === '') throw new UsageError(`${what}: an empty path`, { path: p });
  let stat;
  try {
    stat = statSync(p);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`${what} ${p}: ${code === 'ENOENT' ? 'no such directory' : `cannot be read (${code ?? (err as Error).message})`}`, { path: p });
  }
  if (!stat.isDirectory() && !stat.isFile()) throw new UsageError(`${what} ${p}: neither a folder nor a regular file`, { path: p });
  const system = systemPlace(p);
  if (system !== undefined) throw new UsageError(`${what} ${p}: ${system}`, { path: p });
  return stat.isDirectory() ? 'dir' : 'file';
}
