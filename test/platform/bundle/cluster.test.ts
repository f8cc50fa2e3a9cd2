/**
 * The embedded cluster running from bundles (ipBase 127.52.0): the daemon,
 * the three Vault double servers and the manager are plain `node
 * --enable-source-maps <stateDir>/bundles/*.mjs` processes (no tsx loader, no
 * esbuild service in any pod's process group); the manager initializes and
 * unseals Vault; a rekey completes although the manager is killed -9 right
 * after the request (its container restarts from the bundle).
 */
import { expect } from 'chai';
import * as k8s from '@kubernetes/client-node';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BUNDLED_NODE_FLAGS } from '../../../platform/bundle.js';
import { startEmbeddedCluster, type EmbeddedCluster } from '../../../platform/cluster.js';
import { waitFor } from '../../../platform/agent/wait.js';
import { iterationRequestId, MILESTONE_SECRETS, SHARES } from '../../../common/secrets.js';
import { isSettled, serverStates } from '../../../harness/vault-client/health.js';

const NS = 'vault';

/** argv of every live process, by process group. */
async function processesByGroup(): Promise<Map<number, Array<{ pid: number; argv: string[] }>>> {
  const out = new Map<number, Array<{ pid: number; argv: string[] }>>();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = await readFile(`/proc/${name}/stat`, 'latin1');
      const pgid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      const argv = (await readFile(`/proc/${name}/cmdline`, 'latin1')).split('\0').filter((a) => a !== '');
      out.set(pgid, [...(out.get(pgid) ?? []), { pid: Number(name), argv }]);
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}

