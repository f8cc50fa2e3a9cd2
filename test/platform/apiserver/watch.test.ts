import { expect } from 'chai';
import { CoreV1Api, makeInformer, Watch, type KubernetesObject, type V1Secret } from '@kubernetes/client-node';
import { startFixture, waitFor, type Fixture } from './fixture.js';

interface Seen {
  type: string;
  name: string | undefined;
  rv: string | undefined;
  code?: number;
}

const PATH = '/api/v1/namespaces/vault/secrets';

describe('apiserver watch via @kubernetes/client-node', () => {
  let fx: Fixture;
  let api: CoreV1Api;
  /** The n-th resourceVersion after the fixture's start (its namespaces took the first ones). */
  let rv: (n: number) => string;
  const controllers: AbortController[] = [];
  beforeEach(async () => {
    fx = await startFixture({ bookmarkIntervalMs: 50 });
    api = fx.kc.makeApiClient(CoreV1Api);
    const base = Number(fx.store.currentResourceVersion());
    rv = (n) => String(base + n);
  });
  afterEach(async () => {
    for (const c of controllers.splice(0)) c.abort();
    await fx?.stop();
  });

  /** Starts a client-node watch; events go to `seen`, `done` records the end. */
  async function watch(seen: Seen[], params: Record<string, string | number | boolean | undefined>, onDone: (err: unknown) => void, poke: () => void = () => {}) {
    const c = await new Watch(fx.kc).watch(
      PATH,
      params,
      (type, obj: KubernetesObject & { code?: number }) => {
        seen.push({ type, name: obj.metadata?.name, rv: obj.metadata?.resourceVersion, ...(type === 'ERROR' ? { code: obj.code } : {}) });
        poke();
      },
      (err) => {
        onDone(err);
        poke();
      },
    );
    controllers.push(c);
    return c;
  }

  it('streams ADDED, MODIFIED, DELETED in resourceVersion order', async () => {
    const list = await api.listNamespacedSecret({ namespace: 'vault' });
    const seen: Seen[] = [];
    const w = waitFor('3 events', () => seen.length >= 3);
    await watch(seen, { resourceVersion: list.metadata!.resourceVersion }, () => {}, w.poke);
    await api.createNamespacedSecret({ namespace: 'vault', body: { metadata: { name: 'a' } } });
    await api.patchNamespacedSecret({ name: 'a', namespace: 'vault', body: [{ op: 'add', path: '/metadata/labels', value: { x: 'y' } }] });
    await api.deleteNamespacedSecret({ name: 'a', namespace: 'vault' });
    await w.promise;
    expect(seen.map((e) => `${e.type}:${e.name}:${e.rv}`)).to.deep.equal([`ADDED:a:${rv(1)}`, `MODIFIED:a:${rv(2)}`, `DELETED:a:${rv(3)}`]);
  });

  it('resumes after the server drops every watch, from the last seen version, without gaps or duplicates', async () => {
    const N = 15;
    const seen: Seen[] = [];
    let connections = 0;
    let lastRv = '0';
    const waiters: Array<() => void> = [];
    const poke = () => waiters.forEach((p) => p());
    const until = (what: string, predicate: () => boolean) => {
      const w = waitFor(what, predicate);
      waiters.push(w.poke);
      return w.promise;
    };
    const connect = async (): Promise<void> => {
      connections++;
      await watch(
        seen,
        { resourceVersion: lastRv },
        () => {
          const last = seen.at(-1);
          if (last?.rv) lastRv = last.rv;
          // Writes while disconnected must be replayed on resume.
          if (connections === 1) for (let i = 5; i < 10; i++) fx.store.create('secrets', { metadata: { name: `s${i}`, namespace: 'vault' } });
          if (connections === 1) void connect().then(poke);
        },
        poke,
      );
    };
    await connect();
    for (let i = 0; i < 5; i++) await api.createNamespacedSecret({ namespace: 'vault', body: { metadata: { name: `s${i}` } } });
    await until('first 5 events', () => seen.length >= 5);
    const dropped = await fx.call('POST', '/rekey-chaos/v1/debug/drop-watches');
    expect(dropped.status).to.equal(200);
    expect(dropped.json.dropped).to.equal(1);
    await until('replayed events of the down time', () => seen.length >= 10 && connections >= 2);
    for (let i = 10; i < N; i++) await api.createNamespacedSecret({ namespace: 'vault', body: { metadata: { name: `s${i}` } } });
    await until(`${N} events`, () => seen.length >= N);
    expect(seen.map((e) => `${e.type}:${e.name}`)).to.deep.equal(Array.from({ length: N }, (_, i) => `ADDED:s${i}`));
    expect(seen.map((e) => e.rv)).to.deep.equal(Array.from({ length: N }, (_, i) => rv(i + 1)));
    expect(connections).to.equal(2);
  });

  it('answers a too-old resourceVersion with an ERROR event carrying a 410 Status; a re-list recovers', async () => {
    for (let i = 0; i < 3; i++) await api.createNamespacedSecret({ namespace: 'vault', body: { metadata: { name: `old${i}` } } });
    const compacted = await fx.call('POST', '/rekey-chaos/v1/debug/compact');
    expect(compacted.json.compactedTo).to.equal(rv(3));
    await api.createNamespacedSecret({ namespace: 'vault', body: { metadata: { name: 'new' } } });
    const seen: Seen[] = [];
    let ended: unknown = 'not yet';
    const w = waitFor('the 410 watch to end', () => ended !== 'not yet');
    await watch(seen, { resourceVersion: rv(1) }, (err) => (ended = err), w.poke);
    await w.promise;
    expect(ended).to.equal(null);
    expect(seen).to.have.length(1);
    expect(seen[0]).to.deep.include({ type: 'ERROR', code: 410 });

    const relist = await api.listNamespacedSecret({ namespace: 'vault' });
    expect(relist.items.map((s) => s.metadata?.name)).to.deep.equal(['new', 'old0', 'old1', 'old2']);
    const fresh: Seen[] = [];
    const w2 = waitFor('event after re-list', () => fresh.length >= 1);
    await watch(fresh, { resourceVersion: relist.metadata!.resourceVersion }, () => {}, w2.poke);
    await api.deleteNamespacedSecret({ name: 'old0', namespace: 'vault' });
    await w2.promise;
    expect(fresh.map((e) => `${e.type}:${e.name}:${e.rv}`)).to.deep.equal([`DELETED:old0:${rv(5)}`]);
  });

  it('an informer (ListWatch) re-lists after a 410 and ends up with the server state', async () => {
    await api.createNamespacedSecret({ namespace: 'vault', body: { metadata: { name: 'before' } } });
    let lists = 0;
    const informer = makeInformer<V1Secret>(fx.kc, PATH, () => {
      lists++;
      return api.listNamespacedSecret({ namespace: 'vault' });
    });
    const names = () => informer.list('vault').map((s) => s.metadata!.name).sort();
    const connects: number[] = [];
    const waiters: Array<() => void> = [];
    const poke = () => waiters.forEach((p) => p());
    informer.on('add', poke);
    informer.on('delete', poke);
    informer.on('connect', () => {
      connects.push(1);
      poke();
    });
    await informer.start();
    try {
      const first = waitFor('informer sees "before"', () => names().join() === 'before');
      waiters.push(first.poke);
      await first.promise;
      // In one tick: cut the watch, change state while it is down, and forget history, so its resume version is too old.
      fx.server.dropWatches();
      fx.store.create('secrets', { metadata: { name: 'while-down', namespace: 'vault' } });
      fx.store.delete('secrets', 'vault', 'before');
      fx.store.compact();
      const recovered = waitFor('informer re-lists', () => names().join() === 'while-down' && connects.length >= 2);
      waiters.push(recovered.poke);
      await recovered.promise;
      const later = waitFor('informer streams again', () => names().join() === 'later,while-down');
      waiters.push(later.poke);
      await api.createNamespacedSecret({ namespace: 'vault', body: { metadata: { name: 'later' } } });
      await later.promise;
      // Exactly one re-list: the resume was refused with 410, not silently replayed.
      expect(lists).to.equal(2);
    } finally {
      await informer.stop();
    }
  });

  it('sends BOOKMARK events when allowed, and ends the stream at timeoutSeconds', async () => {
    await api.createNamespacedSecret({ namespace: 'vault', body: { metadata: { name: 'x' } } });
    const seen: Seen[] = [];
    let ended = false;
    const w = waitFor('a bookmark and the timeout', () => ended && seen.some((e) => e.type === 'BOOKMARK'));
    await watch(seen, { allowWatchBookmarks: true, timeoutSeconds: 1 }, () => (ended = true), w.poke);
    await w.promise;
    expect(seen[0]).to.deep.include({ type: 'ADDED', name: 'x', rv: rv(1) });
    expect(seen.filter((e) => e.type === 'BOOKMARK').every((e) => e.rv === rv(1))).to.equal(true);
  });

  it('a watch with a bad selector is a plain 400 Status, and label watches see objects leave the set', async () => {
    const bad = await fx.call('GET', `${PATH}?watch=true&labelSelector=${encodeURIComponent('a in (b')}`);
    expect(bad.status).to.equal(400);
    expect(bad.json.reason).to.equal('BadRequest');
    fx.store.create('secrets', { metadata: { name: 'l', namespace: 'vault', labels: { tier: 'a' } } });
    const seen: Seen[] = [];
    const w = waitFor('ADDED then DELETED', () => seen.length >= 2);
    await watch(seen, { labelSelector: 'tier=a' }, () => {}, w.poke);
    fx.store.update('secrets', 'vault', 'l', (o) => void (o.metadata.labels = { tier: 'b' }));
    await w.promise;
    expect(seen.map((e) => `${e.type}:${e.name}`)).to.deep.equal(['ADDED:l', 'DELETED:l']);
  });
});
