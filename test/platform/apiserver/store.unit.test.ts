import { expect } from 'chai';
import fc from 'fast-check';
import { ObjectStore, type WatchEvent } from '../../../platform/apiserver/store.js';
import { ApiError } from '../../../platform/apiserver/status.js';
import { parseLabelSelector } from '../../../platform/apiserver/selectors.js';

function apiErr(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('expected an ApiError');
}

const secret = (name: string, extra: Record<string, unknown> = {}) => ({ metadata: { name, namespace: 'vault', ...extra } });

describe('apiserver store', () => {
  it('stamps uid, creationTimestamp and increasing decimal resourceVersions', () => {
    const s = new ObjectStore();
    const a = s.create('secrets', secret('a'));
    const b = s.create('secrets', secret('b'));
    expect(a.metadata.uid).to.match(/^[0-9a-f-]{36}$/);
    expect(a.metadata.uid).to.not.equal(b.metadata.uid);
    expect(a.metadata.creationTimestamp).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Number(b.metadata.resourceVersion)).to.be.greaterThan(Number(a.metadata.resourceVersion));
    expect(a.type).to.equal('Opaque');
    expect(s.list('secrets', 'vault').resourceVersion).to.equal(b.metadata.resourceVersion);
  });

  it('starts with default, kube-system and the cluster namespace (vault unless told), all Active and cluster-scoped', () => {
    const names = (s: ObjectStore) => s.list('namespaces', undefined).items.map((n) => n.metadata.name);
    expect(names(new ObjectStore())).to.deep.equal(['default', 'kube-system', 'vault']);
    const tenant = new ObjectStore({ namespaces: ['tenant'] });
    expect(names(tenant)).to.deep.equal(['default', 'kube-system', 'tenant']);
    const ns = tenant.get('namespaces', '', 'tenant');
    expect(ns.metadata).to.not.have.property('namespace');
    expect(ns.status).to.deep.equal({ phase: 'Active' });
    expect(apiErr(() => tenant.create('namespaces', { metadata: { name: 'a.b' } })).status).to.include({ code: 422, reason: 'Invalid' });
  });

  it('rejects duplicates (409), bad names (422), missing objects (404), stale updates (409)', () => {
    const s = new ObjectStore();
    const a = s.create('secrets', secret('a'));
    expect(apiErr(() => s.create('secrets', secret('a'))).status).to.include({ code: 409, reason: 'AlreadyExists' });
    expect(apiErr(() => s.create('secrets', secret('Bad_Name'))).status).to.include({ code: 422, reason: 'Invalid' });
    expect(apiErr(() => s.create('secrets', { metadata: {} })).status).to.include({ code: 422, reason: 'Invalid' });
    expect(apiErr(() => s.get('secrets', 'vault', 'zz')).status).to.deep.include({ code: 404, reason: 'NotFound', details: { name: 'zz', kind: 'secrets' } });
    s.update('secrets', 'vault', 'a', (o) => void (o.metadata.labels = { x: '1' }));
    const stale = apiErr(() => s.update('secrets', 'vault', 'a', (o) => void (o.metadata.labels = { x: '2' }), { expectedResourceVersion: a.metadata.resourceVersion }));
    expect(stale.status).to.include({ code: 409, reason: 'Conflict' });
    expect(s.get('secrets', 'vault', 'a').metadata.labels).to.deep.equal({ x: '1' });
    expect(apiErr(() => s.list('nodes', undefined)).code).to.equal(404);
  });

  it('encodes stringData into data, validates base64', () => {
    const s = new ObjectStore();
    const o = s.create('secrets', { ...secret('k'), data: { a: Buffer.from('x').toString('base64') }, stringData: { b: 'héllo' } });
    expect(o.stringData).to.equal(undefined);
    expect(Buffer.from((o.data as Record<string, string>).b!, 'base64').toString('utf8')).to.equal('héllo');
    expect(apiErr(() => s.create('secrets', { ...secret('bad'), data: { a: 'not base64!' } })).code).to.equal(400);
    expect(() => s.get('secrets', 'vault', 'bad')).to.throw(ApiError);
  });

  it('no-op update keeps the resourceVersion and emits nothing', () => {
    const s = new ObjectStore();
    const a = s.create('secrets', { ...secret('a'), metadata: { name: 'a', namespace: 'vault', labels: { k: 'v' } } });
    const events: WatchEvent[] = [];
    s.watch('secrets', 'vault', { resourceVersion: a.metadata.resourceVersion }, (e) => events.push(e));
    const same = s.update('secrets', 'vault', 'a', (o) => void (o.metadata.labels = { k: 'v' }));
    expect(same.metadata.resourceVersion).to.equal(a.metadata.resourceVersion);
    expect(events).to.have.length(0);
  });

  it('watch replays history after a version, then streams live; too old is 410', () => {
    const s = new ObjectStore({ historySize: 5 });
    // The namespaces a store starts with took the first versions.
    const rv = (n: number) => String(Number(s.currentResourceVersion()) + n);
    const [v2, v3, v4, v5] = [rv(2), rv(3), rv(4), rv(5)];
    const first = s.create('secrets', secret('s0'));
    for (let i = 1; i < 4; i++) s.create('secrets', secret(`s${i}`));
    const seen: string[] = [];
    const stop = s.watch('secrets', 'vault', { resourceVersion: first.metadata.resourceVersion }, (e) => seen.push(`${e.type}:${e.object.metadata.name}:${e.object.metadata.resourceVersion}`));
    s.delete('secrets', 'vault', 's1');
    stop();
    s.create('secrets', secret('after-stop'));
    expect(seen).to.deep.equal([`ADDED:s1:${v2}`, `ADDED:s2:${v3}`, `ADDED:s3:${v4}`, `DELETED:s1:${v5}`]);
    for (let i = 0; i < 6; i++) s.create('secrets', secret(`x${i}`));
    expect(apiErr(() => s.watch('secrets', 'vault', { resourceVersion: v2 }, () => {})).status).to.include({ code: 410, reason: 'Expired' });
    s.compact();
    expect(apiErr(() => s.watch('secrets', 'vault', { resourceVersion: s.currentResourceVersion() === '0' ? '0' : String(Number(s.currentResourceVersion()) - 1) }, () => {})).code).to.equal(410);
    // From the current version nothing is missing, so no 410.
    expect(() => s.watch('secrets', 'vault', { resourceVersion: s.currentResourceVersion() }, () => {})()).to.not.throw();
  });

  it('watch without a version sends synthetic ADDED for the current state, selector transitions as ADDED/DELETED', () => {
    const s = new ObjectStore();
    s.create('pods', { metadata: { name: 'p0', namespace: 'vault', labels: { component: 'server' } } });
    s.create('pods', { metadata: { name: 'p1', namespace: 'vault', labels: { component: 'manager' } } });
    const seen: string[] = [];
    s.watch('pods', 'vault', { labelSelector: 'component=server' }, (e) => seen.push(`${e.type}:${e.object.metadata.name}`));
    s.update('pods', 'vault', 'p1', (o) => void (o.metadata.labels = { component: 'server' }));
    s.update('pods', 'vault', 'p0', (o) => void (o.metadata.labels = { component: 'other' }));
    s.update('pods', 'vault', 'p1', (o) => void (o.metadata.labels = { component: 'server', extra: 'y' }));
    expect(seen).to.deep.equal(['ADDED:p0', 'ADDED:p1', 'DELETED:p0', 'MODIFIED:p1']);
  });

  it('a watch callback that writes does not reorder events for other watchers', () => {
    const s = new ObjectStore();
    const base = Number(s.currentResourceVersion());
    const order: string[] = [];
    s.watch('secrets', undefined, { resourceVersion: '0' }, (e) => {
      if (e.object.metadata.name === 'a') s.create('secrets', secret('b'));
    });
    s.watch('secrets', undefined, { resourceVersion: '0' }, (e) => order.push(e.object.metadata.resourceVersion));
    s.create('secrets', secret('a'));
    expect(order).to.deep.equal([String(base + 1), String(base + 2)]);
  });

  it('pod deletes go through the registered handler with Kubernetes grace semantics', () => {
    const s = new ObjectStore();
    s.create('pods', { metadata: { name: 'p', namespace: 'vault' }, spec: { terminationGracePeriodSeconds: 7 } });
    const calls: Array<[string, number | undefined]> = [];
    s.setPodDeleteHandler((pod, grace) => calls.push([pod.metadata.name, grace]));
    const graceful = s.requestDelete('pods', 'vault', 'p');
    expect(graceful.metadata.deletionTimestamp).to.be.a('string');
    expect(graceful.metadata.deletionGracePeriodSeconds).to.equal(7);
    expect(s.get('pods', 'vault', 'p').metadata.deletionGracePeriodSeconds).to.equal(7);
    s.requestDelete('pods', 'vault', 'p', 0);
    expect(() => s.get('pods', 'vault', 'p')).to.throw(ApiError);
    expect(calls).to.deep.equal([['p', undefined], ['p', 0]]);
    s.create('secrets', secret('plain'));
    s.requestDelete('secrets', 'vault', 'plain', 30);
    expect(s.list('secrets', 'vault').items).to.have.length(0);
  });

  it('label selectors follow Kubernetes semantics (property)', () => {
    const sel = parseLabelSelector('a=1,b!=2,c in (x, y),d notin (z),e,!f');
    expect(sel.matches({ a: '1', c: 'x', e: '' })).to.equal(true);
    expect(sel.matches({ a: '1', c: 'x', e: '', f: 'q' })).to.equal(false);
    expect(sel.matches({ a: '1', b: '2', c: 'x', e: '' })).to.equal(false);
    expect(sel.matches({ a: '1', c: 'w', e: '' })).to.equal(false);
    expect(sel.matches({ a: '1', c: 'y', d: 'z', e: '' })).to.equal(false);
    for (const bad of ['a in (x', 'a=b=c', '=x', 'a in ()', 'a b', ',']) {
      expect(() => parseLabelSelector(bad), bad).to.throw(ApiError).with.property('code', 400);
    }
    const word = fc.stringMatching(/^[a-z][a-z0-9]{0,5}$/);
    fc.assert(
      fc.property(fc.dictionary(word, word), word, word, (labels, k, v) => {
        const eq = parseLabelSelector(`${k}=${v}`).matches(labels);
        const ne = parseLabelSelector(`${k}!=${v}`).matches(labels);
        expect(eq).to.equal(labels[k] === v && Object.hasOwn(labels, k));
        expect(ne).to.equal(!eq);
        expect(parseLabelSelector(k).matches(labels)).to.equal(!parseLabelSelector(`!${k}`).matches(labels));
      }),
    );
  });
});
