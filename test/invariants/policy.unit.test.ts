/**
 * I9 policy preserved: the pure verdict over the gathered facts, the
 * invariant over a record, and the audit that gathers the facts, run
 * against the in-process Vault model (real Shamir, Vault's answers).
 */
import { expect } from 'chai';
import type { PolicyAudit, RunRecord } from '../../common/record.js';
import { subsets } from '../../common/shamir.js';
import { checkI9, checkRecord } from '../../harness/invariants/index.js';
import { policyVerdict } from '../../harness/invariants/i9-policy.js';
import { auditPolicyAfter, auditPolicyBefore, combinePolicyEvidence, readSealPolicy, type PolicyClient } from '../../harness/vault-client/policy-audit.js';
import { VaultModel } from '../manager/model/vault-model.js';
import { makeSet } from '../observe/shard-fixtures.js';
import { simulateRun } from './simulate.js';

const trials = (size: number, authenticated: (indices: number[]) => boolean = () => false) => subsets(5, size).map((indices) => ({ indices, authenticated: authenticated(indices) }));
const facts = (after: { shares: number; threshold: number }, size = 2, auth?: (i: number[]) => boolean): PolicyAudit => ({
  before: { t: 1, shares: 5, threshold: 3 },
  after: { t: 2, ...after },
  belowThreshold: { t: 3, size, trials: trials(size, auth) },
});

/** The harness's client shape over the Vault model: only the calls the policy audit makes. */
function modelClient(v: VaultModel): PolicyClient {
  return {
    name: 'model-vault-0',
    sealStatus: async () => v.sealStatus(0).body as never,
    rekeyStatus: async () => v.rekeyStatus().body as never,
    request: async <T>(method: string, path: string, body?: unknown) => {
      const b = body as { key: string; nonce: string; secret_shares: number; secret_threshold: number; require_verification: boolean };
      const r =
        method === 'POST' && path === 'sys/rekey/init' ? v.rekeyInit(b)
        : method === 'POST' && path === 'sys/rekey/update' ? await v.rekeyUpdate(b.key, b.nonce)
        : method === 'DELETE' && path === 'sys/rekey/init' ? v.rekeyCancel()
        : undefined;
      if (!r) throw new Error(`the policy audit made an unexpected call ${method} ${path}`);
      return { status: r.status, body: (r.body ?? {}) as T };
    },
  };
}

const hexShares = (keys: unknown) => (keys as string[]).map((k) => new Uint8Array(Buffer.from(k, 'hex')));

/** A model Vault initialized 5/3, optionally rekeyed (with verification) to another policy; returns the shares in force. */
async function vaultWith(rekeyTo?: { shares: number; threshold: number }): Promise<{ v: VaultModel; shares: Uint8Array[] }> {
  const v = new VaultModel();
  let shares = hexShares((await v.init(0, 5, 3)).body!.keys);
  for (const s of shares.slice(0, 3)) await v.unseal(0, { key: Buffer.from(s).toString('hex') }); // server 0 becomes the active
  if (rekeyTo) {
    const nonce = v.rekeyInit({ secret_shares: rekeyTo.shares, secret_threshold: rekeyTo.threshold, require_verification: true }).body!.nonce as string;
    let done;
    for (const s of shares.slice(0, 3)) done = await v.rekeyUpdate(Buffer.from(s).toString('hex'), nonce);
    const fresh = hexShares(done!.body!.keys);
    const vnonce = done!.body!.verification_nonce as string;
    for (const s of fresh.slice(0, rekeyTo.threshold)) await v.rekeyVerify(Buffer.from(s).toString('hex'), vnonce);
    shares = fresh;
  }
  return { v, shares };
}

