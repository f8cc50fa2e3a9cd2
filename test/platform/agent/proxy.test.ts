/**
 * The active-service proxy follows the `vault-active` label: relabel pods
 * through the API (merge patch, as kubectl/client-node do) and each new
 * connection lands on the labelled pod.
 */
import fs from 'node:fs';
import net from 'node:net';
import { expect } from 'chai';
import { PatchStrategy, setHeaderOptions, type CoreV1Api } from '@kubernetes/client-node';
import { startEmbeddedCluster, type EmbeddedCluster } from '../../../platform/cluster.js';
import { isReady, kube, IP_BASE, NAME_SERVER, newMarker, NS, pidsWithMarker, scriptWorkload, tempStateDir, waitForPod } from './helpers.js';

/** Connects to the proxy and returns what the server sent, or 'refused' when the proxy dropped the connection. */
function ask(): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: `${IP_BASE}.2`, port: 8200 });
    let data = '';
    socket.on('data', (c) => (data += c));
    socket.on('error', () => resolve(data || 'refused'));
    socket.on('close', () => resolve(data || 'refused'));
  });
}

describe('agent: active-service proxy', function () {
  let cluster: EmbeddedCluster;
  let core: CoreV1Api;
  let stateDir: string;
  const marker = newMarker();

  const label = (pod: string, value: string | null) =>
    core.patchNamespacedPod({ name: pod, namespace: NS, body: { metadata: { labels: { 'vault-active': value } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));

  before(async () => {
    stateDir = tempStateDir();
    cluster = await startEmbeddedCluster({ stateDir, ipBase: IP_BASE, vault: false, manager: false });
    ({ core } = kube(cluster.kubeconfigPath));
    await cluster.agent.putWorkload(
      scriptWorkload('sva-vault', NAME_SERVER, marker, {
        replicas: 3,
        labels: { 'app.kubernetes.io/name': 'vault', 'app.kubernetes.io/instance': 'sva-vault', component: 'server' },
        readiness: { tcpPort: 8200 },
      }),
    );
    for (const i of [0, 1, 2]) await waitForPod(core, `sva-vault-${i}`, isReady, `sva-vault-${i} listening`);
  });

  after(async () => {
    await cluster?.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
    expect(pidsWithMarker(marker)).to.deep.equal([]);
  });

  it('refuses connections while no server pod is labelled active', async () => {
    expect(await ask()).to.equal('refused');
  });

  it('forwards each new connection to the pod labelled vault-active=true, following relabels at once', async () => {
    await label('sva-vault-1', 'true');
    expect(await ask()).to.equal('sva-vault-1');
    // failover: the label moves; the very next connection follows it
    await label('sva-vault-1', 'false');
    await label('sva-vault-2', 'true');
    expect(await ask()).to.equal('sva-vault-2');
    await label('sva-vault-2', null);
    expect(await ask()).to.equal('refused');
  });

  it('with two pods labelled active picks the lowest ordinal, deterministically', async () => {
    await label('sva-vault-2', 'true');
    await label('sva-vault-0', 'true');
    for (let i = 0; i < 3; i++) expect(await ask()).to.equal('sva-vault-0');
    await label('sva-vault-0', 'false');
    expect(await ask()).to.equal('sva-vault-2');
  });

  it('follows the active pod to its new address after it is deleted and recreated (labels are set again by its owner)', async () => {
    const old = await waitForPod(core, 'sva-vault-2', isReady, 'sva-vault-2');
    await core.deleteNamespacedPod({ name: 'sva-vault-2', namespace: NS, gracePeriodSeconds: 0 });
    expect(await ask()).to.equal('refused'); // the recreated pod carries no vault-active label yet
    const fresh = await waitForPod(core, 'sva-vault-2', (p) => p.metadata?.uid !== old.metadata?.uid && isReady(p), 'sva-vault-2 recreated');
    expect(fresh.status?.podIP).to.not.equal(old.status?.podIP);
    await label('sva-vault-2', 'true');
    expect(await ask()).to.equal('sva-vault-2');
  });
});
