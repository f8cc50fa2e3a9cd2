/**
 * The manager's configuration, from the environment of the process contract
 * (docs/architecture.md "Manager process contract"). Defaults are StarlingX's;
 * the embedded cluster passes fast values.
 */
import { ConfigError } from './errors.js';

export type LogLevel = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR';
export const LOG_LEVELS: readonly LogLevel[] = ['DEBUG', 'INFO', 'WARNING', 'ERROR'];

export interface ManagerConfig {
  kubeconfig: string | undefined;
  namespace: string;
  fullName: string;
  caCertPath: string | undefined;
  /** Static name → IP resolutions (REKEY_CHAOS_HOSTS). */
  hosts: Record<string, string>;
  statusRateMs: number;
  unsealWaitIntervals: number;
  apiTimeoutMs: number;
  defect: string | undefined;
  logLevel: LogLevel;
}

export const DEFAULTS = {
  namespace: 'vault',
  fullName: 'sva-vault',
  statusRateMs: 5000,
  unsealWaitIntervals: 3,
  apiTimeoutMs: 15000,
  logLevel: 'INFO' as LogLevel,
};

function intFrom(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new ConfigError(`${name} must be an integer >= ${min}, got "${raw}"`, { name, raw });
  }
  return value;
}

/** Parses `name=ip,name=ip`; whitespace around entries is ignored. */
export function parseHosts(raw: string | undefined): Record<string, string> {
  const hosts: Record<string, string> = {};
  if (!raw) return hosts;
  for (const entry of raw.split(',')) {
    const trimmed = entry.trim();
    if (!trimmed) continue;
    const eq = trimmed.indexOf('=');
    if (eq <= 0 || eq === trimmed.length - 1) {
      throw new ConfigError(`REKEY_CHAOS_HOSTS entry "${trimmed}" is not name=ip`, { entry: trimmed });
    }
    hosts[trimmed.slice(0, eq).toLowerCase()] = trimmed.slice(eq + 1);
  }
  return hosts;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ManagerConfig {
  const level = (env.MANAGER_LOG_LEVEL ?? DEFAULTS.logLevel).toUpperCase();
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new ConfigError(`MANAGER_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${env.MANAGER_LOG_LEVEL}"`);
  }
  return {
    kubeconfig: env.KUBECONFIG || undefined,
    namespace: env.MANAGER_NAMESPACE || DEFAULTS.namespace,
    fullName: env.MANAGER_VAULT_FULLNAME || DEFAULTS.fullName,
    caCertPath: env.MANAGER_CA_CERT || undefined,
    hosts: parseHosts(env.REKEY_CHAOS_HOSTS),
    statusRateMs: intFrom(env, 'MANAGER_STATUS_RATE_MS', DEFAULTS.statusRateMs, 1),
    unsealWaitIntervals: intFrom(env, 'MANAGER_UNSEAL_WAIT_INTERVALS', DEFAULTS.unsealWaitIntervals, 0),
    apiTimeoutMs: intFrom(env, 'MANAGER_API_TIMEOUT_MS', DEFAULTS.apiTimeoutMs, 1),
    defect: env.MANAGER_DEFECT || undefined,
    logLevel: level as LogLevel,
  };
}
