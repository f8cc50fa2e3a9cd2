/** The reference manager's behaviour: every replaceable part at its correct implementation. */
import type { Behaviour } from './context.js';
import { auditShares } from './rekey/audit.js';
import { referenceRecoverUnverifiedCompleteRekey } from './rekey/recovery.js';
import { referenceCopyIntoClusterKey, referenceEnsureBackup } from './rekey/shuffle.js';
import { authenticate, referenceAuditThenFinalize, referenceInitialize, referenceReadRekeyStatus, referenceStoreNewShards, referenceVerify } from './rekey/steps.js';
import { referenceUnsealCandidates, unsealServer } from './unseal.js';

export function referenceBehaviour(): Behaviour {
  return {
    auditShares,
    unsealServer,
    authenticate,
    readRekeyStatus: referenceReadRekeyStatus,
    unsealCandidates: referenceUnsealCandidates,
    initialize: (ctx) => referenceInitialize(ctx),
    storeNewShards: referenceStoreNewShards,
    verify: (ctx, snap) => referenceVerify(ctx, snap),
    auditThenFinalize: referenceAuditThenFinalize,
    ensureBackup: referenceEnsureBackup,
    copyIntoClusterKey: referenceCopyIntoClusterKey,
    recoverUnverifiedCompleteRekey: referenceRecoverUnverifiedCompleteRekey,
  };
}
