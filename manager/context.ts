/**
 * What every step receives: the ports, the logger, the configuration, the
 * replaceable behaviour (the seam the defects plug into) and the little the
 * manager keeps in memory. All progress of a rekey lives in secrets or in
 * Vault; memory holds only hints that are safe to lose on kill -9.
 */
import type { SetPrefix } from '../common/secrets.js';
import type { ManagerConfig } from './config.js';
import type { Logger } from './log.js';
import type { Pods, SecretStore, VaultApi, ServerPod } from './ports.js';
import type { ShardSet, Snapshot } from './sets.js';
import type { RekeyStatus } from './vault/answers.js';
import type { AuditVerdict } from './rekey/audit.js';

export interface ManagerMemory {
  /** The set that last unsealed a server (tried first next time). */
  lastWorkingSet?: SetPrefix;
  /** Passes left before a sealed server is unsealed, by pod name. */
  sealedCountdown: Map<string, number>;
  /** Free slot for a behaviour that keeps state between passes (only a defect does). */
  scratch: Map<string, unknown>;
}

/**
 * The replaceable parts of the manager. The reference implementation is in
 * behaviour.ts; each defect in defects/ replaces exactly one entry.
 */
export interface Behaviour {
  /** Does this set authenticate as the key in use? A throw-away rekey, always cancelled. */
  auditShares(ctx: ManagerContext, label: string, shares: readonly Uint8Array[]): Promise<AuditVerdict>;
  /** Unseals one sealed server with the candidate sets; true when it is unsealed (or joining). */
  unsealServer(ctx: ManagerContext, server: ServerPod, snap: Snapshot): Promise<boolean>;
  /** Step 5: submit cluster-key shards from Vault's progress onward; store the new shards. */
  authenticate(ctx: ManagerContext, snap: Snapshot, status: RekeyStatus): Promise<void>;
  /** Reads the rekey status from the active server (once per pass). */
  readRekeyStatus(ctx: ManagerContext): Promise<RekeyStatus>;
  /** The complete sets to try for an unseal, in order. */
  unsealCandidates(ctx: ManagerContext, snap: Snapshot): SetPrefix[];
  /** Step 6: start a rekey. */
  initialize(ctx: ManagerContext, snap: Snapshot, status: RekeyStatus): Promise<void>;
  /** Step 5's storage of the new shards Vault returned. */
  storeNewShards(ctx: ManagerContext, shares: Uint8Array[]): Promise<void>;
  /** Step 4: verify the new shards and record that Vault confirmed them. */
  verify(ctx: ManagerContext, snap: Snapshot, status: RekeyStatus): Promise<void>;
  /** Step 2: audit cluster-key, record it, finalize. */
  auditThenFinalize(ctx: ManagerContext, snap: Snapshot): Promise<void>;
  /** Shuffle: make sure cluster-key-bk is a complete, validated copy of cluster-key. */
  ensureBackup(ctx: ManagerContext, key: ShardSet, backup: ShardSet): Promise<boolean>;
  /** Shuffle: copy the verified new shards into the (emptied) cluster-key, read back. */
  copyIntoClusterKey(ctx: ManagerContext, snap: Snapshot, newShares: Uint8Array[]): Promise<void>;
  /** Recovery branch: no `verified`, `cluster-rekey` complete, no rekey running. */
  recoverUnverifiedCompleteRekey(ctx: ManagerContext, snap: Snapshot): Promise<void>;
}

export interface ManagerContext {
  config: ManagerConfig;
  store: SecretStore;
  vault: VaultApi;
  pods: Pods;
  log: Logger;
  behaviour: Behaviour;
  memory: ManagerMemory;
}

export function freshMemory(): ManagerMemory {
  return { sealedCountdown: new Map(), scratch: new Map() };
}