describe('I9 policy preserved', () => {
  let good: RunRecord;
  before(async () => {
    good = await simulateRun(await makeSet(), await makeSet());
  });

  it('policyVerdict: the same policy with no 2-subset authenticating passes; the scenario may ask for another one', () => {
    expect(policyVerdict(facts({ shares: 5, threshold: 3 }))).to.deep.equal({ ok: true, expected: { shares: 5, threshold: 3 } });
    const toSevenFour = facts({ shares: 7, threshold: 4 }, 3);
    expect(policyVerdict(toSevenFour).ok).to.equal(false);
    expect(policyVerdict(toSevenFour, { shares: 7, threshold: 4 }).ok).to.equal(true);
  });

  it('policyVerdict fails on a changed threshold, an authenticating small subset, untried subsets, and missing facts', () => {
    expect(policyVerdict(facts({ shares: 5, threshold: 2 }))).to.deep.include({ ok: false, problem: 'the seal configuration changed: 5 shares / threshold 3 expected, Vault now has 5 shares / threshold 2' });
    const leaky = policyVerdict(facts({ shares: 5, threshold: 3 }, 2, (i) => i.join() === '1,4'));
    expect(leaky).to.deep.include({ ok: false, problem: '1 subset(s) of only 2 shares authenticate: {1,4}' });
    const partial = facts({ shares: 5, threshold: 3 });
    partial.belowThreshold!.trials.pop();
    expect(policyVerdict(partial)).to.deep.include({ ok: false, problem: '1 subsets of 2 shares were not tried: {3,4}' });
    expect(policyVerdict(undefined).ok).to.equal(false);
    expect(policyVerdict({ ...facts({ shares: 5, threshold: 3 }), error: 'no active server' })).to.deep.include({ ok: false, problem: 'the policy audit did not conclude: no active server' });
    const wrongSize = facts({ shares: 5, threshold: 3 }, 1);
    expect(policyVerdict(wrongSize).ok).to.equal(false);
  });

  it('checkI9 passes the simulated rekey and fails (overall outcome failed) when the threshold dropped', () => {
    expect(checkI9(good)).to.include({ status: 'passed' });
    const lowered = structuredClone(good);
    lowered.policy!.after = { t: lowered.endedAt, shares: 5, threshold: 2 };
    const r = checkI9(lowered);
    expect(r).to.include({ status: 'failed', at: lowered.endedAt });
    expect(checkRecord(lowered).outcome).to.equal('failed');
    const old = structuredClone(good);
    delete old.policy;
    expect(checkI9(old).message).to.equal('the seal configuration was not audited: the policy cannot be shown');
  });

  it('the audit reads 5/3 before and after, and no 2-subset of the stored shares authenticates against a Vault that kept its policy', async () => {
    const { v, shares } = await vaultWith({ shares: 5, threshold: 3 });
    const client = modelClient(v);
    const before = await readSealPolicy(client);
    const after = await auditPolicyAfter(client, shares, before.threshold);
    expect(after.error).to.equal(undefined);
    expect(after.after).to.include({ shares: 5, threshold: 3 });
    expect(after.belowThreshold!.trials).to.have.length(10);
    expect(after.belowThreshold!.trials.every((t) => !t.authenticated)).to.equal(true);
    expect(v.rekey, 'every trial cancels its rekey').to.equal(undefined);
    expect(policyVerdict({ before, ...after }).ok).to.equal(true);
  });

  it('the audit catches a Vault rekeyed to threshold 2: seal-status says so, and every 2-subset authenticates', async () => {
    const { v: v0 } = await vaultWith();
    const before = await readSealPolicy(modelClient(v0));
    const { v, shares } = await vaultWith({ shares: 5, threshold: 2 });
    const after = await auditPolicyAfter(modelClient(v), shares, before.threshold);
    expect(after.after).to.include({ shares: 5, threshold: 2 });
    expect(after.belowThreshold!.trials.every((t) => t.authenticated)).to.equal(true);
    const verdict = policyVerdict({ before, ...after });
    expect(verdict.ok).to.equal(false);
    // even if seal-status were trusted wrongly, the subsets alone condemn it
    expect(policyVerdict({ before, ...after, after: { ...after.after!, threshold: 3 } })).to.deep.include({ ok: false, problem: `10 subset(s) of only 2 shares authenticate: ${subsets(5, 2).map((s) => `{${s.join(',')}}`).join(' ')}` });
  });

  it('an audit that cannot conclude is recorded with its reason (a rekey already running), not dropped', async () => {
    const { v, shares } = await vaultWith();
    v.rekeyInit({ secret_shares: 5, secret_threshold: 3, require_verification: true });
    const after = await auditPolicyAfter(modelClient(v), shares, 3);
    expect(after.error).to.match(/a rekey is already running/);
    expect(after.after).to.include({ shares: 5, threshold: 3 });
    expect(await auditPolicyAfter(undefined, shares, 3)).to.deep.equal({ error: 'no active Vault server to read the seal configuration from' });
  });

  it('before and after combine into the record\'s evidence, keeping the errors of both halves', async () => {
    const { v, shares } = await vaultWith();
    const before = await auditPolicyBefore(modelClient(v));
    const policy = combinePolicyEvidence(before, await auditPolicyAfter(modelClient(v), shares, before.before?.threshold));
    expect(policyVerdict(policy).ok).to.equal(true);
    const failedBoth = combinePolicyEvidence(await auditPolicyBefore(undefined), await auditPolicyAfter(undefined, shares, 3));
    expect(failedBoth.error).to.equal('no active Vault server to read the seal configuration from before the request; no active Vault server to read the seal configuration from');
    expect(policyVerdict(failedBoth).ok).to.equal(false);
  });
});
