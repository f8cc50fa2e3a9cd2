/**
 * How each kind of manager writes its log, for the clean-log invariant (I6)
 * and for cutting an iteration's part of a log by time.
 *
 * - reference (manager/log.ts): `2026-11-23T15:04:05.123Z WARNING message`,
 *   ISO time in UTC with milliseconds; levels DEBUG INFO WARNING ERROR.
 * - StarlingX's vault-manager script (a chart or a rendered script): its
 *   `log` function prints `$(date +%Y-%m-%dT%H-%M-%S) LEVEL message`, e.g.
 *   `2024-01-01T12-00-00 WARNING message`: dashes in the time, whole
 *   seconds, the container's local time zone (the backend should run it
 *   with TZ=UTC, as the image does), levels DEBUG INFO WARNING ERROR FATAL.
 *   Lines the script does not print through `log` (tool output on stderr)
 *   carry no stamp and are not problem lines.
 */
import type { ManagerKind } from './spec.js';

export interface ManagerLogFormat {
  name: 'reference' | 'starlingx';
  /** a line the manager logged at WARNING or above */
  problemLine: RegExp;
  /** the line's own time (epoch ms), or undefined for a line without a stamp */
  stampOf(line: string): number | undefined;
}

const REFERENCE_STAMP = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z) /;

export const REFERENCE_LOG_FORMAT: ManagerLogFormat = {
  name: 'reference',
  problemLine: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z (?:WARNING|ERROR) /,
  stampOf(line) {
    const m = REFERENCE_STAMP.exec(line);
    return m ? Date.parse(m[1]!) : undefined;
  },
};

const STARLINGX_STAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2})-(\d{2})-(\d{2}) /;

export const STARLINGX_LOG_FORMAT: ManagerLogFormat = {
  name: 'starlingx',
  problemLine: /^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2} (?:WARNING|ERROR|FATAL) /,
  stampOf(line) {
    const m = STARLINGX_STAMP.exec(line);
    if (!m) return undefined;
    const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
    return Date.UTC(y, mo - 1, d, h, mi, s);
  },
};

/** A chart or a script is StarlingX's vault-manager; `reference` is ours. */
export function managerLogFormat(kind: ManagerKind): ManagerLogFormat {
  return kind === 'reference' ? REFERENCE_LOG_FORMAT : STARLINGX_LOG_FORMAT;
}

export function isManagerProblemLine(format: ManagerLogFormat, line: string): boolean {
  return format.problemLine.test(line);
}
