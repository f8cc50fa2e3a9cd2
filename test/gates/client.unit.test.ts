/** The milestone → gate mapping of harness/backends/embedded-gates.ts and its refusals (no cluster needed). */
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EnvironmentError, UsageError } from '../../common/errors.js';
import { expectedRekeySequence } from '../../common/milestones.js';
import { armMilestoneGate, gateSpecFor } from '../../harness/backends/embedded-gates.js';

describe('gates: milestone gate client', () => {
  it('maps secret milestones to API server gates and Vault milestones to double gates', () => {
    expect(gateSpecFor('cluster-rekey-2')).to.deep.equal({ kind: 'kubernetes', body: { resource: 'secrets', name: 'cluster-rekey-2', type: 'ADDED' } });
    expect(gateSpecFor('cluster-key-0-deleted')).to.deep.equal({ kind: 'kubernetes', body: { resource: 'secrets', name: 'cluster-key-0', type: 'DELETED' } });
    expect(gateSpecFor('cluster-rekey-request-deleted')?.kind).to.equal('kubernetes');
    expect(gateSpecFor('vault-auth-progress-2')).to.deep.equal({ kind: 'vault', body: { event: 'rekey-progress', progress: 2 } });
    expect(gateSpecFor('vault-verify-progress-1')).to.deep.equal({ kind: 'vault', body: { event: 'verify-progress', progress: 1 } });
    expect(gateSpecFor('vault-auth-complete')).to.deep.equal({ kind: 'vault', body: { event: 'rekey-auth-complete' } });
    expect(gateSpecFor('vault-rotated')).to.deep.equal({ kind: 'vault', body: { event: 'rotated' } });
    expect(gateSpecFor('vault-rekey-started')).to.deep.equal({ kind: 'vault', body: { event: 'rekey-started' } });
  });

  it('refuses what it cannot gate: the harness-written request, audits, completion, unknown names', () => {
    for (const m of ['cluster-rekey-request', 'rekey-complete', 'vault-audit-started', 'vault-audit-complete', 'vault-rekey-cancelled', 'vault-active-changed', 'nope', 'cluster-rekey-9'])
      expect(gateSpecFor(m), m).to.equal(undefined);
    // Every other step of an undisturbed rekey can be gated.
    const ungated = expectedRekeySequence().filter((m) => !gateSpecFor(m));
    expect(ungated).to.deep.equal(['cluster-rekey-request', 'vault-audit-started', 'vault-audit-complete', 'rekey-complete']);
  });

  it('bad maxHoldMs is a UsageError; no running cluster is an EnvironmentError; an ungatable milestone is undefined', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'rekey-chaos-gates-client-'));
    try {
      await armMilestoneGate(dir, 'cluster-rekey-2', { maxHoldMs: 0 }).then(
        () => expect.fail('accepted maxHoldMs 0'),
        (err) => expect(err).to.be.instanceOf(UsageError),
      );
      await armMilestoneGate(dir, 'cluster-rekey-2').then(
        () => expect.fail('armed without a cluster'),
        (err) => expect(err).to.be.instanceOf(EnvironmentError).and.have.property('message').that.contains('no embedded cluster'),
      );
      expect(await armMilestoneGate(dir, 'rekey-complete')).to.equal(undefined);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
