/**
 * I9 policy preserved (docs/invariants.md): after the rekey the seal
 * configuration is what it was before (or what the scenario asks for):
 * the same number of shares, the same threshold, and no subset of the final
 * cluster-key smaller than the threshold authenticates. A manager that
 * rekeys to a lower threshold still passes I1–I7: every check there uses
 * three shares, which remain enough.
 *
 * `policyVerdict` is the pure judgement of the facts the policy audit
 * gathered (harness/vault-client/policy-audit.ts); `checkI9` applies it to a
 * record.
 */
import type { InvariantResult, PolicyAudit, RunRecord, SealPolicy } from '../../common/record.js';
import { subsets } from '../../common/shamir.js';
import { SHARES } from '../../common/secrets.js';
import { failed, passed } from './evidence.js';

export type PolicyVerdict = { ok: true; expected: SealPolicy } | { ok: false; problem: string; at?: number };

const show = (p: SealPolicy) => `${p.shares} shares / threshold ${p.threshold}`;

/** Judges the gathered facts: `expected` is the scenario's policy, else the one read before the request. */
export function policyVerdict(policy: PolicyAudit | undefined, expected?: SealPolicy, storedShares = SHARES): PolicyVerdict {
  if (!policy) return { ok: false, problem: 'the seal configuration was not audited: the policy cannot be shown' };
  if (policy.error !== undefined) return { ok: false, problem: `the policy audit did not conclude: ${policy.error}` };
  if (!policy.before) return { ok: false, problem: 'the seal configuration before the request was not read' };
  if (!policy.after) return { ok: false, problem: 'the seal configuration after the rekey was not read' };
  const want = expected ?? { shares: policy.before.shares, threshold: policy.before.threshold };
  const after = policy.after;
  if (after.shares !== want.shares || after.threshold !== want.threshold) {
    return { ok: false, problem: `the seal configuration changed: ${show(want)} expected, Vault now has ${show(after)}`, at: after.t };
  }
  const below = policy.belowThreshold;
  const size = want.threshold - 1;
  if (!below) return { ok: false, problem: `no subset of ${size} shares was tried: cannot show that fewer than ${want.threshold} shares do not unseal` };
  if (below.size !== size) return { ok: false, problem: `subsets of ${below.size} shares were tried, but the threshold ${want.threshold} needs subsets of ${size}`, at: below.t };
  const tried = new Set(below.trials.map((t) => t.indices.join(',')));
  const untried = size === 0 ? [] : subsets(storedShares, size).filter((s) => !tried.has(s.join(',')));
  if (untried.length > 0) return { ok: false, problem: `${untried.length} subsets of ${size} shares were not tried: {${untried.map((s) => s.join(',')).join('} {')}}`, at: below.t };
  const unsealing = below.trials.filter((t) => t.authenticated).map((t) => `{${t.indices.join(',')}}`);
  if (unsealing.length > 0) return { ok: false, problem: `${unsealing.length} subset(s) of only ${size} shares authenticate: ${unsealing.join(' ')}`, at: below.t };
  return { ok: true, expected: want };
}

export function checkI9(record: RunRecord): InvariantResult {
  const policy = record.policy;
  const evidence = {
    before: policy?.before,
    after: policy?.after,
    expected: record.scenario.expectedPolicy,
    belowThreshold: policy?.belowThreshold && { size: policy.belowThreshold.size, tried: policy.belowThreshold.trials.length, authenticated: policy.belowThreshold.trials.filter((t) => t.authenticated).map((t) => t.indices) },
    error: policy?.error,
  };
  const verdict = policyVerdict(policy, record.scenario.expectedPolicy);
  if (!verdict.ok) return failed('I9', verdict.problem, evidence, verdict.at);
  const size = verdict.expected.threshold - 1;
  return passed('I9', `${show(verdict.expected)} kept; none of the ${policy!.belowThreshold!.trials.length} subsets of ${size} shares authenticates`, evidence);
}
