/**
 * Checks of the folders a command will write into, made before anything
 * runs or is written: a path that is a file, or under a file, or in a place
 * this user cannot write, is bad input with one line naming the option.
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../common/errors.js';

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

/** `dir` is, or can become, a writable folder. */
export function checkWritableDir(option: string, dir: string): void {
  const abs = path.resolve(dir);
  const base = existingAncestor(abs);
  if (!statSync(base).isDirectory()) throw new UsageError(`${option} ${dir}: ${base === abs ? 'is a file, not a folder' : `${base} is a file, not a folder`}`, { option, dir });
  try {
    accessSync(base, constants.W_OK | constants.X_OK);
  } catch {
    throw new UsageError(`${option} ${dir}: ${base} is not writable`, { option, dir });
  }
}

/** `file` is, or can become, a writable file whose folder exists. */
export function checkWritableFile(option: string, file: string): void {
  const abs = path.resolve(file);
  if (existsSync(abs) && statSync(abs).isDirectory()) throw new UsageError(`${option} ${file}: is a folder, not a file`, { option, file });
  const parent = path.dirname(abs);
  if (!existsSync(parent) || !statSync(parent).isDirectory()) throw new UsageError(`${option} ${file}: the folder ${parent} does not exist`, { option, file });
  checkWritableDir(option, parent);
}
