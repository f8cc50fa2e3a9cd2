import { expect } from 'chai';
import fc from 'fast-check';
import { seededRandom } from '../../common/random.js';
import { resolveTargets, unitName } from '../../harness/faults/targets.js';
import type { FaultSpec } from '../../common/scenario.js';
import { UsageError } from '../../common/errors.js';
import { healthy, manager, server, view } from './fixtures.js';

const kill = (...targets: string[]): FaultSpec => ({ kind: 'kill-process', targets });
const names = (f: FaultSpec, v = healthy(), seed = 1) => resolveTargets(f, v, seededRandom(seed)).units.map(unitName);

describe('harness/faults target resolution', () => {
  it('resolves the fixed targets', () => {
    expect(names(kill('active'))).to.deep.equal(['sva-vault-1']);
    expect(names(kill('manager'))).to.deep.equal(['sva-vault-manager-0']);
    expect(names(kill('server:2'))).to.deep.equal(['sva-vault-2']);
    expect(names(kill('all-servers'))).to.deep.equal(['sva-vault-0', 'sva-vault-1', 'sva-vault-2']);
    expect(names(kill('node-of:active'))).to.deep.equal(['sva-vault-1']);
    expect(names(kill('node:worker-0'))).to.deep.equal(['sva-vault-2']);
    expect(names(kill('manager', 'active'))).to.deep.equal(['sva-vault-manager-0', 'sva-vault-1']);
  });

  it('maps pod targets to their nodes for node loss, without duplicates', () => {
    const f: FaultSpec = { kind: 'node-loss', targets: ['manager', 'server:0', 'node:worker-0'] };
    expect(names(f)).to.deep.equal(['node/controller-0', 'node/worker-0']);
    expect(names({ kind: 'node-loss', targets: ['node-of:active'] }, healthy(2))).to.deep.equal(['node/worker-0']);
  });

  it('standby never picks the active or a sealed server, and is deterministic for a seed', () => {
    const v = view([server(0, { sealed: true }), server(1, { active: true }), server(2), manager()]);
    for (let seed = 0; seed < 50; seed++) expect(names(kill('standby'), v, seed)).to.deep.equal(['sva-vault-2']);
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        expect(names(kill('random-server'), healthy(), seed)).to.deep.equal(names(kill('random-server'), healthy(), seed));
      }),
    );
  });

  it('different seeds spread over the candidates', () => {
    const hits = new Map<string, number>();
    for (let seed = 0; seed < 300; seed++) {
      const n = names(kill('random-server'), healthy(), seed)[0]!;
      hits.set(n, (hits.get(n) ?? 0) + 1);
    }
    expect([...hits.keys()].sort()).to.deep.equal(['sva-vault-0', 'sva-vault-1', 'sva-vault-2']);
    for (const count of hits.values()) expect(count).to.be.greaterThan(50);
    const standbys = new Set<string>();
    for (let seed = 0; seed < 50; seed++) standbys.add(names(kill('standby'), healthy(1), seed)[0]!);
    expect([...standbys].sort()).to.deep.equal(['sva-vault-0', 'sva-vault-2']);
  });

  it('records a miss when there is no active server, and a decision when there are two', () => {
    const none = resolveTargets(kill('active'), view([server(0), server(1), server(2), manager()]), seededRandom(1));
    expect(none.units).to.be.empty;
    expect(none.missing[0]).to.match(/^active: no server labelled vault-active=true/);
    const two = resolveTargets(kill('active'), view([server(0, { active: true }), server(1, { active: true }), server(2), manager()]), seededRandom(1));
    expect(two.units).to.have.length(1);
    expect(two.notes[0]).to.match(/2 servers labelled vault-active=true .*picked sva-vault-[01]/);
  });

  it('never targets a terminating pod', () => {
    const v = view([server(0, { terminating: true }), server(1, { active: true }), server(2), manager()]);
    const r = resolveTargets(kill('server:0'), v, seededRandom(3));
    expect(r.units).to.be.empty;
    expect(r.missing[0]).to.contain('sva-vault-0');
    for (let seed = 0; seed < 30; seed++) expect(names(kill('random-server'), v, seed)[0]).to.not.equal('sva-vault-0');
  });

  it('random subset picks 1–4 distinct pods of {manager, each server}, covering every size', () => {
    const sizes = new Set<number>();
    for (let seed = 0; seed < 200; seed++) {
      const picked = names({ kind: 'kill-process', targets: [], randomSubset: true }, healthy(), seed);
      expect(picked.length).to.be.within(1, 4);
      expect(new Set(picked).size).to.equal(picked.length);
      for (const p of picked) expect(['sva-vault-manager-0', 'sva-vault-0', 'sva-vault-1', 'sva-vault-2']).to.include(p);
      sizes.add(picked.length);
    }
    expect([...sizes].sort()).to.deep.equal([1, 2, 3, 4]);
  });

  it('rejects an unknown target with a typed error', () => {
    expect(() => names(kill('leader'))).to.throw(UsageError, /unknown fault target 'leader'/);
  });
});
