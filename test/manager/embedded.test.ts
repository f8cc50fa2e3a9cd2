/**
 * The reference manager as the pod `sva-vault-manager-0` of the embedded
 * cluster (real processes, real HTTPS to the Vault double, real Kubernetes
 * API semantics): it initializes and unseals a new cluster; two rekeys —
 * one requested through @kubernetes/client-node, one with `kubectl create
 * secret generic --from-file` — complete; the state satisfies I2–I4 and I7
 * through Vault's own API; and the manager's log has no WARNING or ERROR.
 */
import { expect } from 'chai';
import * as k8s from '@kubernetes/client-node';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startEmbeddedCluster, type EmbeddedCluster } from '../../platform/cluster.js';
import { waitFor } from '../../platform/agent/wait.js';
import { iterationRequestId, isRekeyArtefact, MILESTONE_SECRETS, ROOT_TOKEN_SECRET } from '../../common/secrets.js';
import { subsets } from '../../common/shamir.js';
import { KubeSecretStore } from '../../manager/kube/secret-store.js';
import { KubePods } from '../../manager/kube/pods.js';
import { HttpsVaultApi } from '../../manager/vault/https-api.js';
import { auditShares } from '../../manager/rekey/audit.js';
import { createLogger } from '../../manager/log.js';
import { readSnapshot } from '../../manager/sets.js';
import { healthState } from '../../manager/vault/answers.js';
import type { ManagerContext } from '../../manager/context.js';

const run = promisify(execFile);

describe('manager in the embedded cluster (ipBase 127.45.0)', function () {
  this.timeout(120000);
  let cluster: EmbeddedCluster | undefined;
  let stateDir: string;
  let core: k8s.CoreV1Api;
  let store: KubeSecretStore;
  let vault: HttpsVaultApi;

  before(async function () {
    stateDir = await mkdtemp(path.join(tmpdir(), 'rekey-chaos-manager-'));
    cluster = await startEmbeddedCluster({ stateDir, ipBase: '127.45.0', statusRateMs: 100 });
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(cluster.kubeconfigPath);
    core = kc.makeApiClient(k8s.CoreV1Api);
    store = new KubeSecretStore(core, 'vault');
    vault = new HttpsVaultApi({
      namespace: 'vault',
      fullName: 'sva-vault',
      ca: await readFile(cluster.caCertPath ?? path.join(stateDir, 'pki', 'ca.crt'), 'utf8'),
      hosts: { 'sva-vault-active.vault.svc.cluster.local': cluster.state.proxyAddress.replace(/:\d+$/, '') },
      timeoutMs: 3000,
    });
  });

  after(async () => {
    await cluster?.stop();
    if (stateDir) await rm(stateDir, { recursive: true, force: true });
  });

  async function serverStates(): Promise<string[]> {
    const pods = await new KubePods(core, 'vault', 'sva-vault').listServers();
    const out: string[] = [];
    for (const p of pods) {
      if (!p.ip) continue;
      try {
        out.push(healthState(await vault.health({ pod: p.name, ip: p.ip })));
      } catch {
        out.push('unreachable');
      }
    }
    return out;
  }

  /** A watch on the namespace's secrets that resolves when the request and every other milestone are deleted. */
  async function requestGone(resourceVersion: string): Promise<void> {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(cluster!.kubeconfigPath);
    let abort: AbortController | undefined;
    const gone = new Promise<void>((resolve, reject) => {
      new k8s.Watch(kc)
        .watch('/api/v1/namespaces/vault/secrets', { resourceVersion }, (type, obj: k8s.V1Secret) => {
          if (type !== 'DELETED' || !(MILESTONE_SECRETS as readonly string[]).includes(obj.metadata?.name ?? '')) return;
          readSnapshot(store).then((snap) => {
            if (!MILESTONE_SECRETS.some((m) => snap.milestones[m])) resolve();
          }, reject);
        }, (err) => (err ? reject(err) : undefined))
        .then((a) => (abort = a), reject);
    });
    const timeout = setTimeout(() => abort?.abort(), 60000);
    try {
      await Promise.race([gone, new Promise((_, reject) => setTimeout(() => reject(new Error('rekey did not complete within 60 s')), 60000).unref())]);
    } finally {
      clearTimeout(timeout);
      abort?.abort();
    }
  }

  const auditCtx = (): ManagerContext => ({ vault, log: createLogger('ERROR', () => {}) }) as unknown as ManagerContext;

  async function checkFinalState(before: Uint8Array[]): Promise<Uint8Array[]> {
    const snap = await readSnapshot(store);
    expect(snap.sets['cluster-key'].state, 'I2 cluster-key complete').to.equal('complete');
    expect(snap.secrets.has(ROOT_TOKEN_SECRET), 'I2 root token').to.equal(true);
    expect([...snap.secrets.keys()].filter(isRekeyArtefact), 'I2 no artefacts').to.deep.equal([]);
    const now = snap.sets['cluster-key'].shares as Uint8Array[];
    expect(now.some((s, i) => !Buffer.from(s).equals(Buffer.from(before[i]!))), 'I3 shards changed').to.equal(true);
    expect(await auditShares(auditCtx(), 'old cluster-key', before.slice(0, 3)), 'I3 old shards rejected').to.equal('not-current');
    for (const subset of subsets(5, 3)) {
      expect(await auditShares(auditCtx(), `subset ${subset}`, subset.map((i) => now[i]!)), `I7 subset ${subset}`).to.equal('current');
    }
    const states = await serverStates();
    expect(states.filter((s) => s === 'active'), 'I4 one active').to.have.length(1);
    expect(states.filter((s) => s === 'standby'), 'I4 two unsealed standbys').to.have.length(2);
    return now;
  }

  it('initializes and unseals a new cluster, then completes rekeys requested by client-node and by kubectl, with a clean log', async () => {
    await waitFor(async () => {
      const snap = await readSnapshot(store);
      const states = await serverStates();
      return snap.sets['cluster-key'].state === 'complete' && states.length === 3 && states.every((s) => s === 'active' || s === 'standby') ? true : undefined;
    }, { timeoutMs: 60000, what: 'an initialized, unsealed Vault', pollMs: 200 });
    let shards = (await readSnapshot(store)).sets['cluster-key'].shares as Uint8Array[];

    const created = await core.createNamespacedSecret({
      namespace: 'vault',
      body: { metadata: { name: 'cluster-rekey-request' }, type: 'Opaque', data: { strdata: Buffer.from(iterationRequestId(1)).toString('base64') } },
    });
    await requestGone(created.metadata!.resourceVersion!);
    shards = await checkFinalState(shards);

    const file = path.join(stateDir, 'request.txt');
    await writeFile(file, iterationRequestId(2));
    const list = await core.listNamespacedSecret({ namespace: 'vault' });
    const watch = requestGone(list.metadata!.resourceVersion!);
    await run('kubectl', ['--kubeconfig', cluster!.kubeconfigPath, '-n', 'vault', 'create', 'secret', 'generic', 'cluster-rekey-request', `--from-file=strdata=${file}`]);
    await watch;
    await checkFinalState(shards);

    const logDir = path.join(cluster!.logDir, 'sva-vault-manager-0');
    const lines = (await Promise.all((await readdir(logDir)).map((f) => readFile(path.join(logDir, f), 'utf8')))).join('').split('\n');
    expect(lines.filter((l) => l.includes(' INFO rekey complete')), 'two completions logged').to.have.length(2);
    const problems = lines.filter((l) => / (WARNING|ERROR) /.test(l));
    expect(problems, problems.join('\n')).to.deep.equal([]);
  });
});