describe('embedded cluster from bundles (ipBase 127.52.0)', function () {
  this.timeout(120_000);
  let cluster: EmbeddedCluster | undefined;
  let stateDir: string;
  let core: k8s.CoreV1Api;
  let kc: k8s.KubeConfig;

  before(async () => {
    stateDir = await mkdtemp(path.join(tmpdir(), 'rekey-chaos-bundle-'));
    cluster = await startEmbeddedCluster({ stateDir, ipBase: '127.52.0', statusRateMs: 100, runtime: 'bundle' });
    kc = new k8s.KubeConfig();
    kc.loadFromFile(cluster.kubeconfigPath);
    core = kc.makeApiClient(k8s.CoreV1Api);
  });

  after(async () => {
    await cluster?.stop();
    if (stateDir) await rm(stateDir, { recursive: true, force: true });
  });

  async function endpoints() {
    const pods = await core.listNamespacedPod({ namespace: NS, labelSelector: 'component=server' });
    return pods.items.filter((p) => p.status?.podIP).map((p) => ({ pod: p.metadata!.name!, url: `https://${p.status!.podIP}:8200` }));
  }

  /** A digest of the cluster-key shard secrets (compared, never shown). */
  async function clusterKeyDigest(): Promise<string | undefined> {
    const secrets = (await core.listNamespacedSecret({ namespace: NS })).items;
    const h = createHash('sha256');
    for (let i = 0; i < SHARES; i++) {
      const s = secrets.find((x) => x.metadata?.name === `cluster-key-${i}`);
      if (!s?.data?.strdata) return undefined;
      h.update(s.data.strdata);
    }
    return h.digest('hex');
  }

  async function settled(): Promise<boolean> {
    const ca = await readFile(cluster!.caCertPath!, 'utf8');
    return isSettled(await serverStates(await endpoints(), ca), 3);
  }

  function feedEvents(name: string): Array<Record<string, unknown>> {
    const text = fs.existsSync(cluster!.keyFeedPath!) ? fs.readFileSync(cluster!.keyFeedPath!, 'utf8') : '';
    return text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((e) => e.event === name);
  }

  it('runs the daemon and every pod from the bundles, with nothing else in their process groups', async () => {
    const bundles = cluster!.bundles;
    expect(bundles, 'the cluster reports its bundles').to.not.equal(undefined);
    expect(bundles!.dir).to.equal(path.join(stateDir, 'bundles'));
    await waitFor(async () => ((await core.listNamespacedPod({ namespace: NS })).items.filter((p) => p.status?.phase === 'Running').length === 4 ? true : undefined), {
      timeoutMs: 30_000,
      what: 'four running pods',
    });
    const groups = await processesByGroup();
    const daemonPid = Number(fs.readFileSync(path.join(stateDir, 'daemon.pid'), 'utf8'));
    const daemon = [...groups.values()].flat().find((p) => p.pid === daemonPid);
    expect(daemon?.argv.slice(1), 'daemon argv').to.deep.equal([...BUNDLED_NODE_FLAGS.daemon, '--enable-source-maps', bundles!.daemon, '--state-dir', stateDir, '--repo-root', path.resolve('.'), '--owner-fd', '3', '--owner-pid', String(process.pid)]);
    const podGroups = (await readdir(path.join(stateDir, 'pids'))).map((pgid) => ({ pgid: Number(pgid), pod: fs.readFileSync(path.join(stateDir, 'pids', pgid), 'utf8').trim() }));
    expect(podGroups.map((g) => g.pod).sort()).to.deep.equal(['sva-vault-0', 'sva-vault-1', 'sva-vault-2', 'sva-vault-manager-0']);
    for (const { pgid, pod } of podGroups) {
      const members = groups.get(pgid) ?? [];
      const bundle = pod.includes('manager') ? bundles!.manager : bundles!.vault;
      expect(members.map((m) => m.argv.slice(1)), `${pod}: one process, its bundle`).to.deep.equal([[...BUNDLED_NODE_FLAGS[pod.includes('manager') ? 'manager' : 'vault'], '--enable-source-maps', bundle]]);
    }
  });

  it('comes up initialized and unsealed, and completes a rekey through a kill -9 of the manager', async () => {
    await waitFor(async () => ((await clusterKeyDigest()) !== undefined && (await settled()) ? true : undefined), {
      timeoutMs: 60_000,
      what: 'an initialized, unsealed Vault with cluster-key stored',
      pollMs: 100,
    });
    const before = await clusterKeyDigest();
    const rotationsBefore = feedEvents('rotated').length;
    const created = await core.createNamespacedSecret({
      namespace: NS,
      body: { metadata: { name: 'cluster-rekey-request' }, type: 'Opaque', data: { strdata: Buffer.from(iterationRequestId(1)).toString('base64') } },
    });
    expect(created.metadata?.resourceVersion).to.be.a('string');
    await cluster!.agent.killProcess(NS, 'sva-vault-manager-0');
    await waitFor(
      async () => {
        const names = new Set((await core.listNamespacedSecret({ namespace: NS })).items.map((s) => s.metadata?.name));
        return feedEvents('rotated').length > rotationsBefore && !MILESTONE_SECRETS.some((m) => names.has(m)) && (await settled()) ? true : undefined;
      },
      { timeoutMs: 60_000, what: 'the rekey to complete and Vault to settle', pollMs: 100 },
    );
    expect(await clusterKeyDigest(), 'cluster-key holds new shards').to.not.equal(before);
    const manager = (await core.readNamespacedPod({ namespace: NS, name: 'sva-vault-manager-0' })).status?.containerStatuses?.[0];
    expect(manager?.restartCount, 'the manager restarted in place').to.be.at.least(1);
    const logs = await readdir(path.join(cluster!.logDir, 'sva-vault-manager-0'));
    const restartedLog = await readFile(path.join(cluster!.logDir, 'sva-vault-manager-0', 'manager-1.log'), 'utf8');
    expect(logs).to.include('manager-1.log');
    expect(restartedLog, 'the restarted manager runs (a bundle that failed to load would log nothing or an error)').to.match(/ INFO /);
    expect(restartedLog).to.not.match(/ ERROR /);
  });
});
