import { expect } from 'chai';
import fc from 'fast-check';
import { diffSecretStates, isNotNewer, type KnownSecret } from '../../harness/observe/secret-diff.js';

const names = ['cluster-key-0', 'cluster-key-1', 'cluster-rekey-0', 'cluster-rekey-request', 'cluster-key-bk-4'];
const stateArb = fc.dictionary(fc.constantFrom(...names), fc.record({ uid: fc.constantFrom('u1', 'u2'), strdata: fc.constantFrom('a', 'b') }), { maxKeys: names.length });

function toMap(state: Record<string, { uid: string; strdata: string }>): Map<string, KnownSecret> {
  return new Map(Object.entries(state).map(([name, v]) => [name, { name, ...v }]));
}

describe('observe/secret-diff', () => {
  it('applying the diff (deleted, then added, then modified) to the old state yields the new one, never reporting an unchanged secret', () => {
    fc.assert(
      fc.property(stateArb, stateArb, (a, b) => {
        const before = toMap(a);
        const after = toMap(b);
        const diff = diffSecretStates(before, after);
        const replayed = new Map(before);
        for (const name of diff.deleted) replayed.delete(name);
        for (const s of [...diff.added, ...diff.modified]) replayed.set(s.name, s);
        expect([...replayed.entries()].sort()).to.deep.equal([...after.entries()].sort());
        for (const s of [...diff.added, ...diff.modified]) {
          const was = before.get(s.name);
          expect(was && was.uid === s.uid && was.strdata === s.strdata).to.not.equal(true);
        }
      }),
    );
  });

  it('orders decimal resourceVersions numerically and never calls an opaque one a duplicate', () => {
    expect(isNotNewer('9', '10')).to.equal(true);
    expect(isNotNewer('10', '10')).to.equal(true);
    expect(isNotNewer('11', '10')).to.equal(false);
    expect(isNotNewer('12345678901234567890', '12345678901234567889')).to.equal(false);
    expect(isNotNewer('abc', '10')).to.equal(false);
    expect(isNotNewer('5', undefined)).to.equal(false);
  });
});
