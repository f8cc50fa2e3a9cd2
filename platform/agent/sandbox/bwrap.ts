/**
 * bubblewrap arguments for a mount plan. bwrap starts every sandbox on an
 * empty tmpfs root and creates missing mount points inside it, so the plan's
 * operations map one to one onto its options.
 */
import type { MountOp } from './mount-plan.js';

export function bwrapMountArgs(ops: MountOp[]): string[] {
  const args: string[] = [];
  for (const op of ops) {
    switch (op.op) {
      case 'dir':
        args.push('--dir', op.path);
        break;
      case 'bind':
        args.push(op.readOnly ? '--ro-bind' : '--bind', op.source, op.path);
        break;
      case 'symlink':
        args.push('--symlink', op.linkTo, op.path);
        break;
      case 'tmpfs':
        args.push('--tmpfs', op.path);
        break;
      case 'proc':
        args.push('--proc', op.path);
        break;
      case 'dev':
        // a minimal /dev of its own (null, zero, random, tty, pts, shm), not the host's devices
        args.push('--dev', op.path);
        break;
    }
  }
  return args;
}
