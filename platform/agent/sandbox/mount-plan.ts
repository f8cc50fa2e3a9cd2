/**
 * The filesystem a sandboxed pod sees, as an ordered list of mount operations
 * both sandbox tools can carry out (bwrap.ts renders bwrap arguments,
 * unshare.ts a mount script).
 *
 * The pod sees the host's filesystem, except at the paths it asks for
 * (volumes, /workdir, the service-account folder, the DNS files...). A mount
 * point that does not exist on the host must never be created there (that
 * would write into the host's /opt or /mnt, and fails for an unprivileged
 * user), so the sandbox root is a fresh tmpfs: every folder on the way to a
 * requested path becomes a folder of that tmpfs ("synthetic"), and each of
 * its host entries that is not on such a way is bound back one by one. Host
 * symlinks on the way are followed first (/var/run -> /run), as the kernel
 * would when the pod opens the path.
 */
import fs from 'node:fs';
import path from 'node:path';

export type MountRequest =
  | { kind: 'bind'; target: string; source: string; readOnly: boolean }
  | { kind: 'tmpfs'; target: string }
  | { kind: 'symlink'; target: string; linkTo: string };

export type MountOp =
  /** an empty folder of the sandbox's own tmpfs */
  | { op: 'dir'; path: string }
  | { op: 'bind'; source: string; path: string; readOnly: boolean; sourceIsDir: boolean }
  | { op: 'symlink'; linkTo: string; path: string }
  | { op: 'tmpfs'; path: string }
  /** a proc filesystem for the sandbox */
  | { op: 'proc'; path: string }
  /** a /dev for the sandbox */
  | { op: 'dev'; path: string };

export type HostEntryType = 'dir' | 'file' | 'symlink' | 'missing';

/** What the plan reads of the host (injectable so the planning is testable on a made-up tree). */
export interface HostView {
  type(p: string): HostEntryType;
  list(p: string): string[];
  readlink(p: string): string;
  /** true when p is a folder or a symlink to one */
  isDir(p: string): boolean;
}

export const realHost: HostView = {
  type(p) {
    try {
      const st = fs.lstatSync(p);
      return st.isSymbolicLink() ? 'symlink' : st.isDirectory() ? 'dir' : 'file';
    } catch {
      return 'missing';
    }
  },
  list: (p) => fs.readdirSync(p),
  readlink: (p) => fs.readlinkSync(p),
  isDir(p) {
    try {
      return fs.statSync(p).isDirectory();
    } catch {
      return false;
    }
  },
};

const MAX_SYMLINK_HOPS = 40;

function isUnder(p: string, folder: string): boolean {
  return folder === '/' ? p !== '/' : p.startsWith(folder + '/');
}

/**
 * The path a request lands on once the host's symlinks among its parent
 * folders are followed (the last element is replaced, never followed).
 * Resolution stops at a requested target: what is below it is the sandbox's.
 */
export function resolveThroughHost(target: string, host: HostView, stopAt: Set<string>): string {
  const parts = target.split('/').filter((p) => p !== '');
  const last = parts.pop();
  if (last === undefined) return '/';
  const done: string[] = [];
  let rest = parts;
  let hops = 0;
  while (rest.length > 0) {
    const part = rest.shift()!;
    if (part === '.' || part === '') continue;
    if (part === '..') {
      done.pop();
      continue;
    }
    const candidate = `/${[...done, part].join('/')}`;
    if (stopAt.has(candidate)) {
      done.push(part, ...rest);
      break;
    }
    if (host.type(candidate) === 'symlink') {
      if (++hops > MAX_SYMLINK_HOPS) throw new Error(`too many symlinks resolving ${target}`);
      const link = host.readlink(candidate);
      if (link.startsWith('/')) done.length = 0;
      rest = [...link.split('/').filter((p) => p !== ''), ...rest];
      continue;
    }
    done.push(part);
  }
  return `/${[...done, last].join('/')}`;
}

export function planMounts(requests: MountRequest[], host: HostView = realHost): MountOp[] {
  const rawTargets = new Set(requests.map((r) => path.posix.normalize(r.target)));
  const resolved = requests.map((r) => ({ ...r, target: resolveThroughHost(path.posix.normalize(r.target), host, rawTargets) }));
  const byTarget = new Map<string, (typeof resolved)[number]>();
  for (const r of resolved) byTarget.set(r.target, r); // a later request for the same path wins
  const targets = [...byTarget.keys()];
  const insideTarget = (p: string) => targets.some((t) => p === t || isUnder(p, t));
  const synthetic = new Set<string>(['/']);
  for (const t of targets) {
    for (let dir = path.posix.dirname(t); ; dir = path.posix.dirname(dir)) {
      if (!insideTarget(dir)) synthetic.add(dir);
      if (dir === '/') break;
    }
  }
  const ops: MountOp[] = [];
  for (const dir of [...synthetic].sort()) {
    if (dir !== '/') ops.push({ op: 'dir', path: dir });
    if (host.type(dir) !== 'dir') continue;
    for (const name of host.list(dir).sort()) {
      const p = path.posix.join(dir, name);
      if (synthetic.has(p) || byTarget.has(p)) continue;
      if (p === '/proc') ops.push({ op: 'proc', path: p });
      else if (p === '/dev') ops.push({ op: 'dev', path: p });
      else {
        const type = host.type(p);
        if (type === 'symlink') ops.push({ op: 'symlink', linkTo: host.readlink(p), path: p });
        else if (type !== 'missing') ops.push({ op: 'bind', source: p, path: p, readOnly: false, sourceIsDir: type === 'dir' });
      }
    }
  }
  const depth = (p: string) => p.split('/').length;
  for (const t of targets.sort((a, b) => depth(a) - depth(b) || (a < b ? -1 : 1))) {
    const r = byTarget.get(t)!;
    if (r.kind === 'bind') ops.push({ op: 'bind', source: r.source, path: t, readOnly: r.readOnly, sourceIsDir: host.isDir(r.source) });
    else if (r.kind === 'tmpfs') ops.push({ op: 'tmpfs', path: t });
    else ops.push({ op: 'symlink', linkTo: r.linkTo, path: t });
  }
  return ops;
}

