/**
 * The vocabulary of milestone events on a run's timeline (docs/milestones.md). Scenario triggers (`after: X`)
 * name these; observers emit them; reports draw them.
 *
 * Two sources:
 *  - secret events, from the secret watch:
 *      `<secret-name>`          the secret was created during the iteration,
 *                               e.g. `cluster-rekey-request`, `cluster-rekey-3`,
 *                               `cluster-key-bk-0`, `cluster-key-2` (re-created by the shuffle)
 *      `<secret-name>-deleted`  the secret was deleted, e.g. `cluster-key-0-deleted`
 *  - Vault events, from the status poller (every backend) or the embedded
 *    double's feed (exact, embedded only): the VAULT_EVENTS below.
 *  - `rekey-complete`: the procedure finished (all four milestone secrets gone).
 */
import { MILESTONE_SECRETS, SET_PREFIXES, SHARES, ROOT_TOKEN_SECRET } from './secrets.js';

export const VAULT_EVENTS = [
  'vault-rekey-started', // a rekey began on the active server (not an audit)
  'vault-auth-progress-1', // rekey/update accepted old share 1 of 3
  'vault-auth-progress-2',
  'vault-auth-complete', // update phase done; verification nonce issued (new shards returned)
  'vault-verify-progress-1', // rekey/verify accepted new share 1 of 3
  'vault-verify-progress-2',
  'vault-rotated', // the new unseal key took effect
  'vault-rekey-cancelled', // a rekey was abandoned (DELETE, or lost with the active server)
  'vault-audit-started', // a rekey begun for an audit of a set (after the shuffle milestone)
  'vault-audit-complete', // that audit's authentication completed
  'vault-active-changed', // a different server became active
] as const;
export type VaultEvent = (typeof VAULT_EVENTS)[number];

export const COMPLETE_EVENT = 'rekey-complete';

/** Every secret name whose creation or deletion is a milestone. */
export function milestoneSecretNames(): string[] {
  const names: string[] = [...MILESTONE_SECRETS];
  for (const prefix of SET_PREFIXES) for (let i = 0; i < SHARES; i++) names.push(`${prefix}-${i}`);
  names.push(ROOT_TOKEN_SECRET);
  return names;
}

/** Every valid milestone event name, for schema validation and for the generated matrix. */
export function allMilestoneEvents(): string[] {
  const out: string[] = [];
  for (const name of milestoneSecretNames()) out.push(name, `${name}-deleted`);
  out.push(...VAULT_EVENTS, COMPLETE_EVENT);
  return out;
}

export function isMilestoneEvent(name: string): boolean {
  return allMilestoneEvents().includes(name);
}

/**
 * The events an undisturbed rekey produces, in order. The milestone matrix
 * (`matrix/`) injects a fault right after each of them.
 */
export function expectedRekeySequence(): string[] {
  const seq: string[] = ['cluster-rekey-request', 'vault-rekey-started', 'vault-auth-progress-1', 'vault-auth-progress-2', 'vault-auth-complete'];
  for (let i = 0; i < SHARES; i++) seq.push(`cluster-rekey-${i}`);
  seq.push('vault-verify-progress-1', 'vault-verify-progress-2', 'vault-rotated', 'cluster-rekey-verified');
  for (let i = 0; i < SHARES; i++) seq.push(`cluster-key-bk-${i}`);
  for (let i = 0; i < SHARES; i++) seq.push(`cluster-key-${i}-deleted`);
  for (let i = 0; i < SHARES; i++) seq.push(`cluster-key-${i}`);
  for (let i = 0; i < SHARES; i++) seq.push(`cluster-rekey-${i}-deleted`);
  seq.push('cluster-rekey-shuffle', 'vault-audit-started', 'vault-audit-complete', 'cluster-rekey-audit');
  for (let i = 0; i < SHARES; i++) seq.push(`cluster-key-bk-${i}-deleted`);
  seq.push('cluster-rekey-verified-deleted', 'cluster-rekey-shuffle-deleted', 'cluster-rekey-request-deleted', 'cluster-rekey-audit-deleted', COMPLETE_EVENT);
  return seq;
}
