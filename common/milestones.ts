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
import { MILESTONE_SECRETS, SET_PREFIXES, SHARES, ROOT_TOKEN_SECRET, THRESHOLD } from './secrets.js';

/**
 * Unseal events, per server (the event's `detail.server` names it): what a
 * restarted server goes through until the manager has unsealed it. They are
 * not steps of the rekey procedure (no PROCEDURE_MILESTONES list has them:
 * a fault-free rekey unseals nothing), but faults can aim at them, e.g. a
 * transient failure of `sys/unseal` right after a restart. Embedded only:
 * they come from the Vault double's feed; the poller does not derive them.
 * Progress stops one short of THRESHOLD: the last share ends in
 * `vault-unsealed` or `vault-unseal-rejected`.
 */
export const UNSEAL_EVENTS = [
  'vault-sealed', // a server process started (every one starts sealed) or a server was sealed
  ...Array.from({ length: THRESHOLD - 1 }, (_, i) => `vault-unseal-progress-${i + 1}` as `vault-unseal-progress-${number}`), // sys/unseal accepted share n
  'vault-unseal-rejected', // a full set of shares was submitted and did not open the server (wrong key)
  'vault-unsealed', // the server unsealed
] as const;

export function isUnsealEvent(name: string): boolean {
  return (UNSEAL_EVENTS as readonly string[]).includes(name);
}

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
  ...UNSEAL_EVENTS,
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

/**
 * The managers the harness knows the procedure of. `reference` is manager/;
 * `starlingx` is the bash vault-manager of the StarlingX vault-manager chart,
 * deployed as `--manager chart:<dir>`. Both use the same secret names.
 */
export type ManagerKind = 'reference' | 'starlingx';
export const MANAGER_KINDS: readonly ManagerKind[] = ['reference', 'starlingx'];

/** The kind behind a `--manager` spec: `reference`, or a chart or rendered script (StarlingX's vault-manager); anything else is unknown. */
export function managerKindOf(spec: string): ManagerKind | undefined {
  if (spec === 'reference') return 'reference';
  if (spec.startsWith('chart:') || spec.startsWith('script:')) return 'starlingx';
  return undefined;
}

export function isVaultEvent(name: string): boolean {
  return (VAULT_EVENTS as readonly string[]).includes(name);
}

function indexed(prefix: string, suffix = ''): string[] {
  return Array.from({ length: SHARES }, (_, i) => `${prefix}-${i}${suffix}`);
}

/**
 * The StarlingX vault-manager's undisturbed rekey, read from its script
 * (templates/vault-init.yaml of the chart; function names given so the
 * reading can be checked). Every secret is written one kubectl call at a
 * time in index order, and a set is deleted by one kubectl call naming the
 * secrets in index order, so the watch sees the indices in order.
 */
const STARLINGX_PROCEDURE: readonly string[] = [
  'cluster-rekey-request', // written by the operator (the harness)
  'vault-rekey-started', // rekeyInitialize: rekey/init with verification required
  'vault-auth-progress-1', // rekeyAuthenticate → rekeySubmitShard, one old shard per call
  'vault-auth-progress-2',
  'vault-auth-complete',
  ...indexed('cluster-rekey'), // storeVaultInitSecrets cluster-rekey (the answer carries no root token, so no cluster-rekey-root)
  'vault-verify-progress-1', // rekeyVerify → rekeyVerifySubmitShard
  'vault-verify-progress-2',
  'vault-rotated',
  'cluster-rekey-verified', // written on the completing verify answer
  ...indexed('cluster-key-bk'), // rekeyShuffleKeys: copy cluster-key → cluster-key-bk
  ...indexed('cluster-key', '-deleted'), // then delete cluster-key
  ...indexed('cluster-key'), // copy cluster-rekey → cluster-key
  ...indexed('cluster-rekey', '-deleted'), // delete cluster-rekey
  'cluster-rekey-shuffle',
  'vault-audit-started', // needsAudit → rekeyAudit: a throw-away rekey authenticated with cluster-key, then cancelled
  'vault-audit-complete',
  'cluster-rekey-audit', // written only when that audit passed
  ...indexed('cluster-key-bk', '-deleted'), // finalizeRekey: backups, then the milestones with audit last
  'cluster-rekey-verified-deleted',
  'cluster-rekey-shuffle-deleted',
  'cluster-rekey-request-deleted',
  'cluster-rekey-audit-deleted',
];

/**
 * The milestones an undisturbed rekey must pass, in order, per manager kind
 * (I8, docs/invariants.md). The reference manager's is the sequence the
 * milestone matrix is built from, without the runner's own `rekey-complete`.
 * Read from the two implementations, the lists agree event for event today;
 * a manager that legitimately differs gets its own list here, never a guess
 * in the checker.
 */
export const PROCEDURE_MILESTONES: Readonly<Record<ManagerKind, readonly string[]>> = {
  reference: expectedRekeySequence().filter((name) => name !== COMPLETE_EVENT),
  starlingx: STARLINGX_PROCEDURE,
};
