/**
 * Manifest consistency: the real manifests the kind backend applies — the
 * reference manager's StatefulSet and RBAC from manager/deploy, the Helm
 * values for HashiCorp's Vault chart, a chart's rendered objects (the
 * fixture chart, and StarlingX's when REKEY_CHAOS_MANAGER_CHART names it) —
 * checked against each other and against what the backend creates and loads:
 * every Secret a pod mounts exists (with the keys it reads), every label the
 * faults select is on the pods, every image named is loaded into the nodes.
 */
import { expect } from 'chai';
import path from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../../common/repo-root.js';
import { KindBackend } from '../../harness/backends/kind/backend.js';
import { chartManager, referenceManager, type ManagerObjects } from '../../harness/backends/kind/manager-deploy.js';
import { vaultHelmValues, vaultServerPodLabels } from '../../harness/backends/kind/vault-values.js';
import { tlsSecret } from '../../harness/backends/kind/secrets.js';
import { createCa } from '../../platform/pki.js';
import { podRole } from '../../harness/faults/pod-api.js';
import type { ClusterNames } from '../../harness/backends/backend.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';

const FIXTURE_CHART = path.join(REPO_ROOT, 'test', 'backends', 'fixtures', 'chart-wrapping-reference');
const HARNESS = { namespace: 'vault', releaseName: 'sva-vault', vaultName: 'vault', vaultFullname: 'sva-vault', haReplicas: 3 as const, statusCheckRateS: 5, vaultVersion: '1.14.0' };

type Obj = Record<string, any>;

const variants: Array<{ name: string; load: () => Promise<ManagerObjects> }> = [
  { name: 'reference manager (manager/deploy)', load: async () => referenceManager({ namespace: 'vault', image: 'rekey-chaos/vault-manager:dev', manager: { kind: 'reference' }, statusRateMs: 5000 }) },
  { name: 'fixture chart (chart-wrapping-reference)', load: () => chartManager({ kind: `chart:${FIXTURE_CHART},set=repoRoot=${REPO_ROOT}` }, HARNESS, { renderer: 'builtin' }) },
];
const realChart = process.env['REKEY_CHAOS_MANAGER_CHART'];
if (realChart) {
  const values = path.join(REPO_ROOT, 'manager', 'values', 'starlingx-kind.yaml');
  variants.push({ name: `StarlingX chart (${realChart})`, load: () => chartManager({ kind: `chart:${realChart},values=${values}` }, HARNESS) });
}

function podTemplates(objects: readonly Obj[]): Array<{ owner: string; labels: Record<string, string>; spec: Obj }> {
  return objects
    .filter((o) => ['StatefulSet', 'Deployment'].includes(o.kind))
    .map((o) => ({ owner: `${o.kind}/${o.metadata.name}`, labels: o.spec.template.metadata?.labels ?? {}, spec: o.spec.template.spec }));
}

/** The Vault chart's server pod as our values make it: the chart's labels, the volumes we ask for. */
function vaultServerPod(values: Obj): { labels: Record<string, string>; spec: Obj; image: string } {
  return { labels: vaultServerPodLabels('sva-vault'), spec: { volumes: values.server.volumes }, image: `${values.server.image.repository}:${values.server.image.tag}` };
}

