import { expect } from 'chai';
import { UsageError } from '../../common/errors.js';
import { loadCatalog } from '../../matrix/catalog.js';
import { milestoneMatrix, targetSets } from '../../matrix/milestone-matrix.js';
import { expectedRekeySequence } from '../../common/milestones.js';
import { quickCoverageIds } from '../../matrix/quick-coverage.js';
import { expand, namedMatrix, parseShardSelector, select, takeShard } from '../../matrix/selection.js';

describe('matrix: matrices, selection and shards', () => {
  const catalog = loadCatalog();

  it('the milestone matrix injects every F2-F10 target set after every expected event, once each', () => {
    const sets = targetSets();
    const names = sets.map((s) => s.name);
    for (const name of ['delete-standby', 'kill-standby', 'delete-active', 'kill-active', 'delete-manager', 'kill-manager', 'delete-manager+random-server', 'kill-manager+active', 'kill-server0+server1+server2', 'kill-manager+server0+server1+server2']) {
      expect(names).to.include(name);
    }
    expect(new Set(names).size).to.equal(names.length);
    expect(sets.filter((s) => s.like === 'F8').length).to.equal(14); // 15 subsets, {manager} is F9's
    const all = milestoneMatrix();
    expect(all.length).to.equal(expectedRekeySequence().length * sets.length);
    expect(new Set(all.map((s) => s.id)).size).to.equal(all.length);
    expect(all[0]!.id).to.equal(`M-cluster-rekey-request-${sets[0]!.name}`);
    const bases = all.map((s) => s.iterationBase);
    expect(new Set(bases).size).to.equal(all.length);
    expect(Math.max(...bases)).to.be.lessThan(10000);
  });

  it('named matrices: standard is 600 family iterations, quick is F1, the milestone coverage list, the trouble scenarios, then the other families', () => {
    expect(expand(namedMatrix('standard', catalog)).length).to.equal(600);
    const quick = expand(namedMatrix('quick', catalog));
    const coverage = quickCoverageIds();
    expect(quick.length).to.equal(12 + coverage.length);
    expect(quick[0]!.scenario.id).to.equal('F1');
    expect(quick.slice(1, 1 + coverage.length).map((r) => r.scenario.id)).to.deep.equal(coverage);
    expect(quick.slice(1 + coverage.length).map((r) => r.scenario.id)).to.deep.equal(['T1-unseal-errors', 'T2-rekey-trouble', 'F2', 'F3', 'F4', 'F5', 'F6', 'F7', 'F8', 'F9', 'F10']);
    expect(expand(namedMatrix('quick', loadCatalog())).map((r) => `${r.scenario.id}#${r.iteration}`)).to.deep.equal(quick.map((r) => `${r.scenario.id}#${r.iteration}`));
    expect(expand(namedMatrix('milestones', catalog)).length).to.equal(milestoneMatrix().length);
    expect(() => namedMatrix('huge', catalog)).to.throw(UsageError, 'unknown matrix "huge"');
  });

  it('selects by scenario and family without duplicates and overrides the iteration count', () => {
    const entries = select(catalog, { scenarios: ['F3'], families: ['F3', 'F9'] });
    expect(entries.map((e) => e.scenario.id)).to.deep.equal(['F3', 'F9']);
    const refs = expand(entries, 3);
    expect(refs.map((r) => `${r.scenario.id}#${r.iteration}`)).to.deep.equal(['F3#0', 'F3#1', 'F3#2', 'F9#0', 'F9#1', 'F9#2']);
    expect(() => select(catalog, { scenarios: ['F33'] })).to.throw(UsageError, 'unknown scenario "F33"');
    expect(() => select(catalog, { families: ['F0'] })).to.throw(UsageError, 'unknown family "F0"');
    expect(() => expand(entries, 0)).to.throw(UsageError);
  });

  it('--shard 1/3, 2/3 and 3/3 together cover the full list exactly once', () => {
    for (const list of [expand(namedMatrix('standard', catalog)), expand(namedMatrix('quick', catalog)), expand(select(catalog, { families: ['F3'] }), 2)]) {
      const keys = list.map((r) => `${r.scenario.id}#${r.iteration}`);
      const shards = [1, 2, 3].map((i) => takeShard(list, parseShardSelector(`${i}/3`)).map((r) => `${r.scenario.id}#${r.iteration}`));
      const union = shards.flat();
      expect(union.length).to.equal(keys.length);
      expect([...union].sort()).to.deep.equal([...keys].sort());
      expect(new Set(union).size).to.equal(union.length);
      for (const s of shards) expect(s.length).to.be.within(Math.floor(keys.length / 3), Math.ceil(keys.length / 3));
    }
    for (const bad of ['0/3', '4/3', '1/0', 'a/b', '1-3']) expect(() => parseShardSelector(bad), bad).to.throw(UsageError);
  });
});
