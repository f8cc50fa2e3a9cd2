/**
 * I3 the rekey happened (docs/invariants.md): the final cluster-key
 * differs from the initial one, and the initial shards no longer unseal —
 * shown by an independent audit of the initial shards (prefix `initial`).
 */
import type { InvariantResult, RunRecord } from '../../common/record.js';
import { failed, initialKeyFp, latestAudit, passed } from './evidence.js';

export function checkI3(record: RunRecord): InvariantResult {
  const initialKey = initialKeyFp(record);
  const finalAudit = latestAudit(record, 'cluster-key');
  const finalKey = finalAudit?.keyFp ?? record.ledger.at(-1)?.sets['cluster-key']?.keyFp;
  const initialAudit = latestAudit(record, 'initial');
  const evidence = {
    initialKey,
    finalKey,
    initialAudit: initialAudit && { t: initialAudit.t, method: initialAudit.method, current: initialAudit.current, error: initialAudit.error },
  };
  if (initialKey === undefined) return failed('I3', 'the initial key fingerprint was not recorded', evidence);
  if (finalKey === undefined) return failed('I3', 'the final cluster-key fingerprint is unknown', evidence);
  if (finalKey === initialKey) return failed('I3', `the final cluster-key is still the initial key ${initialKey}`, evidence, finalAudit?.t ?? record.endedAt);
  if (!initialAudit) return failed('I3', 'no independent audit of the initial shards was recorded: cannot show they were revoked', evidence);
  if (initialAudit.error !== undefined && !initialAudit.current) {
    return failed('I3', `the audit of the initial shards did not conclude: ${initialAudit.error}`, evidence, initialAudit.t);
  }
  if (initialAudit.current) return failed('I3', `the initial shards (key ${initialKey}) still authenticate`, evidence, initialAudit.t);
  return passed('I3', `key changed ${initialKey} → ${finalKey}; the initial shards are rejected by Vault`, evidence);
}
