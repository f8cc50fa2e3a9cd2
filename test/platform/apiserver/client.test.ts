import { expect } from 'chai';
import { ApiException, CoreV1Api, PatchStrategy, setHeaderOptions, type V1Secret } from '@kubernetes/client-node';
import { apiException, startFixture, statusOf as body, type Fixture } from './fixture.js';



describe('apiserver via @kubernetes/client-node', () => {
  let fx: Fixture;
  let api: CoreV1Api;
  before(async () => {
    fx = await startFixture();
    api = fx.kc.makeApiClient(CoreV1Api);
  });
  after(async () => {
    await fx?.stop();
  });

  it('creates, reads, lists with label selectors and deletes secrets; stringData becomes base64 data', async () => {
    const created = await api.createNamespacedSecret({
      namespace: 'vault',
      body: { metadata: { name: 'cluster-key-0', labels: { shard: 'yes' } }, stringData: { strdata: 'hello shard' } },
    });
    expect(created.metadata?.uid).to.be.a('string');
    expect(created.type).to.equal('Opaque');
    expect(created.stringData).to.equal(undefined);
    await api.createNamespacedSecret({ namespace: 'vault', body: { metadata: { name: 'other' }, data: { k: Buffer.from('v').toString('base64') } } });
    const notYet = await apiException(api.createNamespacedSecret({ namespace: 'elsewhere', body: { metadata: { name: 'cluster-key-0' } } }));
    expect(notYet.code).to.equal(404);
    expect(body(notYet)).to.deep.include({ reason: 'NotFound', message: 'namespaces "elsewhere" not found', details: { name: 'elsewhere', kind: 'namespaces' } });
    await api.createNamespace({ body: { metadata: { name: 'elsewhere' } } });
    await api.createNamespacedSecret({ namespace: 'elsewhere', body: { metadata: { name: 'cluster-key-0' } } });
    const read: V1Secret = await api.readNamespacedSecret({ name: 'cluster-key-0', namespace: 'vault' });
    expect(Buffer.from(read.data!.strdata!, 'base64').toString()).to.equal('hello shard');
    const labelled = await api.listNamespacedSecret({ namespace: 'vault', labelSelector: 'shard=yes' });
    expect(labelled.items.map((s) => s.metadata?.name)).to.deep.equal(['cluster-key-0']);
    const none = await api.listNamespacedSecret({ namespace: 'vault', labelSelector: 'shard notin (yes)' });
    expect(none.items.map((s) => s.metadata?.name)).to.deep.equal(['other']);
    const all = await api.listSecretForAllNamespaces({});
    expect(all.items.map((s) => `${s.metadata?.namespace}/${s.metadata?.name}`)).to.deep.equal(['elsewhere/cluster-key-0', 'vault/cluster-key-0', 'vault/other']);
    expect(all.metadata?.resourceVersion).to.equal(fx.store.currentResourceVersion());
    const status = await api.deleteNamespacedSecret({ name: 'other', namespace: 'vault' });
    expect(status.status).to.equal('Success');
    const after = await api.listNamespacedSecret({ namespace: 'vault' });
    expect(after.items.map((s) => s.metadata?.name)).to.deep.equal(['cluster-key-0']);
  });

  it('answers 404, 409 and 422 as ApiException with a Status body', async () => {
    const missing = await apiException(api.readNamespacedSecret({ name: 'nope', namespace: 'vault' }));
    expect(missing.code).to.equal(404);
    expect(body(missing)).to.deep.include({ kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404 });
    expect(body(missing).details).to.deep.equal({ name: 'nope', kind: 'secrets' });
    await api.createNamespacedSecret({ namespace: 'vault', body: { metadata: { name: 'dup' } } });
    const dup = await apiException(api.createNamespacedSecret({ namespace: 'vault', body: { metadata: { name: 'dup' } } }));
    expect(dup.code).to.equal(409);
    expect(body(dup).reason).to.equal('AlreadyExists');
    const bad = await apiException(api.createNamespacedSecret({ namespace: 'vault', body: { metadata: { name: 'Not_Valid' } } }));
    expect(bad.code).to.equal(422);
    expect(body(bad).reason).to.equal('Invalid');
    const stale = await apiException(
      api.replaceNamespacedSecret({ name: 'dup', namespace: 'vault', body: { metadata: { name: 'dup', resourceVersion: '1' }, stringData: { a: 'b' } } }),
    );
    expect(stale.code).to.equal(409);
    expect(body(stale).reason).to.equal('Conflict');
  });

  it('lists pods by label and field selectors and patches labels (merge, strategic merge, JSON patch)', async () => {
    const pod = (name: string, node: string, component: string, phase: string) => ({
      metadata: { name, namespace: 'vault', labels: { 'app.kubernetes.io/name': 'vault', component } },
      spec: { nodeName: node, containers: [{ name: 'vault', image: 'embedded' }] },
      status: { phase, podIP: `127.42.0.${10 + Number(name.at(-1))}` },
    });
    fx.store.create('pods', pod('sva-vault-0', 'controller-0', 'server', 'Running'));
    fx.store.create('pods', pod('sva-vault-1', 'controller-1', 'server', 'Pending'));
    fx.store.create('pods', pod('sva-vault-manager-0', 'controller-0', 'manager', 'Running'));
    const servers = await api.listNamespacedPod({ namespace: 'vault', labelSelector: 'component=server' });
    expect(servers.items.map((p) => p.metadata?.name)).to.deep.equal(['sva-vault-0', 'sva-vault-1']);
    const onNode0 = await api.listNamespacedPod({ namespace: 'vault', fieldSelector: 'spec.nodeName=controller-0,status.phase==Running' });
    expect(onNode0.items.map((p) => p.metadata?.name)).to.deep.equal(['sva-vault-0', 'sva-vault-manager-0']);
    const byIp = await api.listNamespacedPod({ namespace: 'vault', fieldSelector: 'status.podIP=127.42.0.11' });
    expect(byIp.items.map((p) => p.metadata?.name)).to.deep.equal(['sva-vault-1']);
    const notRunning = await api.listNamespacedPod({ namespace: 'vault', fieldSelector: 'status.phase!=Running' });
    expect(notRunning.items.map((p) => p.metadata?.name)).to.deep.equal(['sva-vault-1']);

    const merged = await api.patchNamespacedPod(
      { name: 'sva-vault-0', namespace: 'vault', body: { metadata: { labels: { 'vault-active': 'true', component: null } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(merged.metadata?.labels).to.deep.equal({ 'app.kubernetes.io/name': 'vault', 'vault-active': 'true' });
    const strategic = await api.patchNamespacedPod(
      { name: 'sva-vault-0', namespace: 'vault', body: { metadata: { labels: { component: 'server' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    expect(strategic.metadata?.labels?.component).to.equal('server');
    // Vault's service registration: JSON patch `replace` with ~1-escaped label keys (client-node's default patch type).
    const jsonPatched = await api.patchNamespacedPod({
      name: 'sva-vault-0',
      namespace: 'vault',
      body: [
        { op: 'replace', path: '/metadata/labels/vault-active', value: 'false' },
        { op: 'add', path: '/metadata/labels/vault-sealed', value: 'false' },
        { op: 'replace', path: '/metadata/labels/app.kubernetes.io~1name', value: 'vault' },
      ],
    });
    expect(jsonPatched.metadata?.labels).to.deep.include({ 'vault-active': 'false', 'vault-sealed': 'false' });
    expect(Number(jsonPatched.metadata?.resourceVersion)).to.be.greaterThan(Number(strategic.metadata?.resourceVersion));
    // A patch may not change status through the main resource.
    const statusKept = await api.patchNamespacedPod(
      { name: 'sva-vault-0', namespace: 'vault', body: { status: { phase: 'Failed' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(statusKept.status?.phase).to.equal('Running');
    const failed = await apiException(
      api.patchNamespacedPod({ name: 'sva-vault-0', namespace: 'vault', body: [{ op: 'replace', path: '/metadata/labels/absent', value: 'x' }] }),
    );
    expect(failed.code).to.equal(422);
    expect(fx.store.get('pods', 'vault', 'sva-vault-0').metadata.labels).to.not.have.property('absent');
  });

  it('deletes a pod gracefully through the registered handler, and at once with gracePeriodSeconds=0', async () => {
    fx.store.create('pods', { metadata: { name: 'victim', namespace: 'vault' }, spec: { terminationGracePeriodSeconds: 1 } });
    const calls: Array<number | undefined> = [];
    fx.store.setPodDeleteHandler((_pod, grace) => calls.push(grace));
    try {
      const graceful = await api.deleteNamespacedPod({ name: 'victim', namespace: 'vault' });
      expect(graceful.metadata?.deletionTimestamp).to.not.equal(undefined);
      expect(graceful.metadata?.deletionGracePeriodSeconds).to.equal(1);
      expect(fx.store.get('pods', 'vault', 'victim').metadata.deletionTimestamp).to.be.a('string');
      await api.deleteNamespacedPod({ name: 'victim', namespace: 'vault', body: { gracePeriodSeconds: 0 } });
      const gone = await apiException(api.readNamespacedPod({ name: 'victim', namespace: 'vault' }));
      expect(gone.code).to.equal(404);
      expect(calls).to.deep.equal([undefined, 0]);
    } finally {
      fx.store.setPodDeleteHandler(undefined);
    }
  });

  it('refuses requests without the bearer token (401 Status), but serves health probes', async () => {
    const res = await fx.call('GET', '/api/v1/namespaces/vault/secrets', undefined, { authorization: '' });
    expect(res.status).to.equal(401);
    expect(res.json).to.deep.include({ kind: 'Status', reason: 'Unauthorized', code: 401 });
    const wrong = await fx.call('GET', '/api/v1/namespaces/vault/secrets', undefined, { authorization: 'Bearer wrong' });
    expect(wrong.status).to.equal(401);
    expect((await fx.call('GET', '/readyz', undefined, { authorization: '' })).status).to.equal(200);
    expect(fx.server.url).to.match(/^https:\/\/127\.0\.0\.1:\d+$/);
    const version = await fx.call('GET', '/version');
    expect(version.json.gitVersion).to.match(/^v1\.(2[7-9]|3[0-3])\./);
  });
});
