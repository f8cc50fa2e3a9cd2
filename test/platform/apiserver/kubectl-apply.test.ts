/**
 * `kubectl apply -f` with validation on (kubectl's default), driven by the
 * real kubectl the way a foreign manager or a user runs it. The kubectl
 * dispatcher runs the kubectl release matching the server's version, so the
 * suite runs against servers claiming 1.27 (OpenAPI v2 protobuf first), the
 * default, and 1.33 (OpenAPI v3 only).
 */
import { expect } from 'chai';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_GIT_VERSION } from '../../../platform/apiserver/discovery.js';
import { findKubectl, kubectlFor, startFixture, type Fixture } from './fixture.js';

const manifest = (data: string, httpsPort: number) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: vault-init
  labels: {app: vault}
data:
  init.sh: ${JSON.stringify(data)}
---
apiVersion: v1
kind: Secret
metadata:
  name: vault-tls
type: Opaque
data:
  ca.crt: Y2VydA==
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: vault-manager
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: vault-manager
rules:
- apiGroups: [""]
  resources: ["secrets", "pods"]
  verbs: ["get", "list", "create", "delete", "patch"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: vault-manager
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: vault-manager
subjects:
- kind: ServiceAccount
  name: vault-manager
  namespace: vault
---
apiVersion: v1
kind: Service
metadata:
  name: sva-vault
spec:
  selector: {app.kubernetes.io/name: vault}
  ports:
  - {name: http, port: 8200}
  - {name: https, port: ${httpsPort}}
`;

const CREATED = [
  'configmap/vault-init created',
  'secret/vault-tls created',
  'serviceaccount/vault-manager created',
  'role.rbac.authorization.k8s.io/vault-manager created',
  'rolebinding.rbac.authorization.k8s.io/vault-manager created',
  'service/sva-vault created',
];

describe('apiserver: kubectl apply -f with validation', function () {
  this.timeout(60_000);
  const kubectlPath = findKubectl();
  before(function () {
    if (!kubectlPath) this.skip();
  });

  for (const version of ['v1.27.16', DEFAULT_GIT_VERSION, 'v1.33.1']) {
    describe(`against a server that says ${version}`, () => {
      let fx: Fixture;
      let kubectl: ReturnType<typeof kubectlFor>;
      let file: string;
      before(async () => {
        fx = await startFixture({ version });
        kubectl = kubectlFor(fx, kubectlPath!);
        file = join(fx.dir, 'vault.yaml');
        // The release that runs is the one this case is about (the dispatcher follows the server's version).
        const v = await kubectl(['version', '-o', 'json']);
        expect(JSON.parse(v.stdout).clientVersion.minor).to.equal(version.split('.')[1]);
      });
      after(async () => fx?.stop());

      it('creates every document, says unchanged on a re-apply, configured for the changed ones', async () => {
        await writeFile(file, manifest('#!/bin/sh\necho one\n', 8201));
        const first = await kubectl(['apply', '-f', file]);
        expect(first.stderr).to.equal('');
        expect(first.exitCode).to.equal(0);
        expect(first.stdout.split('\n')).to.deep.equal(CREATED);
        const cm = fx.store.get('configmaps', 'vault', 'vault-init');
        expect(cm.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration']).to.contain('"init.sh"');

        const again = await kubectl(['apply', '-f', file]);
        expect(again.exitCode, again.stderr).to.equal(0);
        expect(again.stdout.split('\n')).to.deep.equal(CREATED.map((l) => l.replace(' created', ' unchanged')));

        await writeFile(file, manifest('#!/bin/sh\necho two\n', 8443));
        const changed = await kubectl(['apply', '-f', file]);
        expect(changed.exitCode, changed.stderr).to.equal(0);
        expect(changed.stderr).to.equal('');
        expect(changed.stdout).to.contain('configmap/vault-init configured');
        expect(changed.stdout).to.contain('service/sva-vault configured');
        expect(changed.stdout).to.contain('secret/vault-tls unchanged');
        expect(fx.store.get('configmaps', 'vault', 'vault-init').data).to.deep.equal({ 'init.sh': '#!/bin/sh\necho two\n' });
        // The strategic merge patch dropped the old port by its merge key and kept the server's defaults.
        const ports = (fx.store.get('services', 'vault', 'sva-vault').spec as { ports: Array<{ port: number; protocol: string }> }).ports;
        expect(ports.map((p) => `${p.port}/${p.protocol}`)).to.deep.equal(['8200/TCP', '8443/TCP']);
      });

      it('refuses unknown fields (strict field validation) and says which', async () => {
        const bad = join(fx.dir, 'bad.yaml');
        await writeFile(bad, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: typo\ndatta:\n  a: "1"\n');
        const res = await kubectl(['apply', '-f', bad]);
        expect(res.exitCode).to.not.equal(0);
        expect(res.stderr).to.contain('strict decoding error: unknown field "datta"');
        expect(() => fx.store.get('configmaps', 'vault', 'typo')).to.throw();
      });
    });
  }

  describe('kubectl get of every resource', () => {
    let fx: Fixture;
    let kubectl: ReturnType<typeof kubectlFor>;
    before(async () => {
      fx = await startFixture();
      kubectl = kubectlFor(fx, kubectlPath!);
      await writeFile(join(fx.dir, 'vault.yaml'), manifest('x', 8201));
      const applied = await kubectl(['apply', '-f', join(fx.dir, 'vault.yaml')]);
      expect(applied.exitCode, applied.stderr).to.equal(0);
      fx.store.create('persistentvolumeclaims', { metadata: { name: 'data', namespace: 'vault' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } });
    });
    after(async () => fx?.stop());

    it('an empty kind in another namespace is an empty list, never an unknown resource type', async () => {
      const res = await kubectl(['get', 'persistentvolumeclaims', '-n', 'kube-system', '-o', 'json']);
      expect(res.exitCode, res.stderr).to.equal(0);
      expect(JSON.parse(res.stdout)).to.deep.include({ kind: 'List', items: [] });
    });

    it('prints the server columns of each kind', async () => {
      const headers: Record<string, RegExp> = {
        configmaps: /^NAME\s+DATA\s+AGE\nvault-init\s+1\s+/,
        services: /^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE\nsva-vault\s+ClusterIP\s+10\.96\.\d+\.\d+\s+<none>\s+8200\/TCP,8201\/TCP\s+/,
        serviceaccounts: /^NAME\s+SECRETS\s+AGE\nvault-manager\s+0\s+/,
        roles: /^NAME\s+CREATED AT\nvault-manager\s+\d{4}-/,
        rolebindings: /^NAME\s+ROLE\s+AGE\nvault-manager\s+Role\/vault-manager\s+/,
        pvc: /^NAME\s+STATUS\s+VOLUME\s+CAPACITY\s+ACCESS MODES\s+STORAGECLASS\s+VOLUMEATTRIBUTESCLASS\s+AGE\ndata\s+Pending\s+/,
        namespaces: /^NAME\s+STATUS\s+AGE\ndefault\s+Active\s+/,
      };
      for (const [resource, expected] of Object.entries(headers)) {
        const res = await kubectl(['get', resource]);
        expect(res.exitCode, `${resource}: ${res.stderr}`).to.equal(0);
        expect(res.stdout, resource).to.match(expected);
      }
    });
  });
});
