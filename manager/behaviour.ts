/** The reference manager's behaviour: every replaceable part at its correct implementation. */
import type { Behaviour } from './context.js';
import { referenceRecoverUnverifiedCompleteRekey } from './rekey/recovery.js';
import { referenceCopyIntoClusterKey, referenceEnsureBackup } from './rekey/shuffle.js';
import { referenceAuditThenFinalize, referenceInitialize, referenceReadRekeyStatus, referenceStoreNewShards, referenceVerify } from './rekey/steps.js';
import { referenceUnsealCandidates } from './unseal.js';

export function referenceBehaviour(): Behaviour {
  return {
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
