/**
 * Milestone gates end to end on the embedded cluster with the reference
 * manager (ipBase 127.51.0): pods run with the pod credential; a gate on
 * `cluster-rekey-2` pauses the manager right there (cluster-rekey-3 never
 * appears while closed, even from the restarted manager, whose write is
 * held); the manager is killed through the agent API while paused; after
 * the release the rekey completes and cluster-key opens the key in effect.
 */
import { expect } from 'chai';
import * as k8s from '@kubernetes/client-node';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { keyFingerprint } from '../../common/fingerprint.js';
import { combine, subsets } from '../../common/shamir.js';
import { iterationRequestId, MILESTONE_SECRETS } from '../../common/secrets.js';
import { startEmbeddedCluster, type EmbeddedCluster } from '../../platform/cluster.js';
import { armMilestoneGate } from '../../harness/backends/embedded-gates.js';
import { KubeSecretStore } from '../../manager/kube/secret-store.js';
import { readSnapshot } from '../../manager/sets.js';
import { until } from './support.js';

describe('gates: end to end on the embedded cluster (ipBase 127.51.0)', function () {
  this.timeout(120_000);
  let cluster: EmbeddedCluster | undefined;
  let stateDir = '';
  let core: k8s.CoreV1Api;
  let store: KubeSecretStore;

  before(async () => {
    stateDir = await mkdtemp(path.join(tmpdir(), 'rekey-chaos-gates-'));
    cluster = await startEmbeddedCluster({ stateDir, ipBase: '127.51.0', statusRateMs: 100 });
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(cluster.kubeconfigPath);
    core = kc.makeApiClient(k8s.CoreV1Api);
    store = new KubeSecretStore(core, 'vault');
  });
  after(async () => {
    await cluster?.stop();
    if (stateDir) await rm(stateDir, { recursive: true, force: true });
  });

  const manager = 'sva-vault-manager-0';
  const restartsOf = async () => (await core.readNamespacedPod({ name: manager, namespace: 'vault' })).status?.containerStatuses?.[0]?.restartCount ?? 0;
  const keyInEffect = async () => {
    const lines = (await readFile(cluster!.keyFeedPath!, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { event: string; keyFp?: string });
    return lines.filter((l) => l.event === 'key-in-effect').at(-1)?.keyFp;
  };

  it('pods get the pod credential; the harness keeps its own', async () => {
    const pod = await core.readNamespacedPod({ name: manager, namespace: 'vault' });
    const env = Object.fromEntries((pod.spec?.containers[0]?.env ?? []).map((e) => [e.name, e.value]));
    expect(env.KUBECONFIG).to.equal(path.join(stateDir, 'pod-kubeconfig'));
    expect(cluster!.kubeconfigPath).to.equal(path.join(stateDir, 'kubeconfig'));
    const [harness, pods] = await Promise.all([readFile(cluster!.kubeconfigPath, 'utf8'), readFile(env.KUBECONFIG!, 'utf8')]);
    const token = (y: string) => /token: (\S+)/.exec(y)?.[1];
    expect(token(harness)).to.be.a('string');
    expect(token(pods)).to.be.a('string').and.not.equal(token(harness));
  });

  it('a gate on cluster-rekey-2 pauses the manager there; killed and restarted it stays paused; released, the rekey completes with cluster-key intact', async () => {
    await until('an initialized cluster (cluster-key complete, no rekey running)', async () => {
      const snap = await readSnapshot(store).catch(() => undefined);
      return snap && snap.sets['cluster-key'].state === 'complete' && !MILESTONE_SECRETS.some((m) => snap.milestones[m]) ? snap : undefined;
    }, 60_000, 100);
    const before = (await readSnapshot(store)).sets['cluster-key'].shares as Uint8Array[];
    const keyBefore = await keyInEffect();

    // Released on every path when the test ends (the explicit release below is what it checks).
    await using gate = await armMilestoneGate(cluster, 'cluster-rekey-2', { maxHoldMs: 60_000 });
    expect(gate?.kind).to.equal('kubernetes');
    await core.createNamespacedSecret({
      namespace: 'vault',
      body: { metadata: { name: 'cluster-rekey-request' }, type: 'Opaque', data: { strdata: Buffer.from(iterationRequestId(1)).toString('base64') } },
    });
    const closed = await gate!.waitClosed({ timeoutMs: 60_000 });
    expect(closed.closed).to.equal(true);
    const present = async () => (await readSnapshot(store)).sets['cluster-rekey'].present;
    expect(await present()).to.deep.equal([0, 1, 2]);

    const restarts = await restartsOf();
    await cluster!.agent.killProcess('vault', manager);
    await until('the manager restarted', async () => ((await restartsOf()) > restarts ? true : undefined), 30_000, 50);
    // The restarted manager tries to go on; its write waits at the gate and nothing new appears.
    await until('a write of the restarted manager held', async () => ((await gate!.status()).held >= 1 ? true : undefined), 30_000, 20);
    expect(await present(), 'cluster-rekey-3 must not exist while the gate is closed').to.deep.equal([0, 1, 2]);
    expect((await gate!.status()).state).to.equal('closed');

    const released = await gate!.release();
    expect(released.state).to.equal('released');
    expect(released.releasedAt!).to.be.at.least(released.closedAt!);

    await until('the rekey to complete', async () => {
      const snap = await readSnapshot(store);
      return !MILESTONE_SECRETS.some((m) => snap.milestones[m]) && snap.sets['cluster-rekey'].state === 'absent' && snap.sets['cluster-key'].state === 'complete' ? true : undefined;
    }, 60_000, 100);
    const after = (await readSnapshot(store)).sets['cluster-key'].shares as Uint8Array[];
    expect(after.some((s, i) => !Buffer.from(s).equals(Buffer.from(before[i]!))), 'cluster-key was rotated').to.equal(true);
    const keyAfter = await keyInEffect();
    expect(keyAfter).to.be.a('string').and.not.equal(keyBefore);
    for (const subset of subsets(5, 3)) {
      expect(keyFingerprint(await combine(subset.map((i) => after[i]!))), `subset ${subset} opens the key in effect`).to.equal(keyAfter);
    }
  });
});
