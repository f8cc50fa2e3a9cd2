import { expect } from 'chai';
import fc from 'fast-check';
import { startFixture, type Fixture } from './fixture.js';

describe('apiserver bad input', () => {
  let fx: Fixture;
  before(async () => {
    fx = await startFixture({ maxBodyBytes: 64 * 1024 });
  });
  after(async () => {
    await fx?.stop();
  });

  const SECRETS = '/api/v1/namespaces/vault/secrets';

  async function expectStatus(p: Promise<{ status: number; json: any }>, code: number, reason: string) {
    const res = await p;
    expect(res.status).to.equal(code);
    expect(res.json).to.deep.include({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason });
    expect(res.json.message).to.be.a('string').and.not.equal('');
  }

  it('answers each kind of bad request with the right Status, and keeps serving', async () => {
    await expectStatus(fx.call('POST', SECRETS, '{"metadata": {"name": "x"'), 400, 'BadRequest');
    await expectStatus(fx.call('POST', SECRETS, '[1,2]'), 400, 'BadRequest');
    await expectStatus(fx.call('POST', SECRETS, ''), 400, 'BadRequest');
    await expectStatus(fx.call('GET', '/api/v1/namespaces/vault/widgets'), 404, 'NotFound');
    await expectStatus(fx.call('GET', '/api/v2'), 404, 'NotFound');
    await expectStatus(fx.call('GET', '/api/v1/namespaces/vault/pods/p/exec'), 404, 'NotFound');
    await expectStatus(fx.call('GET', '/api/v1/namespaces/vault/pods/p/status'), 404, 'NotFound');
    await expectStatus(fx.call('GET', `${SECRETS}?labelSelector=${encodeURIComponent('a in (b')}`), 400, 'BadRequest');
    await expectStatus(fx.call('GET', `/api/v1/namespaces/vault/pods?fieldSelector=spec.hostname%3Dx`), 400, 'BadRequest');
    await expectStatus(fx.call('POST', SECRETS, JSON.stringify({ metadata: { name: 's' }, data: { k: 'not base64!' } })), 400, 'BadRequest');
    await expectStatus(fx.call('POST', SECRETS, JSON.stringify({ metadata: { name: 's', labels: { 'bad key!': 'v' } } })), 422, 'Invalid');
    await expectStatus(fx.call('POST', SECRETS, JSON.stringify({ metadata: { name: 's', namespace: 'other' } })), 400, 'BadRequest');
    await expectStatus(fx.call('DELETE', SECRETS), 405, 'MethodNotAllowed');
    await expectStatus(fx.call('POST', '/version'), 405, 'MethodNotAllowed');
    await expectStatus(fx.call('POST', SECRETS, '<xml/>', { 'content-type': 'application/xml' }), 415, 'UnsupportedMediaType');
    await expectStatus(fx.call('PATCH', `${SECRETS}/s`, '{}', { 'content-type': 'application/apply-patch+yaml' }), 415, 'UnsupportedMediaType');
    await expectStatus(fx.call('GET', `${SECRETS}?watch=true&timeoutSeconds=soon`), 400, 'BadRequest');
    await expectStatus(fx.call('DELETE', `${SECRETS}/none?gracePeriodSeconds=-1`), 400, 'BadRequest');
    await expectStatus(fx.call('POST', SECRETS, JSON.stringify({ metadata: { name: 'big' }, stringData: { k: 'x'.repeat(100 * 1024) } })), 413, 'RequestEntityTooLarge');
    await expectStatus(fx.call('GET', '/api/v1/namespaces/vault/secrets/%E0%A4%A'), 400, 'BadRequest');
    // Nothing of the above was stored, and the server still works.
    expect(fx.store.list('secrets', undefined).items).to.have.length(0);
    const ok = await fx.call('POST', SECRETS, JSON.stringify({ metadata: { name: 'fine' }, stringData: { a: 'b' } }));
    expect(ok.status).to.equal(201);
    expect(ok.json.data).to.deep.equal({ a: Buffer.from('b').toString('base64') });
  });

  it('a failed patch leaves the object unchanged', async () => {
    const before = fx.store.get('secrets', 'vault', 'fine');
    await expectStatus(fx.call('PATCH', `${SECRETS}/fine`, '[{"op":"remove","path":"/metadata/labels/none"}]', { 'content-type': 'application/json-patch+json' }), 422, 'Invalid');
    await expectStatus(fx.call('PATCH', `${SECRETS}/fine`, '{"data":{"a":"%%%"}}', { 'content-type': 'application/merge-patch+json' }), 400, 'BadRequest');
    await expectStatus(fx.call('PATCH', `${SECRETS}/fine`, '{"metadata":{"resourceVersion":"999"},"type":"Opaque"}', { 'content-type': 'application/merge-patch+json' }), 409, 'Conflict');
    await expectStatus(fx.call('PATCH', `${SECRETS}/fine`, '{"type":"kubernetes.io/tls"}', { 'content-type': 'application/merge-patch+json' }), 422, 'Invalid');
    expect(fx.store.get('secrets', 'vault', 'fine')).to.deep.equal(before);
  });

  it('never crashes on random bodies, paths and selectors (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE'),
        fc.constantFrom(SECRETS, `${SECRETS}/fine`, '/api/v1/namespaces/vault/pods', '/api/v1/secrets', '/api/v1/namespaces/vault/pods/x/log', '/apis', '/nope'),
        fc.string({ maxLength: 40 }),
        fc.oneof(fc.string({ maxLength: 200 }), fc.json({ maxDepth: 3 })),
        fc.constantFrom('application/json', 'application/merge-patch+json', 'application/json-patch+json', 'text/plain'),
        async (method, path, selector, body, type) => {
          const res = await fx.call(method, `${path}?labelSelector=${encodeURIComponent(selector)}`, method === 'GET' ? undefined : body, { 'content-type': type });
          expect(res.status).to.be.within(200, 499);
          if (res.status >= 400) expect(res.json?.kind).to.equal('Status');
        },
      ),
      { numRuns: 150 },
    );
    expect((await fx.call('GET', '/readyz')).status).to.equal(200);
  });

  it('answers discovery documents kubectl needs', async () => {
    const api = await fx.call('GET', '/api', undefined, { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json' });
    expect(api.json).to.deep.include({ kind: 'APIVersions', versions: ['v1'] });
    const v1 = await fx.call('GET', '/api/v1');
    const byName = Object.fromEntries((v1.json.resources as Array<{ name: string }>).map((r) => [r.name, r]));
    expect(byName.pods).to.deep.include({ kind: 'Pod', namespaced: true, shortNames: ['po'] });
    expect(byName['pods/log']).to.deep.include({ verbs: ['get'] });
    expect(byName.secrets).to.deep.include({ kind: 'Secret' });
    for (const name of ['configmaps', 'services', 'persistentvolumeclaims', 'serviceaccounts']) expect(byName[name], name).to.deep.include({ namespaced: true });
    expect(byName.namespaces).to.deep.include({ kind: 'Namespace', namespaced: false, shortNames: ['ns'] });
    const rbac = { groupVersion: 'rbac.authorization.k8s.io/v1', version: 'v1' };
    expect((await fx.call('GET', '/apis')).json).to.deep.equal({
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: [{ name: 'rbac.authorization.k8s.io', versions: [rbac], preferredVersion: rbac }],
    });
    expect((await fx.call('GET', '/apis/rbac.authorization.k8s.io')).json).to.deep.include({ kind: 'APIGroup', name: 'rbac.authorization.k8s.io' });
    const group = await fx.call('GET', '/apis/rbac.authorization.k8s.io/v1');
    expect(group.json.resources.map((r: { name: string; kind: string }) => `${r.name}:${r.kind}`)).to.deep.equal(['roles:Role', 'rolebindings:RoleBinding']);
    await expectStatus(fx.call('GET', '/apis/apps/v1'), 404, 'NotFound');
    await expectStatus(fx.call('GET', '/apis/rbac.authorization.k8s.io/v1/namespaces/vault/secrets'), 404, 'NotFound');
  });
});
