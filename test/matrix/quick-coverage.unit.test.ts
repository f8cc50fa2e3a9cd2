import { expect } from 'chai';
import { expectedRekeySequence } from '../../common/milestones.js';
import { embeddedGateKind } from '../../harness/backends/embedded-gates.js';
import { milestoneMatrix } from '../../matrix/milestone-matrix.js';
import { QUICK_WINDOWS, quickCoverageIds, quickCoverageScenarios, type CoverageWindow } from '../../matrix/quick-coverage.js';

describe('matrix/quick-coverage: the quick matrix chosen by milestones × parties', () => {
  const sequence = expectedRekeySequence();
  const ids = quickCoverageIds();

  it('names only scenarios the milestone matrix generates, each once', () => {
    const scenarios = quickCoverageScenarios(milestoneMatrix());
    expect(scenarios.map((s) => s.id)).to.deep.equal(ids);
    expect(new Set(ids).size).to.equal(ids.length);
  });

  it('follows the procedure: windows in the order an undisturbed rekey passes them, from the request to the last milestone cleared', () => {
    const positions = QUICK_WINDOWS.map((w) => sequence.indexOf(w.after));
    expect(positions.every((p) => p >= 0)).to.equal(true);
    expect([...positions].sort((a, b) => a - b)).to.deep.equal(positions);
    expect(QUICK_WINDOWS[0]!.after).to.equal('cluster-rekey-request');
    expect(QUICK_WINDOWS.at(-1)!.after).to.equal('cluster-rekey-audit-deleted');
  });

  it('hits the manager in every window, the active while Vault holds rekey state in memory, a standby from the rotation to the shuffle', () => {
    const windowsOf = (party: string) => QUICK_WINDOWS.filter((w) => w.parties.includes(party as CoverageWindow['parties'][number])).map((w) => w.after);
    expect(windowsOf('manager')).to.have.length(QUICK_WINDOWS.length);
    for (const m of ['vault-rekey-started', 'vault-auth-progress-1', 'vault-auth-complete', 'cluster-rekey-4', 'vault-verify-progress-1', 'cluster-rekey-shuffle']) expect(windowsOf('active')).to.include(m);
    const rotated = sequence.indexOf('vault-rotated');
    const shuffle = sequence.indexOf('cluster-rekey-shuffle');
    expect(windowsOf('standby').every((m) => sequence.indexOf(m) >= rotated && sequence.indexOf(m) <= shuffle)).to.equal(true);
    expect(windowsOf('standby')).to.include.members(['vault-rotated', 'cluster-rekey-shuffle']);
  });

  it('lands every time on embedded: each window after the request is one a milestone gate can hold', () => {
    const ungated = QUICK_WINDOWS.filter((w) => embeddedGateKind(w.after) === undefined).map((w) => w.after);
    expect(ungated).to.deep.equal(['cluster-rekey-request']);
  });

  it('alternates kill and delete per party, so both restart paths are crossed', () => {
    for (const party of ['manager', 'active', 'standby']) {
      const actions = ids.filter((id) => id.endsWith(`-${party}`)).map((id) => (id.includes(`-kill-${party}`) ? 'kill' : 'delete'));
      expect(actions.length).to.be.greaterThan(1);
      actions.forEach((a, i) => expect(a).to.equal(i % 2 === 0 ? 'kill' : 'delete'));
    }
  });

  it('a window naming a milestone the matrix lacks is reported as a bug of the list', () => {
    expect(() => quickCoverageScenarios(milestoneMatrix().filter((s) => s.id !== ids[0]))).to.throw(Error, `the quick matrix names ${ids[0]}`);
  });
});
