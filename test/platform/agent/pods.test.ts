/**
 * The node agent through the real API server and client-node: pod delete
 * recreates, process kill restarts in place, crash loops back off, node loss,
 * pod logs, the agent API's errors.
 */
import fs from 'node:fs';
import { expect } from 'chai';
import type { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { startEmbeddedCluster, type EmbeddedCluster } from '../../../platform/cluster.js';
import { AgentApiError } from '../../../platform/agent/client.js';
import { podKubeconfigPath } from '../../../platform/apiserver/kubeconfig.js';
import { alive, getPod, isReady, kube, IP_BASE, newMarker, NS, pidsWithMarker, recordPodEvents, scriptWorkload, SLEEPER, tempStateDir, waitFor, waitForLog, waitForPod } from './helpers.js';

describe('agent: pods as process groups', function () {
  let cluster: EmbeddedCluster;
  let core: CoreV1Api;
  let kc: KubeConfig;
  let stateDir: string;
  const marker = newMarker();

  before(async () => {
    stateDir = tempStateDir();
    cluster = await startEmbeddedCluster({ stateDir, ipBase: IP_BASE, vault: false, manager: false });
    ({ core, kc } = kube(cluster.kubeconfigPath));
  });

  after(async () => {
    await cluster?.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
    expect(pidsWithMarker(marker), 'pod processes left after stop').to.deep.equal([]);
  });

  afterEach(async () => {
    for (const w of await cluster.agent.workloads()) await cluster.agent.deleteWorkload(w.name);
  });

  it('gives pods the env contract, their own loopback address and a node', async () => {
    await cluster.agent.putWorkload(scriptWorkload('env', SLEEPER, marker, { replicas: 3, env: { REKEY_CHAOS_TEST_MARKER: marker, GREETING: 'hello {pod}' } }));
    const pods = await Promise.all([0, 1, 2].map((i) => waitForPod(core, `env-${i}`, isReady, `env-${i} ready`)));
    expect(pods.map((p) => p.spec?.nodeName)).to.deep.equal(['controller-0', 'controller-1', 'worker-0']);
    const ips = pods.map((p) => p.status?.podIP);
    expect(new Set(ips).size).to.equal(3);
    for (const ip of ips) expect(ip).to.match(/^127\.43\.0\.(1\d|[2-9]\d|1\d\d|2[0-4]\d|25[0-4])$/);
    expect(pods[0]!.status?.podIPs).to.deep.equal([{ ip: ips[0] }]);
    expect(pods[0]!.status?.phase).to.equal('Running');
    expect(pods[0]!.spec?.containers?.[0]?.name).to.equal('main');
    const proc = (await cluster.agent.processes()).find((p) => p.pod === 'env-1')!;
    const environ = fs.readFileSync(`/proc/${proc.pid}/environ`, 'latin1').split('\0');
    expect(environ).to.include.members([
      'POD_NAME=env-1',
      `POD_NAMESPACE=${NS}`,
      `POD_IP=${ips[1]}`,
      'NODE_NAME=controller-1',
      // Pods carry their own credential, not the harness's kubeconfig.
      `KUBECONFIG=${podKubeconfigPath(cluster.stateDir)}`,
      `REKEY_CHAOS_PARENT_PID=${cluster.state.pid}`,
      'GREETING=hello env-1',
    ]);
    expect(fs.existsSync(`${stateDir}/pids/${proc.pid}`), 'process group recorded').to.equal(true);
  });

  it('pod delete: SIGTERM, grace, removal, then a new pod (new uid, new IP) observed through client-node', async () => {
    await cluster.agent.putWorkload(scriptWorkload('del', SLEEPER, marker));
    const before = await waitForPod(core, 'del-0', isReady, 'del-0 ready');
    await waitForLog(stateDir, 'del-0', 'main-0.log', 'started'); // its SIGTERM handler is installed
    const oldPid = (await cluster.agent.processes()).find((p) => p.pod === 'del-0')!.pid;
    const watch = await recordPodEvents(kc);
    try {
      await core.deleteNamespacedPod({ name: 'del-0', namespace: NS });
      const after = await waitForPod(core, 'del-0', (p) => p.metadata?.uid !== before.metadata?.uid && isReady(p), 'a recreated del-0');
      expect(after.metadata?.uid).to.not.equal(before.metadata?.uid);
      expect(after.status?.podIP).to.not.equal(before.status?.podIP);
      expect(after.status?.containerStatuses?.[0]?.restartCount).to.equal(0);
      expect(alive(oldPid), 'old process gone').to.equal(false);
      const mine = watch.events.filter((e) => e.name === 'del-0');
      const marked = mine.findIndex((e) => e.uid === before.metadata?.uid && e.deleting);
      const deleted = mine.findIndex((e) => e.type === 'DELETED' && e.uid === before.metadata?.uid);
      const added = mine.findIndex((e) => e.type === 'ADDED' && e.uid === after.metadata?.uid);
      expect(marked, 'deletionTimestamp set first').to.be.greaterThan(-1);
      expect(deleted, 'then DELETED').to.be.greaterThan(marked);
      expect(added, 'then the new pod ADDED').to.be.greaterThan(deleted);
      // The old container got SIGTERM and exited on it, within the grace period.
      const oldLog = fs.readdirSync(`${stateDir}/logs/del-0/previous`).map((d) => fs.readFileSync(`${stateDir}/logs/del-0/previous/${d}/main-0.log`, 'utf8'));
      expect(oldLog.join('')).to.contain('got SIGTERM');
    } finally {
      watch.stop();
    }
  });

  it('pod delete waits the grace period for a process that ignores SIGTERM, then SIGKILLs it', async () => {
    const stubborn = `process.on('SIGTERM', () => console.log('ignoring SIGTERM')); console.log('up'); setInterval(() => {}, 1000);`;
    await cluster.agent.putWorkload(scriptWorkload('stubborn', stubborn, marker, { terminationGracePeriodSeconds: 1 }));
    const before = await waitForPod(core, 'stubborn-0', isReady, 'stubborn-0 ready');
    await waitForLog(stateDir, 'stubborn-0', 'main-0.log', 'up');
    const oldPid = (await cluster.agent.processes()).find((p) => p.pod === 'stubborn-0')!.pid;
    await core.deleteNamespacedPod({ name: 'stubborn-0', namespace: NS });
    // Still there, terminating, with its process alive right after the delete (it ignores SIGTERM).
    const terminating = await getPod(core, 'stubborn-0');
    expect(terminating?.metadata?.uid).to.equal(before.metadata?.uid);
    expect(terminating?.metadata?.deletionTimestamp).to.not.equal(undefined);
    expect(alive(oldPid)).to.equal(true);
    const after = await waitForPod(core, 'stubborn-0', (p) => p.metadata?.uid !== before.metadata?.uid && isReady(p), 'a recreated stubborn-0');
    expect(alive(oldPid)).to.equal(false);
    expect(after.status?.podIP).to.not.equal(before.status?.podIP);
  });

  it('force delete (grace 0) removes the pod from the API at once and recreates it', async () => {
    await cluster.agent.putWorkload(scriptWorkload('force', SLEEPER, marker, { terminationGracePeriodSeconds: 30 }));
    const before = await waitForPod(core, 'force-0', isReady, 'force-0 ready');
    await core.deleteNamespacedPod({ name: 'force-0', namespace: NS, gracePeriodSeconds: 0 });
    const right = await getPod(core, 'force-0');
    expect(right === undefined || right.metadata?.uid !== before.metadata?.uid, 'old object gone immediately').to.equal(true);
    const after = await waitForPod(core, 'force-0', (p) => p.metadata?.uid !== before.metadata?.uid && isReady(p), 'a recreated force-0');
    expect(after.metadata?.uid).to.not.equal(before.metadata?.uid);
  });

  it('process kill: same pod, same IP, restartCount+1, a new process', async () => {
    await cluster.agent.putWorkload(scriptWorkload('kill', SLEEPER, marker));
    const before = await waitForPod(core, 'kill-0', isReady, 'kill-0 ready');
    await waitForLog(stateDir, 'kill-0', 'main-0.log', 'started');
    const killed = await cluster.agent.killProcess(NS, 'kill-0');
    expect(killed.pid).to.be.a('number');
    const after = await waitForPod(core, 'kill-0', (p) => p.status?.containerStatuses?.[0]?.restartCount === 1 && isReady(p), 'kill-0 restarted');
    expect(after.metadata?.uid).to.equal(before.metadata?.uid);
    expect(after.status?.podIP).to.equal(before.status?.podIP);
    expect(after.status?.containerStatuses?.[0]?.lastState?.terminated?.signal).to.equal(9);
    const now = (await cluster.agent.processes()).find((p) => p.pod === 'kill-0')!;
    expect(now.pid).to.not.equal(killed.pid);
    expect(alive(killed.pid)).to.equal(false);
    // pod logs through the API: the current run and, with previous, the killed one
    await waitForLog(stateDir, 'kill-0', 'main-1.log', 'started');
    const current = await core.readNamespacedPodLog({ name: 'kill-0', namespace: NS });
    expect(current).to.equal(`started kill-0 ${before.status?.podIP}\n`);
    const previous = await core.readNamespacedPodLog({ name: 'kill-0', namespace: NS, previous: true, tailLines: 1 });
    expect(previous).to.equal(`started kill-0 ${before.status?.podIP}\n`);
    expect(fs.existsSync(`${stateDir}/logs/kill-0/main-0.log`)).to.equal(true);
  });

  it('a crash-looping container backs off, doubling the delay between starts', async () => {
    await cluster.agent.putWorkload(scriptWorkload('crash', `console.log('crashing'); process.exit(3)`, marker));
    const watch = await recordPodEvents(kc);
    try {
      await waitForPod(core, 'crash-0', (p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 4, 'four restarts');
      const pod = (await getPod(core, 'crash-0'))!;
      expect(pod.status?.containerStatuses?.[0]?.lastState?.terminated?.exitCode).to.equal(3);
      expect(pod.status?.containerStatuses?.[0]?.ready).to.equal(false);
      const mine = watch.events.filter((e) => e.name === 'crash-0');
      expect(mine.some((e) => e.state === 'CrashLoopBackOff'), 'CrashLoopBackOff reported').to.equal(true);
      // Start instants of runs 1..4 (restartCount 0..3 at start). Run k+1 cannot start before run k's start
      // plus the back-off of 100·2^k ms: a lower bound, so this cannot flake on a slow machine.
      const starts = new Map<number, number>();
      for (const e of mine) if (e.state === 'running' && e.startedAt && !starts.has(e.restarts)) starts.set(e.restarts, Date.parse(e.startedAt));
      for (let k = 0; k < 3; k++) {
        const a = starts.get(k);
        const b = starts.get(k + 1);
        if (a === undefined || b === undefined) continue;
        expect(b - a, `gap after crash ${k + 1}`).to.be.at.least(100 * 2 ** k - 2);
      }
      expect(starts.size, 'observed several starts').to.be.at.least(3);
    } finally {
      watch.stop();
    }
  });

  it('node loss: the node\'s pods die, stay not ready while it is down, then restart in place', async () => {
    await cluster.agent.putWorkload(scriptWorkload('node', SLEEPER, marker, { replicas: 2 }));
    const [p0, p1] = await Promise.all([waitForPod(core, 'node-0', isReady, 'node-0 ready'), waitForPod(core, 'node-1', isReady, 'node-1 ready')]);
    const procs = await cluster.agent.processes();
    const pid0 = procs.find((p) => p.pod === 'node-0')!.pid;
    const pid1 = procs.find((p) => p.pod === 'node-1')!.pid;
    const failure = await cluster.agent.failNode('controller-1', 800);
    expect(failure.pods).to.deep.equal(['node-1']);
    await waitForPod(core, 'node-1', (p) => p.status?.containerStatuses?.[0]?.ready === false, 'node-1 not ready');
    await waitFor(() => !alive(pid1), { timeoutMs: 5000, what: 'node-1 process killed' });
    expect((await cluster.agent.nodes()).find((n) => n.name === 'controller-1')?.ready).to.equal(false);
    const back = await waitForPod(core, 'node-1', (p) => isReady(p) && p.status?.containerStatuses?.[0]?.restartCount === 1, 'node-1 back');
    expect(Date.now()).to.be.at.least(failure.until - 5);
    expect(back.metadata?.uid).to.equal(p1.metadata?.uid);
    expect(back.status?.podIP).to.equal(p1.status?.podIP);
    // the pod on the other node was untouched
    expect(alive(pid0)).to.equal(true);
    expect((await getPod(core, 'node-0'))?.status?.containerStatuses?.[0]?.restartCount).to.equal(0);
    expect(p0.spec?.nodeName).to.equal('controller-0');
  });

  it('replacing a workload recreates its pods from the new spec', async () => {
    await cluster.agent.putWorkload(scriptWorkload('swap', SLEEPER, marker, { env: { REKEY_CHAOS_TEST_MARKER: marker, VARIANT: 'a' } }));
    const a = await waitForPod(core, 'swap-0', isReady, 'swap-0 ready');
    await cluster.agent.putWorkload(scriptWorkload('swap', SLEEPER, marker, { env: { REKEY_CHAOS_TEST_MARKER: marker, VARIANT: 'b' } }));
    const b = await waitForPod(core, 'swap-0', (p) => p.metadata?.uid !== a.metadata?.uid && isReady(p), 'swap-0 replaced');
    expect(b.spec?.containers?.[0]?.env?.find((e) => e.name === 'VARIANT')?.value).to.equal('b');
  });

  it('answers bad agent API input with Kubernetes-style errors', async () => {
    const bad = async (call: Promise<unknown>): Promise<AgentApiError> => {
      try {
        await call;
      } catch (err) {
        expect(err).to.be.instanceOf(AgentApiError);
        return err as AgentApiError;
      }
      throw new Error('expected an error');
    };
    const invalid = await bad(cluster.agent.putWorkload({ name: 'x', namespace: NS, replicas: -1, labels: {}, command: ['node'], env: {} }));
    expect([invalid.httpStatus, invalid.reason]).to.deep.equal([422, 'Invalid']);
    const missing = await bad(cluster.agent.killProcess(NS, 'no-such-pod'));
    expect([missing.httpStatus, missing.reason]).to.deep.equal([404, 'NotFound']);
    const noNode = await bad(cluster.agent.failNode('no-such-node', 10));
    expect(noNode.httpStatus).to.equal(404);
    const noWorkload = await bad(cluster.agent.deleteWorkload('absent'));
    expect(noWorkload.httpStatus).to.equal(404);
    // malformed JSON
    const res = await fetchWithCa(cluster, 'PUT', '/rekey-chaos/v1/workloads/x', '{not json');
    expect(res.status).to.equal(400);
    expect(JSON.parse(res.body).kind).to.equal('Status');
  });
});

async function fetchWithCa(cluster: EmbeddedCluster, method: string, path: string, body: string): Promise<{ status: number; body: string }> {
  const https = await import('node:https');
  return new Promise((resolve, reject) => {
    const req = https.request(
      `${cluster.state.apiUrl}${path}`,
      { method, ca: cluster.state.apiCaPem, headers: { authorization: `Bearer ${cluster.state.token}`, 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
