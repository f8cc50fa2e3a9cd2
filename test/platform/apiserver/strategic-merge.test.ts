/**
 * Strategic merge patch driven by the kinds' schemas, schema decoding
 * (types, unknown fields), and the OpenAPI documents derived from the same
 * schemas.
 */
import { expect } from 'chai';
import { services } from '../../../platform/apiserver/kinds/service.js';
import { pods } from '../../../platform/apiserver/kinds/pod.js';
import { configMaps } from '../../../platform/apiserver/kinds/config-data.js';
import { decode } from '../../../platform/apiserver/schema.js';
import { ApiError } from '../../../platform/apiserver/status.js';
import { strategicMerge } from '../../../platform/apiserver/strategic-merge.js';
import { startFixture, type Fixture } from './fixture.js';

const svc = {
  metadata: { name: 's', finalizers: ['a'], labels: { x: '1' } },
  spec: { selector: { app: 'v' }, ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'https', port: 443, protocol: 'TCP' }] },
};

describe('apiserver strategic merge patch and schemas', () => {
  it('merges lists with a merge key element by element, deletes with $patch, orders with $setElementOrder', () => {
    const out = strategicMerge(svc, { spec: { ports: [{ port: 8443, name: 'alt' }, { port: 443, $patch: 'delete' }, { port: 80, targetPort: 8080 }] } }, services.schema) as typeof svc;
    expect(out.spec.ports).to.deep.equal([
      { name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 },
      { port: 8443, name: 'alt' },
    ]);
    const ordered = strategicMerge(svc, { spec: { '$setElementOrder/ports': [{ port: 443 }, { port: 80 }] } }, services.schema) as typeof svc;
    expect(ordered.spec.ports.map((p) => p.port)).to.deep.equal([443, 80]);
  });

  it('replaces lists without merge metadata, unions sets of scalars, and honours $deleteFromPrimitiveList, $patch: replace and null', () => {
    const out = strategicMerge(svc, { metadata: { finalizers: ['b'], labels: { x: null, y: '2' } } }, services.schema) as typeof svc;
    expect(out.metadata.finalizers).to.deep.equal(['a', 'b']);
    expect(out.metadata.labels).to.deep.equal({ y: '2' });
    const removed = strategicMerge(out, { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } }, services.schema) as typeof svc;
    expect(removed.metadata.finalizers).to.deep.equal(['b']);
    const replaced = strategicMerge(svc, { spec: { selector: { $patch: 'replace', other: 'z' } } }, services.schema) as typeof svc;
    expect(replaced.spec.selector).to.deep.equal({ other: 'z' });
    // Pod spec is open: its lists are replaced whole.
    const pod = { spec: { containers: [{ name: 'a', image: '1' }, { name: 'b', image: '1' }] } };
    expect((strategicMerge(pod, { spec: { containers: [{ name: 'a', image: '2' }] } }, pods.schema) as typeof pod).spec.containers).to.deep.equal([{ name: 'a', image: '2' }]);
    expect(() => strategicMerge(svc, { $patch: 'explode' }, services.schema)).to.throw(ApiError);
  });

  it('decodes like a typed server: wrong JSON types are 400, nulls and unknown fields go (the latter reported)', () => {
    const { value, unknownFields } = decode('ConfigMap', 'v1', { metadata: { name: 'c', bogus: 1, labels: null }, data: { a: 'b' }, extra: true }, configMaps.schema);
    expect(value).to.deep.equal({ metadata: { name: 'c' }, data: { a: 'b' } });
    expect(unknownFields).to.deep.equal(['metadata.bogus', 'extra']);
    expect(() => decode('ConfigMap', 'v1', { data: { a: 1 } }, configMaps.schema)).to.throw(/cannot unmarshal number into Go struct field ConfigMap\.data\[a\] of type string/);
    expect(() => decode('Service', 'v1', { spec: { ports: [{ port: '80' }] } }, services.schema)).to.throw(ApiError);
  });

  describe('OpenAPI documents', () => {
    let fx: Fixture;
    before(async () => {
      fx = await startFixture();
    });
    after(async () => fx?.stop());

    it('v3: an index of group/version documents whose PATCH operations take fieldValidation and strategic merge patches', async () => {
      const index = await fx.call('GET', '/openapi/v3');
      expect(Object.keys(index.json.paths)).to.deep.equal(['api/v1', 'apis/rbac.authorization.k8s.io/v1']);
      const core = await fx.call('GET', index.json.paths['api/v1'].serverRelativeURL);
      const patch = core.json.paths['/api/v1/namespaces/{namespace}/configmaps/{name}'].patch;
      expect(patch['x-kubernetes-group-version-kind']).to.deep.equal({ group: '', version: 'v1', kind: 'ConfigMap' });
      expect(patch.parameters.map((p: { name: string }) => p.name)).to.include('fieldValidation');
      expect(Object.keys(patch.requestBody.content)).to.include('application/strategic-merge-patch+json');
      const ports = core.json.components.schemas['io.k8s.api.core.v1.Service'].properties.spec.properties.ports;
      expect(ports).to.deep.include({ 'x-kubernetes-patch-merge-key': 'port', 'x-kubernetes-patch-strategy': 'merge' });
      expect((await fx.call('GET', '/openapi/v3/apis/apps/v1')).status).to.equal(404);
    });

    it('v2: JSON for JSON clients, protobuf for client-go, 406 for anything else', async () => {
      const json = await fx.call('GET', '/openapi/v2', undefined, { accept: 'application/json' });
      expect(json.json.swagger).to.equal('2.0');
      expect(json.json.definitions['io.k8s.api.rbac.v1.RoleBinding']['x-kubernetes-group-version-kind']).to.deep.equal([{ group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'RoleBinding' }]);
      const proto = await fx.call('GET', '/openapi/v2', undefined, { accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' });
      expect(proto.status).to.equal(200);
      // Field 1 (swagger, a string): tag 0x0a, length 3, "2.0".
      expect(proto.text.slice(0, 5)).to.equal('\n\u00032.0');
      expect(proto.text).to.contain('io.k8s.api.core.v1.ConfigMap');
      expect((await fx.call('GET', '/openapi/v2', undefined, { accept: 'application/xml' })).status).to.equal(406);
    });
  });
});
