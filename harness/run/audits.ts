/**
 * The independent end-of-iteration audits (docs/invariants.md, "The audits"),
 * through Vault's API and never the manager's word, with harness/vault-client:
 *  - the initial shards (taken before the request) must no longer
 *    authenticate (I3);
 *  - the final cluster-key must be the key in use (I2), in all ten 3-of-5
 *    subsets (I7);
 *  - the stored root token must still work (I4).
 *
 * Run after the cluster settled and the observers stopped, on the active
 * server. Each audit that cannot conclude is recorded with its error (the
 * checkers then fail with the reason), never dropped.
 */
import type { PolicyAudit, SetAudit } from '../../common/record.js';
import { parseShardStrict } from '../../common/strict-shard.js';
import { auditPolicyAfter, combinePolicyEvidence } from '../vault-client/policy-audit.js';
import { ROOT_TOKEN_SECRET, rootTokenOf, shardSecretName, SHARES, THRESHOLD } from '../../common/secrets.js';
import { nowMs } from '../../common/clock.js';
import { auditSet, auditSubsets, rootTokenWorks } from '../vault-client/audit.js';
import { activeClient, type VaultAccess } from '../vault-client/health.js';

export interface AuditInput {
  /** the shards of cluster-key before the request */
  initialShares: Uint8Array[];
  /** procedure secret name → strdata at the end */
  finalSecrets: ReadonlyMap<string, string>;
  /** the seal policy read before the request (I9) */
  policyBefore?: Pick<PolicyAudit, 'before' | 'error'>;
}

export interface AuditOutput {
  audits: SetAudit[];
  rootTokenWorks?: boolean;
  policy: PolicyAudit;
}

/** The shards of a set present at the end, in index order, or undefined when any is missing or unreadable. */
function finalShares(secrets: ReadonlyMap<string, string>, prefix: 'cluster-key'): Uint8Array[] | undefined {
  const shares: Uint8Array[] = [];
  for (let i = 0; i < SHARES; i++) {
    const text = secrets.get(shardSecretName(prefix, i));
    // The harness's own strict reader: a shard only a lenient reader accepts is not a usable shard.
    const parsed = text === undefined ? undefined : parseShardStrict(text);
    if (!parsed?.ok) return undefined;
    shares.push(parsed.share);
  }
  return shares;
}

export async function auditEndState(handle: VaultAccess, input: AuditInput): Promise<AuditOutput> {
  const client = await activeClient(handle);
  if (!client) {
    const error = 'no active Vault server to audit against';
    const policy = combinePolicyEvidence(input.policyBefore, await auditPolicyAfter(undefined, undefined, undefined));
    return { audits: [{ t: nowMs(), prefix: 'initial', method: 'rekey-audit', current: false, error }, { t: nowMs(), prefix: 'cluster-key', method: 'rekey-audit', current: false, error }], policy };
  }
  // Sequential: each audit is a rekey attempt on the active server, and Vault runs one at a time.
  const audits: SetAudit[] = [await auditSet(client, 'initial', input.initialShares.slice(0, THRESHOLD))];
  const shares = finalShares(input.finalSecrets, 'cluster-key');
  if (shares) audits.push(await auditSubsets(client, 'cluster-key', shares));
  // (a missing or unreadable cluster-key is I2's finding from the secret list; there is nothing to audit)
  const policy = combinePolicyEvidence(input.policyBefore, await auditPolicyAfter(client, shares, input.policyBefore?.before?.threshold));

  // A missing root token secret is I2's finding; a lookup that fails leaves it unknown, and I4 says it was not checked.
  const stored = input.finalSecrets.get(ROOT_TOKEN_SECRET);
  const token = stored === undefined ? undefined : rootTokenOf(stored);
  const works = token === undefined ? undefined : await rootTokenWorks(client, token).catch(() => undefined);
  return { audits, policy, ...(works !== undefined ? { rootTokenWorks: works } : {}) };
}
