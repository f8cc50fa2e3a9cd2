/**
 * One line per event on stdout: `<ISO time> <LEVEL> <message>`. Callers pass
 * fingerprints, never key or token values; `redact()` is the safety net.
 */
import { redact } from '../../common/redact.js';

export type Level = 'INFO' | 'WARN' | 'ERROR';

export function log(level: Level, message: string): void {
  process.stdout.write(`${new Date().toISOString()} ${level} ${redact(message)}\n`);
}
export const info = (m: string) => log('INFO', m);
export const warn = (m: string) => log('WARN', m);
