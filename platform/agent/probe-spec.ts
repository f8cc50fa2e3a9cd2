/**
 * Validation of `livenessProbe` / `readinessProbe` with Kubernetes' rules and
 * defaults (initialDelaySeconds 0, periodSeconds 10, timeoutSeconds 1,
 * successThreshold 1 — and exactly 1 for liveness —, failureThreshold 3).
 * Only the exec handler exists here; httpGet / tcpSocket / grpc are refused by
 * name. Seconds may be fractions (see `Probe` in types.ts).
 */
import { invalidField } from './errors.js';
import type { Probe } from './types.js';

export const PROBE_DEFAULTS = { initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 } as const;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function seconds(value: unknown, field: string, fallback: number, min: 'zero' | 'positive'): number {
  if (value === undefined) return fallback;
  const ok = typeof value === 'number' && Number.isFinite(value) && (min === 'zero' ? value >= 0 : value > 0) && value <= 86_400;
  if (!ok) invalidField(field, `must be a number of seconds ${min === 'zero' ? '>= 0' : '> 0'}`);
  return value as number;
}

function threshold(value: unknown, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 1000) invalidField(field, 'must be an integer >= 1');
  return value;
}

export function validateProbe(raw: unknown, field: 'livenessProbe' | 'readinessProbe'): Probe | undefined {
  if (raw === undefined) return undefined;
  if (!isObject(raw)) invalidField(field, 'must be an object');
  for (const handler of ['httpGet', 'tcpSocket', 'grpc']) if (raw[handler] !== undefined) invalidField(`${field}.${handler}`, 'unsupported probe handler (use exec)');
  if (!isObject(raw.exec)) invalidField(`${field}.exec`, 'is required');
  const command = raw.exec.command;
  if (!Array.isArray(command) || command.length === 0 || !command.every((c) => typeof c === 'string'))
    invalidField(`${field}.exec.command`, 'must be a non-empty array of strings');
  const probe: Probe = {
    exec: { command: [...(command as string[])] },
    initialDelaySeconds: seconds(raw.initialDelaySeconds, `${field}.initialDelaySeconds`, PROBE_DEFAULTS.initialDelaySeconds, 'zero'),
    periodSeconds: seconds(raw.periodSeconds, `${field}.periodSeconds`, PROBE_DEFAULTS.periodSeconds, 'positive'),
    timeoutSeconds: seconds(raw.timeoutSeconds, `${field}.timeoutSeconds`, PROBE_DEFAULTS.timeoutSeconds, 'positive'),
    successThreshold: threshold(raw.successThreshold, `${field}.successThreshold`, PROBE_DEFAULTS.successThreshold),
    failureThreshold: threshold(raw.failureThreshold, `${field}.failureThreshold`, PROBE_DEFAULTS.failureThreshold),
  };
  if (field === 'livenessProbe' && probe.successThreshold !== 1) invalidField(`${field}.successThreshold`, 'must be 1');
  if (raw.terminationGracePeriodSeconds !== undefined) {
    if (field !== 'livenessProbe') invalidField(`${field}.terminationGracePeriodSeconds`, 'is only valid for a liveness probe');
    probe.terminationGracePeriodSeconds = seconds(raw.terminationGracePeriodSeconds, `${field}.terminationGracePeriodSeconds`, 0, 'positive');
  }
  return probe;
}
