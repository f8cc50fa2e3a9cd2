import { expect } from 'chai';
import fc from 'fast-check';
import { loadCatalog } from '../../matrix/catalog.js';
import { defaultTimescale, makePlan, stableJson, sweepSeconds } from '../../matrix/plan.js';
import { parseScenarioText } from '../../matrix/schema.js';

describe('matrix: fault plans', () => {
  const catalog = loadCatalog();

  it('is deterministic: scenario + iteration + seed give the same plan JSON byte for byte', () => {
    const ids = ['F1', 'F3', 'F8', 'F10', 'M-vault-auth-progress-2-kill-manager+server1'];
    fc.assert(
      fc.property(fc.constantFrom(...ids), fc.nat(59), fc.option(fc.nat(), { nil: undefined }), fc.constantFrom(0.02, 1, 0.5), (id, iteration, seed, timescale) => {
        const s = catalog.get(id)!;
        const a = JSON.stringify(makePlan(s, iteration, { timescale, seed }));
        // A freshly loaded catalogue (new objects, same files) must give the same bytes.
        const b = JSON.stringify(makePlan(loadCatalogOnce().get(id)!, iteration, { timescale, seed }));
        expect(a).to.equal(b);
      }),
      { numRuns: 60, seed: 7 },
    );
  });

  it('implements the k.rr sweep scaled by the time scale, with seeded rr', () => {
    const f3 = catalog.get('F3')!;
    const rrs = new Set<number>();
    for (let i = 0; i < 60; i++) {
      const s = sweepSeconds(f3.seed, 'F3', i, 0);
      expect(Math.floor(s), `k for position ${i}`).to.equal(i + 1);
      const rr = Math.round((s - (i + 1)) * 100);
      expect(rr).to.be.within(0, 99);
      rrs.add(rr);
      const plan = makePlan(f3, i, { timescale: 0.02 });
      expect(plan.faults[0]!.trigger).to.deep.equal({ atMs: Math.round(s * 1000 * 0.02) });
      expect(makePlan(f3, i, { timescale: 1 }).faults[0]!.trigger).to.deep.equal({ atMs: Math.round(s * 1000) });
    }
    expect(rrs.size, 'rr varies between iterations').to.be.greaterThan(20);
    expect(sweepSeconds(1, 'F3', 4, 0)).to.not.equal(sweepSeconds(2, 'F3', 4, 0));
  });

  it('fills request id, scaled timeout and settle, occurrence default and per-fault target seeds', () => {
    const f8 = catalog.get('F8')!;
    const plan = makePlan(f8, 3, { timescale: 0.02 });
    expect(plan.requestId).to.equal('e18b5b44-eb88-e860-4d9f-ed000000002423');
    expect([plan.scenarioId, plan.iteration, plan.seed, plan.timescale, plan.timeoutMs, plan.settleMs]).to.deep.equal(['F8', 3, 2420, 0.02, 12000, 1500]);
    expect(plan.afterCompletion).to.deep.equal(f8.afterCompletion);
    expect(makePlan(f8, 3, { timescale: 0.02, seed: 9 }).seed).to.equal(9);
    const two = parseScenarioText(
      'two.yaml',
      'id: two\nfamily: regression\nfaults:\n  - trigger: {after: vault-rotated, offset: 2}\n    kind: kill-process\n    targets: [manager]\n  - trigger: {at: 10}\n    kind: delete-pod\n    targets: [active]\n    grace: 0\n',
    );
    const p = makePlan(two, 0, { timescale: 0.02 });
    expect(p.faults.map((f) => f.trigger)).to.deep.equal([{ after: 'vault-rotated', offsetMs: 40, occurrence: 1 }, { atMs: 200 }]);
    expect(p.faults[1]!.fault).to.deep.equal({ kind: 'delete-pod', targets: ['active'], graceS: 0 });
    expect(p.faults[0]!.targetSeed).to.not.equal(p.faults[1]!.targetSeed);
    expect(makePlan(two, 1, { timescale: 0.02 }).faults[0]!.targetSeed).to.not.equal(p.faults[0]!.targetSeed);
  });

  it('derives the default time scale from the backend status rate', () => {
    expect(defaultTimescale('embedded')).to.equal(0.02);
    expect(defaultTimescale('kind')).to.equal(1);
    expect(() => makePlan(catalog.get('F1')!, 0, { timescale: 0 })).to.throw(/timescale must be a positive number/);
  });

  it('stableJson sorts keys at every level', () => {
    expect(stableJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: 2 } })).to.equal('{"a":{"c":2,"d":[{"y":2,"z":1}]},"b":1}');
  });
});

let fresh: ReturnType<typeof loadCatalog> | undefined;
function loadCatalogOnce() {
  fresh ??= loadCatalog();
  return fresh;
}
