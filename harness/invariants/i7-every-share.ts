/**
 * I7 every share counts (docs/invariants.md): each of the five final
 * cluster-key shares is valid. Vault's verification and the manager's audit
 * only prove a threshold, so the independent audit proves all ten 3-of-5
 * subsets (harness/vault-client/audit.ts auditSubsets).
 */
import type { InvariantResult, RunRecord } from '../../common/record.js';
import { subsets } from '../../common/shamir.js';
import { SHARES, THRESHOLD } from '../../common/secrets.js';
import { failed, latestAudit, passed } from './evidence.js';

export function checkI7(record: RunRecord): InvariantResult {
  const audit = latestAudit(record, 'cluster-key');
  if (!audit) return failed('I7', 'no independent audit of cluster-key was recorded', {});
  const checks = audit.subsets ?? [];
  const evidence = { keyFp: audit.keyFp, method: audit.method, subsets: checks, error: audit.error };
  const expected = subsets(SHARES, THRESHOLD).map((s) => s.join(','));
  const seen = new Set(checks.map((c) => c.indices.join(',')));
  const unchecked = expected.filter((s) => !seen.has(s));
  if (unchecked.length > 0) return failed('I7', `${unchecked.length} of the ten 3-of-5 subsets were not audited: {${unchecked.join('} {')}}`, evidence, audit.t);
  const bad = checks.filter((c) => !c.ok).map((c) => `{${c.indices.join(',')}}`);
  if (bad.length > 0) {
    const suspects = suspectShares(checks.filter((c) => !c.ok).map((c) => c.indices));
    return failed('I7', `${bad.length} of 10 subsets do not authenticate: ${bad.join(' ')}${suspects.length ? `; suspect share(s) ${suspects.join(', ')}` : ''}`, { ...evidence, suspects }, audit.t);
  }
  return passed('I7', `all ten 3-of-5 subsets of cluster-key authenticate (key ${audit.keyFp ?? '?'})`, evidence);
}

/** Shares that appear in every failing subset (one bad share fails exactly the six subsets containing it). */
function suspectShares(failing: number[][]): number[] {
  const out: number[] = [];
  for (let i = 0; i < SHARES; i++) if (failing.every((s) => s.includes(i))) out.push(i);
  return out;
}
