import { expect } from 'chai';
import { CustodyLedger } from '../../harness/observe/custody.js';
import { snapshotSet } from '../../common/set-snapshot.js';
import { corrupt, makeSet, secretsOf, type TestSet } from './shard-fixtures.js';

describe('observe/custody: set snapshots and the ledger', () => {
  let oldSet: TestSet;
  let newSet: TestSet;
  before(async () => {
    oldSet = await makeSet();
    newSet = await makeSet();
  });

  it('snapshots a complete set by fingerprint: key, shard fps, consistent', async () => {
    const snap = await snapshotSet('cluster-key', secretsOf('cluster-key', oldSet));
    expect(snap.state).to.equal('complete');
    expect(snap.present).to.deep.equal([0, 1, 2, 3, 4]);
    expect(snap.keyFp).to.equal(oldSet.keyFp);
    expect(snap.consistent).to.equal(true);
    expect(Object.values(snap.shardFps)).to.deep.equal(oldSet.shardFps);
    // fingerprints only: no shard bytes in hex or base64 anywhere in the snapshot
    const text = JSON.stringify(snap);
    for (const share of oldSet.shares) {
      expect(text).not.to.include(Buffer.from(share).toString('hex'));
      expect(text).not.to.include(Buffer.from(share).toString('base64'));
    }
  });

  it('flags a set whose fifth share is corrupted as inconsistent, though its first three still give the key', async () => {
    const snap = await snapshotSet('cluster-key', secretsOf('cluster-key', corrupt(oldSet, 4)));
    expect(snap.state).to.equal('complete');
    expect(snap.keyFp).to.equal(oldSet.keyFp);
    expect(snap.consistent).to.equal(false);
  });

  it('reports partial sets, unparsable shards, and absent sets', async () => {
    const secrets = secretsOf('cluster-rekey', newSet, [0, 1, 2]);
    secrets.set('cluster-rekey-3', 'not json');
    const partial = await snapshotSet('cluster-rekey', secrets);
    expect(partial.state).to.equal('partial');
    expect(partial.present).to.deep.equal([0, 1, 2, 3]);
    expect(partial.unparsable).to.deep.equal([3]);
    expect(partial.keyFp).to.equal(newSet.keyFp);
    expect(partial.consistent).to.equal(undefined);
    const absent = await snapshotSet('cluster-key-bk', secrets);
    expect(absent).to.deep.equal({ state: 'absent', present: [], shardFps: {} });
  });

  it('records one entry per change, in order, with the instant and cause of the change', async () => {
    const ledger = new CustodyLedger();
    const state = secretsOf('cluster-key', oldSet);
    ledger.record(1, 'initial-list', state);
    for (const [name, value] of secretsOf('cluster-rekey', newSet)) {
      state.set(name, value);
      ledger.record(2, name, state);
    }
    state.delete('cluster-key-0');
    ledger.record(3, 'cluster-key-0-deleted', state);
    const entries = await ledger.flush();
    expect(entries.map((e) => e.cause)).to.deep.equal([
      'initial-list',
      'cluster-rekey-0',
      'cluster-rekey-1',
      'cluster-rekey-2',
      'cluster-rekey-3',
      'cluster-rekey-4',
      'cluster-key-0-deleted',
    ]);
    expect(entries[0]!.sets['cluster-rekey'].state).to.equal('absent');
    expect(entries[5]!.sets['cluster-rekey']).to.include({ state: 'complete', keyFp: newSet.keyFp, consistent: true });
    expect(entries[5]!.sets['cluster-key'].keyFp).to.equal(oldSet.keyFp);
    // the mutation after record() must not leak into earlier entries
    expect(entries[5]!.sets['cluster-key'].state).to.equal('complete');
    expect(entries[6]!.sets['cluster-key'].state).to.equal('partial');
    expect(entries[6]!.t).to.equal(3);
  });
});
