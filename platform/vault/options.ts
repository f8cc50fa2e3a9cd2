/**
 * The Vault double's named switches, parsed from `VAULT_DOUBLE_OPTIONS` (JSON).
 * Behaviours the spec marks as unconfirmed are switches here so scenarios can
 * run under each; every default is the most likely real behaviour.
 */
import { UsageError } from '../../common/errors.js';

export type StaleSealedNode = 'old-key' | 'current-key';

export interface DoubleOptions {
  /**
   * Which key a server that was sealed or down during a rotation needs.
   * 'old-key' (default, inferred from raft running only while unsealed): the
   * key of the generation it last synced while unsealed, until it has been
   * unsealed once and caught up. 'current-key': the new key at once.
   */
  staleSealedNode: StaleSealedNode;
  /**
   * >0: after losing leadership, the old active keeps `vault-active=true`
   * this long, so two pods can briefly carry it (label lag). Default 0.
   * Not applied when the active seals: Vault labels a sealing active `vault-active=false` first.
   */
  dualActiveLabelWindowMs: number;
  /**
   * A joined follower that was never unsealed answers its final share with
   * `sealed:true, progress:0` and unseals this long afterwards (keyring
   * replication). Default 300.
   */
  followerUnsealDelayMs: number;
  /** HA lease lifetime: a dead active is replaced about this long after its last renewal. Default 1000. */
  electionMs: number;
  /** How often every unsealed server renews/contends for the lease and refreshes its heartbeat. Default 200. */
  leaseRenewMs: number;
  /** After `sys/step-down` the server does not contend for leadership this long (Vault: ~10 s). Default 10000. */
  stepDownCooldownMs: number;
  /** Retry interval of a failed label patch (Vault: 5 s). Default 5000. */
  labelRetryMs: number;
}

export const DEFAULT_OPTIONS: DoubleOptions = {
  staleSealedNode: 'old-key',
  dualActiveLabelWindowMs: 0,
  followerUnsealDelayMs: 300,
  electionMs: 1000,
  leaseRenewMs: 200,
  stepDownCooldownMs: 10_000,
  labelRetryMs: 5000,
};

const NUMERIC: (keyof DoubleOptions)[] = ['dualActiveLabelWindowMs', 'followerUnsealDelayMs', 'electionMs', 'leaseRenewMs', 'stepDownCooldownMs', 'labelRetryMs'];

/** Parses the JSON of `VAULT_DOUBLE_OPTIONS`; unknown names and bad values are a UsageError naming the field. */
export function parseOptions(json: string | undefined): DoubleOptions {
  if (json === undefined || json.trim() === '') return { ...DEFAULT_OPTIONS };
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (cause) {
    throw new UsageError(`VAULT_DOUBLE_OPTIONS is not valid JSON: ${(cause as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new UsageError('VAULT_DOUBLE_OPTIONS must be a JSON object');
  const out: DoubleOptions = { ...DEFAULT_OPTIONS };
  for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
    if (name === 'staleSealedNode') {
      if (value !== 'old-key' && value !== 'current-key') throw new UsageError(`VAULT_DOUBLE_OPTIONS.staleSealedNode must be 'old-key' or 'current-key'`, { value });
      out.staleSealedNode = value;
    } else if ((NUMERIC as string[]).includes(name)) {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new UsageError(`VAULT_DOUBLE_OPTIONS.${name} must be a non-negative number of milliseconds`, { value });
      (out as unknown as Record<string, number>)[name] = value;
    } else {
      throw new UsageError(`VAULT_DOUBLE_OPTIONS has an unknown switch '${name}'`, { known: ['staleSealedNode', ...NUMERIC] });
    }
  }
  if (out.leaseRenewMs <= 0 || out.electionMs <= out.leaseRenewMs) {
    throw new UsageError('VAULT_DOUBLE_OPTIONS: electionMs must exceed leaseRenewMs, and leaseRenewMs must be positive', { electionMs: out.electionMs, leaseRenewMs: out.leaseRenewMs });
  }
  return out;
}
