/**
 * The deliberately broken manager variants, for proving that the harness can
 * fail. Each module replaces exactly one entry of the reference behaviour.
 * `MANAGER_DEFECT=<name>` selects one; unset means the correct manager.
 */
import type { Behaviour } from '../context.js';
import { referenceBehaviour } from '../behaviour.js';
import { UnknownDefectError } from '../errors.js';
import * as auditLeavesRekeyRunning from './audit-leaves-rekey-running.js';
import * as auditStepSkipped from './audit-step-skipped.js';
import * as authenticateRestartsFromFirstShard from './authenticate-restarts-from-first-shard.js';
import * as backupAfterDelete from './backup-after-delete.js';
import * as backupBase64WithNewline from './backup-base64-with-newline.js';
import * as rekeysToThreshold2 from './rekeys-to-threshold-2.js';
import * as requestConsumedBeforeShardsStored from './request-consumed-before-shards-stored.js';
import * as unsealGivesUpAfterOneFailure from './unseal-gives-up-after-one-failure.js';
import * as finalizeClearsMilestonesFirst from './finalize-clears-milestones-first.js';
import * as noReadbackOfStoredShards from './no-readback-of-stored-shards.js';
import * as noRequireVerification from './no-require-verification.js';
import * as recoveryTrustsRekeyWithoutAudit from './recovery-trusts-rekey-without-audit.js';
import * as shuffleRecordedBeforeCopy from './shuffle-recorded-before-copy.js';
import * as staleRekeyStatusAfterFailover from './stale-rekey-status-after-failover.js';
import * as unsealClusterKeyOnly from './unseal-cluster-key-only.js';
import * as verifiedBeforeVaultConfirms from './verified-before-vault-confirms.js';

export interface Defect {
  name: string;
  description: string;
  apply(base: Behaviour): Behaviour;
}

const MODULES: Record<string, { description: string; apply(base: Behaviour): Behaviour }> = {
  'no-require-verification': noRequireVerification,
  'shuffle-recorded-before-copy': shuffleRecordedBeforeCopy,
  'finalize-clears-milestones-first': finalizeClearsMilestonesFirst,
  'unseal-cluster-key-only': unsealClusterKeyOnly,
  'recovery-trusts-rekey-without-audit': recoveryTrustsRekeyWithoutAudit,
  'no-readback-of-stored-shards': noReadbackOfStoredShards,
  'verified-before-vault-confirms': verifiedBeforeVaultConfirms,
  'stale-rekey-status-after-failover': staleRekeyStatusAfterFailover,
  'audit-step-skipped': auditStepSkipped,
  'backup-after-delete': backupAfterDelete,
  'rekeys-to-threshold-2': rekeysToThreshold2,
  'unseal-gives-up-after-one-failure': unsealGivesUpAfterOneFailure,
  'backup-base64-with-newline': backupBase64WithNewline,
  'request-consumed-before-shards-stored': requestConsumedBeforeShardsStored,
  'authenticate-restarts-from-first-shard': authenticateRestartsFromFirstShard,
  'audit-leaves-rekey-running': auditLeavesRekeyRunning,
};

export const DEFECTS: readonly Defect[] = Object.entries(MODULES).map(([name, m]) => ({ name, description: m.description, apply: m.apply }));

export function defectNames(): string[] {
  return DEFECTS.map((d) => d.name);
}

/** The behaviour for a defect name; undefined/empty = the reference manager. */
export function behaviourFor(defect: string | undefined): Behaviour {
  const base = referenceBehaviour();
  if (!defect) return base;
  const found = DEFECTS.find((d) => d.name === defect);
  if (!found) throw new UnknownDefectError(defect, defectNames());
  return found.apply(base);
}
