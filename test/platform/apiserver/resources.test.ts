/**
 * The core resources beyond secrets and pods (configmaps, services,
 * persistentvolumeclaims, serviceaccounts, namespaces) and the RBAC group's
 * roles and rolebindings, through @kubernetes/client-node: CRUD, selectors,
 * watch, Kubernetes' validation and defaults, namespace lifecycle.
 */
import { expect } from 'chai';
import { ApiException, CoreV1Api, RbacAuthorizationV1Api, Watch, type KubernetesObject, type V1Namespace } from '@kubernetes/client-node';
import { apiException, startFixture, statusOf, waitFor, type Fixture } from './fixture.js';



describe('apiserver resources: configmaps, services, claims, accounts, namespaces, RBAC', () => {
  let fx: Fixture;
  let core: CoreV1Api;
  let rbac: RbacAuthorizationV1Api;
  const controllers: AbortController[] = [];
  before(async () => {
    fx = await startFixture();
    core = fx.kc.makeApiClient(CoreV1Api);
    rbac = fx.kc.makeApiClient(RbacAuthorizationV1Api);
  });
  after(async () => {
    for (const c of controllers) c.abort();
    await fx?.stop();
  });

  it('configmaps: CRUD, label selectors, the store name other parts read, and Kubernetes key and base64 rules', async () => {
    const created = await core.createNamespacedConfigMap({
      namespace: 'vault',
      body: { metadata: { name: 'vault-init', labels: { app: 'vault' } }, data: { 'init.sh': '#!/bin/sh\n' }, binaryData: { blob: Buffer.from([0, 1, 2]).toString('base64') } },
    });
    expect(created.metadata?.uid).to.be.a('string');
    await core.createNamespacedConfigMap({ namespace: 'vault', body: { metadata: { name: 'other' }, data: { a: 'b' } } });
    const labelled = await core.listNamespacedConfigMap({ namespace: 'vault', labelSelector: 'app=vault' });
    expect(labelled.items.map((c) => c.metadata?.name)).to.deep.equal(['vault-init']);
    expect(fx.store.get('configmaps', 'vault', 'vault-init').data).to.deep.equal({ 'init.sh': '#!/bin/sh\n' });
    const replaced = await core.replaceNamespacedConfigMap({ name: 'other', namespace: 'vault', body: { metadata: { name: 'other' }, data: { a: 'c' } } });
    expect(replaced.data).to.deep.equal({ a: 'c' });

    const badKey = await apiException(core.createNamespacedConfigMap({ namespace: 'vault', body: { metadata: { name: 'bad' }, data: { 'no spaces': 'x' } } }));
    expect(badKey.code).to.equal(422);
    expect(statusOf(badKey).message).to.equal(
      `ConfigMap "bad" is invalid: data[no spaces]: Invalid value: "no spaces": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`,
    );
    const dots = await apiException(core.createNamespacedConfigMap({ namespace: 'vault', body: { metadata: { name: 'bad' }, data: { '..x': 'y' } } }));
    expect(statusOf(dots).message).to.contain("must not start with '..'");
    const dup = await apiException(core.createNamespacedConfigMap({ namespace: 'vault', body: { metadata: { name: 'bad' }, data: { k: 'x' }, binaryData: { k: 'eA==' } } }));
    expect(statusOf(dup).message).to.contain('binaryData[k]: Invalid value: "k": duplicate of key present in data');
    const notBase64 = await fx.call('POST', '/api/v1/namespaces/vault/configmaps', JSON.stringify({ metadata: { name: 'bad' }, binaryData: { k: 'not base64!' } }));
    expect(notBase64.status).to.equal(400);
    expect(fx.store.list('configmaps', 'vault').items.map((c) => c.metadata.name)).to.deep.equal(['other', 'vault-init']);

    await core.patchNamespacedConfigMap({ name: 'other', namespace: 'vault', body: [{ op: 'add', path: '/immutable', value: true }] });
    const frozen = await apiException(core.patchNamespacedConfigMap({ name: 'other', namespace: 'vault', body: [{ op: 'replace', path: '/data/a', value: 'd' }] }));
    expect(statusOf(frozen).message).to.contain('data: Forbidden: field is immutable when `immutable` is set');
    const gone = await core.deleteNamespacedConfigMap({ name: 'other', namespace: 'vault' });
    expect(gone.status).to.equal('Success');
  });

  it('services: cluster IP, protocol and targetPort defaults, ports required, cluster IP kept and immutable', async () => {
    const svc = await core.createNamespacedService({
      namespace: 'vault',
      body: { metadata: { name: 'sva-vault' }, spec: { selector: { app: 'vault' }, ports: [{ name: 'http', port: 8200 }, { name: 'cluster', port: 8201, targetPort: 'cluster' }] } },
    });
    expect(svc.spec?.type).to.equal('ClusterIP');
    expect(svc.spec?.clusterIP).to.match(/^10\.96\.\d+\.\d+$/);
    expect(svc.spec?.clusterIPs).to.deep.equal([svc.spec?.clusterIP]);
    expect(svc.spec?.ports?.map((p) => `${p.port}/${p.protocol}->${p.targetPort}`)).to.deep.equal(['8200/TCP->8200', '8201/TCP->cluster']);
    const second = await core.createNamespacedService({ namespace: 'vault', body: { metadata: { name: 'headless' }, spec: { clusterIP: 'None', selector: { app: 'vault' } } } });
    expect(second.spec?.clusterIP).to.equal('None');
    const third = await core.createNamespacedService({ namespace: 'vault', body: { metadata: { name: 'np' }, spec: { type: 'NodePort', ports: [{ port: 80 }] } } });
    expect(third.spec?.clusterIP).to.not.equal(svc.spec?.clusterIP);
    expect(third.spec?.ports?.[0]?.nodePort).to.be.within(30000, 32767);

    const noPorts = await apiException(core.createNamespacedService({ namespace: 'vault', body: { metadata: { name: 'bad' }, spec: { selector: { a: 'b' } } } }));
    expect(statusOf(noPorts).message).to.equal('Service "bad" is invalid: spec.ports: Required value');
    const unnamed = await apiException(core.createNamespacedService({ namespace: 'vault', body: { metadata: { name: 'bad' }, spec: { ports: [{ port: 1 }, { port: 70000 }] } } }));
    expect(statusOf(unnamed).message).to.contain('spec.ports[1].port: Invalid value: 70000: must be between 1 and 65535, inclusive');

    const kept = await core.replaceNamespacedService({ name: 'sva-vault', namespace: 'vault', body: { metadata: { name: 'sva-vault' }, spec: { selector: { app: 'vault' }, ports: [{ port: 8200 }] } } });
    expect(kept.spec?.clusterIP).to.equal(svc.spec?.clusterIP);
    const moved = await apiException(
      core.replaceNamespacedService({ name: 'sva-vault', namespace: 'vault', body: { metadata: { name: 'sva-vault' }, spec: { clusterIP: '10.96.9.9', ports: [{ port: 8200 }] } } }),
    );
    expect(statusOf(moved).message).to.contain('spec.clusterIP: Invalid value: "10.96.9.9": field is immutable');
  });

  it('persistentvolumeclaims and serviceaccounts: validation, defaults, Pending claims', async () => {
    const empty = await core.listNamespacedPersistentVolumeClaim({ namespace: 'vault' });
    expect(empty.items).to.deep.equal([]);
    const claim = await core.createNamespacedPersistentVolumeClaim({
      namespace: 'vault',
      body: { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } },
    });
    expect(claim.status?.phase).to.equal('Pending');
    expect(claim.spec?.volumeMode).to.equal('Filesystem');
    const invalidClaim = await apiException(core.createNamespacedPersistentVolumeClaim({ namespace: 'vault', body: { metadata: { name: 'bad' }, spec: {} } }));
    expect(statusOf(invalidClaim).message).to.equal(
      'PersistentVolumeClaim "bad" is invalid: [spec.accessModes: Required value: at least 1 access mode is required, spec.resources[storage]: Required value]',
    );
    const grown = await core.patchNamespacedPersistentVolumeClaim({ name: 'data', namespace: 'vault', body: [{ op: 'replace', path: '/spec/resources/requests/storage', value: '2Gi' }] });
    expect(grown.spec?.resources?.requests?.storage).to.equal('2Gi');
    const modes = await apiException(core.patchNamespacedPersistentVolumeClaim({ name: 'data', namespace: 'vault', body: [{ op: 'replace', path: '/spec/accessModes', value: ['ReadWriteMany'] }] }));
    expect(statusOf(modes).message).to.contain('spec: Forbidden: spec is immutable after creation');

    const sa = await core.createNamespacedServiceAccount({ namespace: 'vault', body: { metadata: { name: 'vault-manager' }, automountServiceAccountToken: false } });
    expect(sa.automountServiceAccountToken).to.equal(false);
    const accounts = await core.listNamespacedServiceAccount({ namespace: 'vault', fieldSelector: 'metadata.name=vault-manager' });
    expect(accounts.items.map((a) => a.metadata?.name)).to.deep.equal(['vault-manager']);
  });

  it('roles and rolebindings: stored with validation, roleRef immutable, found through the RBAC group', async () => {
    const role = await rbac.createNamespacedRole({
      namespace: 'vault',
      body: { metadata: { name: 'secrets-rw' }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'create', 'delete'] }] },
    });
    expect(role.apiVersion).to.equal('rbac.authorization.k8s.io/v1');
    const noVerbs = await apiException(rbac.createNamespacedRole({ namespace: 'vault', body: { metadata: { name: 'bad' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: [] }] } }));
    expect(statusOf(noVerbs).message).to.equal('Role "bad" is invalid: rules[0].verbs: Required value: verbs must contain at least one value');
    const binding = await rbac.createNamespacedRoleBinding({
      namespace: 'vault',
      body: {
        metadata: { name: 'manager-secrets' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'secrets-rw' },
        subjects: [{ kind: 'ServiceAccount', name: 'vault-manager', namespace: 'vault' }, { kind: 'User', name: 'admin' }],
      },
    });
    expect(binding.subjects?.[1]?.apiGroup).to.equal('rbac.authorization.k8s.io');
    const rebound = await apiException(
      rbac.patchNamespacedRoleBinding({ name: 'manager-secrets', namespace: 'vault', body: [{ op: 'replace', path: '/roleRef/name', value: 'other' }] }),
    );
    expect(statusOf(rebound).message).to.contain('cannot change roleRef');
    const listed = await rbac.listRoleBindingForAllNamespaces({});
    expect(listed.items.map((b) => `${b.metadata?.namespace}/${b.metadata?.name}`)).to.deep.equal(['vault/manager-secrets']);
    const deleted = await rbac.deleteNamespacedRole({ name: 'secrets-rw', namespace: 'vault' });
    expect(deleted.status).to.equal('Success');
  });

  it('watches configmaps with a label selector like any other resource', async () => {
    const seen: string[] = [];
    const w = waitFor('ADDED, MODIFIED, DELETED', () => seen.length >= 3);
    controllers.push(
      await new Watch(fx.kc).watch('/api/v1/namespaces/vault/configmaps', { labelSelector: 'watched=yes' }, (type, obj: KubernetesObject) => {
        seen.push(`${type}:${obj.metadata?.name}`);
        w.poke();
      }, () => {}),
    );
    await core.createNamespacedConfigMap({ namespace: 'vault', body: { metadata: { name: 'ignored' } } });
    await core.createNamespacedConfigMap({ namespace: 'vault', body: { metadata: { name: 'w', labels: { watched: 'yes' } } } });
    await core.patchNamespacedConfigMap({ name: 'w', namespace: 'vault', body: [{ op: 'add', path: '/data', value: { k: 'v' } }] });
    await core.deleteNamespacedConfigMap({ name: 'w', namespace: 'vault' });
    await w.promise;
    expect(seen).to.deep.equal(['ADDED:w', 'MODIFIED:w', 'DELETED:w']);
  });

  it('namespaces: default, kube-system and the cluster namespace exist; writes elsewhere are 404 until created; delete empties then removes', async () => {
    const start = await core.listNamespace({});
    expect(start.items.map((n) => n.metadata?.name)).to.include.members(['default', 'kube-system', 'vault']);
    expect(start.items.every((n) => n.status?.phase === 'Active')).to.equal(true);
    const missing = await apiException(core.createNamespacedConfigMap({ namespace: 'scratch', body: { metadata: { name: 'c' } } }));
    expect(missing.code).to.equal(404);
    expect(statusOf(missing)).to.deep.include({ reason: 'NotFound', message: 'namespaces "scratch" not found' });
    const ns = await core.createNamespace({ body: { metadata: { name: 'scratch' } } });
    expect(ns.metadata?.labels).to.deep.equal({ 'kubernetes.io/metadata.name': 'scratch' });
    expect(ns.metadata?.namespace).to.equal(undefined);
    await core.createNamespacedConfigMap({ namespace: 'scratch', body: { metadata: { name: 'c' } } });
    fx.store.create('pods', { metadata: { name: 'p', namespace: 'scratch' } });
    // A real server answers a namespace DELETE with the namespace, now Terminating (client-node types it as a Status).
    const terminating = (await core.deleteNamespace({ name: 'scratch' })) as unknown as V1Namespace;
    expect(terminating.status?.phase).to.equal('Terminating');
    // No delete handler in this fixture: the content goes at once, and the namespace with it.
    const after = await apiException(core.readNamespace({ name: 'scratch' }));
    expect(after.code).to.equal(404);
    expect(fx.store.list('configmaps', 'scratch').items).to.deep.equal([]);
    const kept = await apiException(core.deleteNamespace({ name: 'default' }));
    expect(kept.code).to.equal(403);
    expect(statusOf(kept).message).to.equal('namespaces "default" is forbidden: this namespace may not be deleted');
  });

  it('a namespace stays Terminating while a pod in it is still stopping, and refuses new content meanwhile', async () => {
    await core.createNamespace({ body: { metadata: { name: 'slow' } } });
    fx.store.create('pods', { metadata: { name: 'p', namespace: 'slow' } });
    const stopping: string[] = [];
    fx.store.setPodDeleteHandler((pod) => stopping.push(pod.metadata.name));
    try {
      await core.deleteNamespace({ name: 'slow' });
      expect(stopping).to.deep.equal(['p']);
      expect((await core.readNamespace({ name: 'slow' })).status?.phase).to.equal('Terminating');
      const refused = await apiException(core.createNamespacedSecret({ namespace: 'slow', body: { metadata: { name: 's' } } }));
      expect(refused.code).to.equal(403);
      expect(statusOf(refused).message).to.equal('secrets "s" is forbidden: unable to create new content in namespace slow because it is being terminated');
      // The node agent confirms the pod's end: the namespace goes with it.
      fx.store.delete('pods', 'slow', 'p');
      expect((await apiException(core.readNamespace({ name: 'slow' }))).code).to.equal(404);
    } finally {
      fx.store.setPodDeleteHandler(undefined);
    }
  });
});
