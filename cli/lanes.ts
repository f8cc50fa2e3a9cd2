/**
 * Where `run --parallel N` puts its N embedded clusters. Lane k takes the
 * user's --ip-base with its second octet raised by k (127.X.Y → 127.(X+k).Y),
 * so two runs on one host given bases far enough apart never share an
 * address; without --ip-base the lanes start at 127.60.0. A range that would
 * run past 127.255 is bad input, refused before anything starts.
 */
import path from 'node:path';
import { InvalidArgumentError } from 'commander';
import { UsageError } from '../common/errors.js';

const IP_BASE = /^127\.([0-9]{1,3})\.([0-9]{1,3})$/;

/** commander parser of --ip-base: a loopback /24 prefix `127.X.Y`. */
export function parseIpBase(value: string): string {
  const m = IP_BASE.exec(value);
  if (!m || Number(m[1]) > 255 || Number(m[2]) > 255) throw new InvalidArgumentError('must be a loopback /24 prefix like 127.47.0');
  return value;
}

/** The first lane's /24 when the user names none (127.60.0 … 127.79.0 at the 20-lane maximum). */
export const PARALLEL_DEFAULT_IP_BASE = '127.60.0';

/** The loopback /24 of each of `lanes` lanes; lane 0 is the base itself. */
export function laneIpBases(base: string | undefined, lanes: number): string[] {
  const chosen = base ?? PARALLEL_DEFAULT_IP_BASE;
  const m = IP_BASE.exec(chosen);
  if (!m) throw new UsageError(`--ip-base must be a loopback /24 prefix like 127.47.0, got "${chosen}"`, { ipBase: chosen });
  const second = Number(m[1]);
  const last = second + lanes - 1;
  if (last > 255) {
    throw new UsageError(`--ip-base ${chosen} with --parallel ${lanes}: lane ${lanes - 1} would need 127.${last}.${m[2]}, past 127.255; choose a base of at most 127.${256 - lanes}.${m[2]}`, { ipBase: chosen, lanes });
  }
  return Array.from({ length: lanes }, (_, k) => `127.${second + k}.${m[2]}`);
}

/** Lane k's state dir: a subfolder of --state-dir (or of .rekey-chaos). */
export function laneStateDir(stateDir: string | undefined, lane: number): string {
  return path.join(stateDir ?? '.rekey-chaos', `parallel-${lane}`);
}
