/**
 * I2 final state (docs/invariants.md): cluster-key-0..4 and
 * cluster-key-root exist, no rekey artefact remains, and cluster-key unseals
 * the servers — the last shown by the independent audit of cluster-key, not
 * by the manager's word.
 */
import type { InvariantResult, RunRecord } from '../../common/record.js';
import { isRekeyArtefact, ROOT_TOKEN_SECRET, shardSecretName, SHARES } from '../../common/secrets.js';
import { failed, latestAudit, passed } from './evidence.js';

export function checkI2(record: RunRecord): InvariantResult {
  const present = new Set(record.final.secrets);
  const required = [...Array.from({ length: SHARES }, (_, i) => shardSecretName('cluster-key', i)), ROOT_TOKEN_SECRET];
  const missing = required.filter((name) => !present.has(name));
  const leftovers = record.final.secrets.filter(isRekeyArtefact).sort();
  const audit = latestAudit(record, 'cluster-key');
  const evidence = { secrets: [...record.final.secrets].sort(), missing, leftovers, audit: audit && { t: audit.t, method: audit.method, keyFp: audit.keyFp, current: audit.current, error: audit.error } };
  if (missing.length > 0) return failed('I2', `missing at the end: ${missing.join(', ')}`, evidence, record.endedAt);
  if (leftovers.length > 0) return failed('I2', `rekey artefacts remain: ${leftovers.join(', ')}`, evidence, record.endedAt);
  if (!audit) return failed('I2', 'no independent audit of cluster-key was recorded: cannot show it unseals the servers', evidence);
  if (!audit.current) {
    const why = audit.error ? ` (${audit.error})` : '';
    return failed('I2', `cluster-key (key ${audit.keyFp ?? '?'}) is not the key Vault uses${why}`, evidence, audit.t);
  }
  return passed('I2', `cluster-key complete, root token secret present, no artefacts; audit (${audit.method}) proves key ${audit.keyFp ?? '?'} current`, evidence);
}
