import { expect } from 'chai';
import { requestJson } from '../../common/http-json.js';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TimelineEvent } from '../../common/record.js';
import { ObjectStore } from '../../platform/apiserver/store.js';
import { startApiServer, type ApiServer } from '../../platform/apiserver/server.js';
import { writeKubeconfig } from '../../platform/apiserver/kubeconfig.js';
import { CustodyLedger } from '../../harness/observe/custody.js';
import { SecretWatch } from '../../harness/observe/secret-watch.js';
import { makeSet, secretsOf } from './shard-fixtures.js';

const NS = 'vault';

function secretBody(name: string, strdata: string) {
  return { metadata: { name, namespace: NS }, type: 'Opaque', data: { strdata: Buffer.from(strdata).toString('base64') } };
}

/** Resolves when the watch has delivered `n` timeline events in total (an event wait, not a sleep). */
function eventsReach(events: TimelineEvent[], watch: SecretWatch, n: number, ms = 10000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (events.length >= n) return resolve();
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out at ${events.length}/${n} events: ${events.map((e) => e.name).join(', ')}`));
    }, ms);
    const off = watch.onEvent(() => {
      if (events.length >= n) {
        clearTimeout(timer);
        off();
        resolve();
      }
    });
  });
}

describe('observe/secret-watch against the embedded API server', function () {
  this.timeout(30000);
  let store: ObjectStore;
  let server: ApiServer;
  let dir: string;
  let kc: KubeConfig;
  let core: CoreV1Api;
  let token: string;
  let watch: SecretWatch | undefined;

  beforeEach(async () => {
    store = new ObjectStore();
    token = randomBytes(16).toString('hex');
    server = await startApiServer({ store, token, debugEndpoints: true, bookmarkIntervalMs: 50 });
    dir = await mkdtemp(join(tmpdir(), 'rekey-chaos-observe-'));
    await writeKubeconfig(join(dir, 'kubeconfig'), { server: server.url, token, namespace: NS, caPem: server.caPem });
    kc = new KubeConfig();
    kc.loadFromFile(join(dir, 'kubeconfig'));
    core = kc.makeApiClient(CoreV1Api);
  });
  afterEach(async () => {
    await watch?.stop();
    watch = undefined;
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** The API server's test-only debug endpoints, over its TLS with its CA. */
  const debug = async (what: 'drop-watches' | 'compact'): Promise<Record<string, unknown>> => {
    const res = await requestJson<Record<string, unknown>>(`${server.url}/rekey-chaos/v1/debug/${what}`, { method: 'POST', bearer: token, ca: server.caPem });
    if (res.status !== 200 || res.json === undefined) throw new Error(`debug/${what} answered ${res.status}`);
    return res.json;
  };

  it('delivers every change exactly once, in order, across repeated watch drops; the initial list is not a milestone', async () => {
    await core.createNamespacedSecret({ namespace: NS, body: secretBody('cluster-key-0', 'k0') });
    await core.createNamespacedSecret({ namespace: NS, body: secretBody('unrelated', 'x') });
    watch = new SecretWatch({ kubeConfig: kc, namespace: NS });
    const events: TimelineEvent[] = [];
    watch.onEvent((e) => events.push(e));
    await watch.start();
    expect([...watch.secrets().keys()]).to.deep.equal(['cluster-key-0']);
    expect(events).to.deep.equal([]);

    const expected: string[] = [];
    for (let i = 0; i < 5; i++) {
      const dropped = await debug('drop-watches');
      expect(dropped.dropped).to.be.a('number');
      await core.createNamespacedSecret({ namespace: NS, body: secretBody(`cluster-rekey-${i}`, `r${i}`) });
      expected.push(`cluster-rekey-${i}`);
    }
    await core.deleteNamespacedSecret({ namespace: NS, name: 'cluster-key-0' });
    await core.createNamespacedSecret({ namespace: NS, body: secretBody('unrelated-2', 'y') });
    await core.createNamespacedSecret({ namespace: NS, body: secretBody('cluster-rekey-request', 'id') });
    expected.push('cluster-key-0-deleted', 'cluster-rekey-request');
    await eventsReach(events, watch, expected.length);

    expect(events.map((e) => e.name)).to.deep.equal(expected);
    expect(events.every((e) => e.source === 'secret' && !e.detail?.synthetic)).to.equal(true);
    const rvs = events.map((e) => Number(e.detail!.resourceVersion));
    expect(rvs).to.deep.equal([...rvs].sort((a, b) => a - b));
    const ts = events.map((e) => e.t);
    expect(ts).to.deep.equal([...ts].sort((a, b) => a - b));
    expect(watch.stats().restarts).to.be.greaterThanOrEqual(5);
    expect(watch.stats().gaps).to.equal(0);
    expect(watch.secrets().get('cluster-rekey-3')).to.equal('r3');
    expect(watch.secrets().has('cluster-key-0')).to.equal(false);
    expect(watch.resourceVersion()).to.equal(store.currentResourceVersion());
  });

  it('after compaction re-lists, reports the gap with the versions involved, and derives what it missed', async () => {
    await core.createNamespacedSecret({ namespace: NS, body: secretBody('cluster-key-0', 'k0') });
    await core.createNamespacedSecret({ namespace: NS, body: secretBody('cluster-key-1', 'k1') });
    await core.createNamespacedSecret({ namespace: NS, body: secretBody('cluster-key-2', 'k2') });
    watch = new SecretWatch({ kubeConfig: kc, namespace: NS });
    const events: TimelineEvent[] = [];
    watch.onEvent((e) => events.push(e));
    await watch.start();
    const seenRv = watch.resourceVersion();

    // One synchronous block: the watch is blind from the drop until its next event-loop turn,
    // so these changes and the compaction are certainly missed by the stream.
    server.dropWatches();
    store.create('secrets', secretBody('cluster-rekey-request', 'id'));
    store.delete('secrets', NS, 'cluster-key-0');
    store.delete('secrets', NS, 'cluster-key-1');
    store.create('secrets', secretBody('cluster-key-1', 'k1-new')); // replaced: a new object under the same name
    store.create('secrets', secretBody('cluster-rekey-0', 'gone-again'));
    store.delete('secrets', NS, 'cluster-rekey-0'); // born and gone while blind: invisible, and not invented
    store.compact();
    const compactedTo = store.oldestResumableVersion();

    await eventsReach(events, watch, 5);
    // after the gap the stream is live again: a later change arrives once, as a normal event
    await core.createNamespacedSecret({ namespace: NS, body: secretBody('cluster-rekey-shuffle', 'id') });
    await eventsReach(events, watch, 6);

    const gap = events[0]!;
    expect(gap.name).to.equal('runner:watch-gap');
    expect(gap.source).to.equal('runner');
    expect(gap.detail).to.include({ lastVersion: seenRv, relistVersion: compactedTo });
    expect(gap.detail!.missedAdded).to.deep.equal(['cluster-key-1', 'cluster-rekey-request']);
    expect(gap.detail!.missedDeleted).to.deep.equal(['cluster-key-0', 'cluster-key-1']);
    expect(events.slice(1, 5).map((e) => [e.name, e.detail?.synthetic])).to.deep.equal([
      ['cluster-key-0-deleted', true],
      ['cluster-key-1-deleted', true],
      ['cluster-key-1', true],
      ['cluster-rekey-request', true],
    ]);
    expect(events[5]!.name).to.equal('cluster-rekey-shuffle');
    expect(events[5]!.detail?.synthetic).to.equal(undefined);
    expect(events).to.have.length(6);
    expect(watch.stats().gaps).to.equal(1);
    expect([...watch.secrets().keys()].sort()).to.deep.equal(['cluster-key-1', 'cluster-key-2', 'cluster-rekey-request', 'cluster-rekey-shuffle']);
    expect(watch.secrets().get('cluster-key-1')).to.equal('k1-new');
  });

  it('feeds the custody ledger from real Shamir shares written through the API, fingerprints only', async () => {
    const oldSet = await makeSet();
    const newSet = await makeSet();
    for (const [name, value] of secretsOf('cluster-key', oldSet)) await core.createNamespacedSecret({ namespace: NS, body: secretBody(name, value) });
    watch = new SecretWatch({ kubeConfig: kc, namespace: NS });
    const ledger = new CustodyLedger();
    ledger.follow(watch);
    const events: TimelineEvent[] = [];
    watch.onEvent((e) => events.push(e));
    await watch.start();
    for (const [name, value] of secretsOf('cluster-rekey', newSet)) await core.createNamespacedSecret({ namespace: NS, body: secretBody(name, value) });
    await core.deleteNamespacedSecret({ namespace: NS, name: 'cluster-key-4' });
    await eventsReach(events, watch, 6);
    const entries = await ledger.flush();
    expect(entries.map((e) => e.cause)).to.deep.equal(['initial-list', 'cluster-rekey-0', 'cluster-rekey-1', 'cluster-rekey-2', 'cluster-rekey-3', 'cluster-rekey-4', 'cluster-key-4-deleted']);
    expect(entries[0]!.sets['cluster-key']).to.include({ state: 'complete', keyFp: oldSet.keyFp, consistent: true });
    expect(entries[5]!.sets['cluster-rekey']).to.include({ state: 'complete', keyFp: newSet.keyFp, consistent: true });
    expect(entries[6]!.sets['cluster-key']).to.include({ state: 'partial', keyFp: oldSet.keyFp });
    // entry instants are the instants the watch saw the changes
    expect(entries.slice(1).map((e) => e.t)).to.deep.equal(events.map((e) => e.t));
    const text = JSON.stringify(entries);
    for (const share of [...oldSet.shares, ...newSet.shares]) expect(text).not.to.include(Buffer.from(share).toString('hex'));
  });
});