describe('kind manifests agree with each other and with what the backend creates and loads', function () {
  this.timeout(60_000);
  let dir: string;
  let ca: { certPem: string; keyPem: string };
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'rekey-chaos-manifests-'));
    ca = await createCa(path.join(dir, 'pki'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  for (const variant of variants) {
    describe(variant.name, () => {
      let manager: ManagerObjects;
      let created: Map<string, string[]>;
      let values: Obj;
      before(async () => {
        manager = await variant.load();
        values = parse(vaultHelmValues({ fullname: 'sva-vault', vaultImage: new KindBackend().vaultImage }));
        const tls = await tlsSecret('vault', 'sva-vault', ca);
        created = new Map([[tls.metadata!.name!, Object.keys(tls.data!)], ...manager.caSecrets]);
        for (const o of manager.objects.filter((x) => x.kind === 'Secret') as Obj[]) created.set(o.metadata.name, Object.keys({ ...o.data, ...o.stringData }));
      });

      it('every Secret a pod mounts is created, with every key the mount reads', () => {
        const pods = [...podTemplates(manager.objects as Obj[]), { owner: 'Vault server (chart values)', ...vaultServerPod(values) }];
        for (const pod of pods) {
          for (const v of (pod.spec.volumes ?? []) as Obj[]) {
            if (!v.secret) continue;
            const keys = created.get(v.secret.secretName);
            expect(keys, `${pod.owner} mounts Secret ${v.secret.secretName}`).to.not.equal(undefined);
            for (const item of v.secret.items ?? []) expect(keys, `${pod.owner}: ${v.secret.secretName} key ${item.key}`).to.include(item.key);
          }
        }
        // The Vault servers read their certificate, key and CA from the TLS Secret by these names.
        expect(created.get('sva-vault-tls')).to.include.members(['tls.crt', 'tls.key', 'ca.crt']);
      });

      it('the manager file the CA path names is in a mounted, created Secret', () => {
        for (const pod of podTemplates(manager.objects as Obj[])) {
          const container = pod.spec.containers.find((c: Obj) => c.name === 'manager') ?? pod.spec.containers[0];
          const caEnv = (container.env ?? []).find((e: Obj) => e.name === 'CA_CERT' || e.name === 'MANAGER_CA_CERT');
          if (!caEnv) continue;
          const mount = (container.volumeMounts ?? []).find((m: Obj) => String(caEnv.value).startsWith(`${m.mountPath}/`));
          expect(mount, `${pod.owner}: ${caEnv.value} lies under a mount`).to.not.equal(undefined);
          const volume = pod.spec.volumes.find((v: Obj) => v.name === mount.name);
          const file = String(caEnv.value).slice(mount.mountPath.length + 1);
          const key = (volume.secret.items ?? []).find((i: Obj) => i.path === file)?.key ?? file;
          expect(created.get(volume.secret.secretName), `${pod.owner}: key ${key} of ${volume.secret.secretName}`).to.include(key);
        }
      });

      it('every label the faults select is on the pods the manifests make, and no pod is taken for the other role', () => {
        const names: ClusterNames = { namespace: 'vault', fullname: 'sva-vault', serverLabelSelector: new KindBackend().names.serverLabelSelector, managerLabelSelector: manager.labelSelector };
        const managers = podTemplates(manager.objects as Obj[]).filter((p) => podRole(p.labels, names) === 'manager');
        expect(managers.map((p) => p.owner), 'manager pods found by the selector').to.have.length(1);
        expect(podRole(vaultServerPod(values).labels, names)).to.equal('server');
      });

      it('every image a pod names is loaded into the nodes', () => {
        const named = [...podTemplates(manager.objects as Obj[]).flatMap((p) => p.spec.containers.map((c: Obj) => c.image)), vaultServerPod(values).image];
        const loaded = new KindBackend().imagesToLoad(manager);
        for (const image of named) expect(loaded, image).to.include(image);
      });

      it('the manager runs as a ServiceAccount bound to a Role that can read pods and create and delete secrets', () => {
        const objects = manager.objects as Obj[];
        const sa = podTemplates(objects)[0]!.spec.serviceAccountName;
        expect(objects.some((o) => o.kind === 'ServiceAccount' && o.metadata.name === sa), `ServiceAccount ${sa}`).to.equal(true);
        const binding = objects.find((o) => o.kind === 'RoleBinding' && (o.subjects ?? []).some((s: Obj) => s.name === sa));
        if (!binding) return; // the fixture chart wraps our manager without RBAC of its own
        const role = objects.find((o) => o.kind === 'Role' && o.metadata.name === binding.roleRef.name);
        expect(role, `Role ${binding.roleRef.name}`).to.not.equal(undefined);
        const can = (resource: string, verb: string) => role!.rules.some((r: Obj) => r.resources.includes(resource) && r.verbs.includes(verb));
        for (const v of ['get', 'list']) expect(can('pods', v), `pods ${v}`).to.equal(true);
        for (const v of ['get', 'create', 'delete']) expect(can('secrets', v), `secrets ${v}`).to.equal(true);
      });
    });
  }
});
