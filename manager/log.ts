/**
 * The manager's log: `ISO-timestamp LEVEL message`, one event per line.
 * Every message passes through redact() as a last line of defence; callers
 * name keys and shards by fingerprint only.
 */
import { redact } from '../common/redact.js';
import { LOG_LEVELS, type LogLevel } from './config.js';

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warning(message: string): void;
  error(message: string): void;
}

export type LineSink = (line: string) => void;

export function formatLine(level: LogLevel, message: string, at: Date = new Date()): string {
  // One event per line: a newline inside a message would forge a second entry.
  return `${at.toISOString()} ${level} ${redact(message).replace(/[\r\n]+/g, ' ')}`;
}

export function createLogger(minLevel: LogLevel, sink: LineSink): Logger {
  const threshold = LOG_LEVELS.indexOf(minLevel);
  const emit = (level: LogLevel, message: string) => {
    if (LOG_LEVELS.indexOf(level) >= threshold) sink(formatLine(level, message));
  };
  return {
    debug: (m) => emit('DEBUG', m),
    info: (m) => emit('INFO', m),
    warning: (m) => emit('WARNING', m),
    error: (m) => emit('ERROR', m),
  };
}

/** Describes an error for a log line: message plus its typed context, never a stack of secrets. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const ctx = (err as { context?: Record<string, unknown> }).context;
    const extra = ctx && Object.keys(ctx).length > 0 ? ` ${JSON.stringify(ctx)}` : '';
    return `${err.name}: ${err.message}${extra}`;
  }
  return String(err);
}
