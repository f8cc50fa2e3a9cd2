import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const DEPLOY = path.join(ROOT, 'manager', 'deploy');

/** Top-level folders of every source file reachable by relative imports from `entry`. */
async function importClosureFolders(entry: string): Promise<Set<string>> {
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = await readFile(file, 'utf8');
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
      queue.push(path.resolve(path.dirname(file), m[1]!).replace(/\.js$/, '.ts'));
    }
  }
  return new Set([...seen].map((f) => path.relative(ROOT, f).split(path.sep)[0]!));
}

async function docs(file: string): Promise<Record<string, any>[]> {
  const parsed = parseAllDocuments(await readFile(path.join(DEPLOY, file), 'utf8'));
  for (const d of parsed) expect(d.errors, `${file}: ${d.errors.join('; ')}`).to.deep.equal([]);
  return parsed.map((d) => d.toJS() as Record<string, any>);
}

describe('manager deployment manifests', () => {
  it('grant exactly pods get/list/watch and secrets get/list/create/delete, namespace-agnostic, bound to the manager account', async () => {
    const all = await docs('rbac.yaml');
    expect(all.map((d) => d.kind).sort()).to.deep.equal(['Role', 'RoleBinding', 'ServiceAccount']);
    for (const d of all) expect(d.metadata.namespace, `${d.kind} must not pin a namespace`).to.equal(undefined);
    const role = all.find((d) => d.kind === 'Role')!;
    const rules = (role.rules as { apiGroups: string[]; resources: string[]; verbs: string[] }[]).map((r) => ({
      apiGroups: r.apiGroups,
      resources: [...r.resources].sort(),
      verbs: [...r.verbs].sort(),
    }));
    expect(rules).to.have.deep.members([
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['secrets'], verbs: ['create', 'delete', 'get', 'list'] },
    ]);
    expect(rules).to.have.length(2);
    const binding = all.find((d) => d.kind === 'RoleBinding')!;
    const account = all.find((d) => d.kind === 'ServiceAccount')!;
    expect(binding.roleRef).to.deep.include({ kind: 'Role', name: role.metadata.name });
    expect(binding.subjects).to.deep.equal([{ kind: 'ServiceAccount', name: account.metadata.name }]);
  });

  it('run one manager replica with the contract env and the CA mounted from a secret', async () => {
    const [sts] = await docs('statefulset.yaml');
    expect(sts!.kind).to.equal('StatefulSet');
    expect(sts!.spec.replicas).to.equal(1);
    const pod = sts!.spec.template.spec;
    expect(pod.serviceAccountName).to.equal((await docs('rbac.yaml')).find((d) => d.kind === 'ServiceAccount')!.metadata.name);
    expect(sts!.spec.template.metadata.labels).to.deep.include({ 'app.kubernetes.io/name': 'vault-manager', component: 'manager' });
    const c = pod.containers[0];
    const env = Object.fromEntries((c.env as { name: string; value?: string }[]).map((e) => [e.name, e]));
    for (const name of ['MANAGER_NAMESPACE', 'MANAGER_VAULT_FULLNAME', 'MANAGER_CA_CERT', 'MANAGER_STATUS_RATE_MS', 'MANAGER_UNSEAL_WAIT_INTERVALS', 'MANAGER_API_TIMEOUT_MS']) {
      expect(env, name).to.have.property(name);
    }
    const caPath = (env.MANAGER_CA_CERT as { value: string }).value;
    const mount = (c.volumeMounts as { name: string; mountPath: string }[]).find((m) => caPath.startsWith(`${m.mountPath}/`));
    expect(mount, 'a mount holding MANAGER_CA_CERT').to.not.equal(undefined);
    const volume = (pod.volumes as { name: string; secret?: { secretName: string } }[]).find((v) => v.name === mount!.name);
    expect(volume?.secret?.secretName).to.be.a('string');
  });

  it('build the image from node:20-slim running manager/main.ts with tsx', async () => {
    const dockerfile = await readFile(path.join(DEPLOY, 'Dockerfile'), 'utf8');
    expect(dockerfile).to.match(/^FROM node:20-slim$/m);
    expect(dockerfile).to.match(/COPY manager\/ manager\//);
    // The image holds exactly the folders the manager's import closure reaches: common/ and manager/.
    const folders = await importClosureFolders(path.join(ROOT, 'manager', 'main.ts'));
    expect([...folders].sort()).to.deep.equal(['common', 'manager']);
    for (const folder of folders) expect(dockerfile).to.include(`COPY ${folder}/ ${folder}/`);
    expect(dockerfile).to.match(/ENTRYPOINT \["node", "--import", "tsx", "manager\/main.ts"\]/);
  });
});
