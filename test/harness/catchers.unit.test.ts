/**
 * The defect → catcher list (manager/defects/catchers.ts) is complete and
 * points at real scenarios, and the coverage test and the bench read the same
 * list. The catches themselves run on a cluster: npm run test:coverage.
 */
import { expect } from 'chai';
import { MUTATION_CANDIDATES, checkCandidates } from '../../bench/mutation.js';
import { isUnsealEvent } from '../../common/milestones.js';
import { DEFECT_CATCHERS } from '../../manager/defects/catchers.js';
import { DEFECTS } from '../../manager/defects/registry.js';
import { loadCatalog } from '../../matrix/catalog.js';
import { embeddedGateKind } from '../../harness/backends/embedded-gates.js';
import { gateEligible } from '../../harness/run/gating.js';
import { CATCHES, UNREACHABLE } from './slow/catches.js';

describe('defect catchers list', () => {
  const catalog = loadCatalog();

  it('names every registered defect, and no other; none is left unreachable', () => {
    expect(Object.keys(DEFECT_CATCHERS).sort()).to.deep.equal(DEFECTS.map((d) => d.name).sort());
    expect(UNREACHABLE).to.deep.equal({});
  });

  it('every candidate is a catalogue scenario, and every catcher names the invariants its failure shows', () => {
    checkCandidates(catalog);
    for (const [defect, c] of Object.entries(DEFECT_CATCHERS)) {
      expect(c.candidates.length, defect).to.be.greaterThan(0);
      expect(c.invariants.length, defect).to.be.greaterThan(0);
      for (const id of c.candidates) expect(catalog.get(id), `${defect}: ${id}`).to.not.equal(undefined);
    }
  });

  it('the coverage test and the bench read the same list, the verified catcher first', () => {
    for (const [defect, c] of Object.entries(DEFECT_CATCHERS)) {
      expect(CATCHES[defect]!.scenario).to.equal(c.candidates[0]);
      expect(MUTATION_CANDIDATES[defect]!.map((r) => r.scenario)).to.deep.equal(c.candidates);
    }
  });

  it('a milestone catcher aims with a gate (its window is a few ms wide without one)', () => {
    for (const [defect, c] of Object.entries(DEFECT_CATCHERS)) {
      const scenario = catalog.get(c.candidates[0]!)!;
      for (const f of scenario.faults) {
        if (!('after' in f.trigger)) continue;
        // Unseal milestones happen on a restarted process, which no gate armed before the request survives; their
        // window is the manager's unseal wait (several status passes), and a fault that comes late is not hit, never a pass.
        if (isUnsealEvent(f.trigger.after)) continue;
        const planned = { index: 0, trigger: { after: f.trigger.after, offsetMs: f.trigger.offsetS ?? 0, occurrence: f.trigger.occurrence ?? 1 }, fault: f.fault, targetSeed: 0 };
        expect(gateEligible(planned, { kindOf: embeddedGateKind }), `${defect}: ${scenario.id}`).to.equal(true);
      }
    }
  });
});
