/**
 * Sandboxed pods on an embedded cluster, once per sandbox tool (bwrap, and
 * util-linux unshare where we are root): volumes from configMaps and secrets
 * (waiting for them unless optional), the process group the agent signals as
 * a whole (a kill takes the script's children, a delete lets bash trap
 * SIGTERM), exec liveness and readiness probes run inside the sandbox, and
 * nothing created on the host.
 */
import { expect } from 'chai';
import type { CoreV1Api } from '@kubernetes/client-node';
import { startEmbeddedCluster, type EmbeddedCluster } from '../../../platform/cluster.js';
import { alive, kube, processGroupOf, waitFor, waitForLog, waitForPod } from '../agent/helpers.js';
import { bashWorkload, containerStatus, hostPathsPresent, IP_BASE, NS, putConfigMap, putSecret, readLog, reports, tempStateDir } from './helpers.js';
import fs from 'node:fs';

const TOOLS = ['bwrap', 'unshare'] as const;

for (const tool of TOOLS) {
  describe(`pods: sandboxed pods (${tool})`, function () {
    let cluster: EmbeddedCluster;
    let core: CoreV1Api;
    let stateDir: string;
    let hostPathsBefore: string[];

    before(async function () {
      if (tool === 'unshare' && process.geteuid?.() !== 0) this.skip();
      hostPathsBefore = hostPathsPresent();
      stateDir = tempStateDir();
      cluster = await startEmbeddedCluster({ stateDir, ipBase: IP_BASE, vault: false, manager: false, sandbox: { prefer: tool } });
      ({ core } = kube(cluster.kubeconfigPath));
      expect(fs.readFileSync(`${stateDir}/daemon.log`, 'utf8')).to.include(`sandboxed pods run in ${tool}`);
    });

    after(async () => {
      await cluster?.stop();
      if (stateDir) fs.rmSync(stateDir, { recursive: true, force: true });
      if (hostPathsBefore) expect(hostPathsPresent(), 'mount points created on the host').to.deep.equal(hostPathsBefore);
    });

    afterEach(async () => {
      for (const w of (await cluster?.agent.workloads()) ?? []) await cluster.agent.deleteWorkload(w.name);
    });

    it('waits in ContainerCreating for a missing configMap and secret, then projects them (items, modes, read-only)', async () => {
      const cm = `late-config-${tool}`;
      const secret = `late-secret-${tool}`;
      const script = [
        'report() { echo "REPORT $*"; }',
        'report config "$(cat /opt/config/app.conf)"',
        'report nested "$(cat /opt/config/sub/extra.txt) $(stat -c %a /opt/config/sub/extra.txt)"',
        'report mode "$(stat -c %a /opt/config/app.conf)"',
        'report secret "$(cat /mnt/data/ca/tls.crt) $(stat -c %a /mnt/data/ca/tls.crt)"',
        'report optional "$(ls -A /opt/optional | wc -l)"',
        'if touch /opt/config/new 2>/dev/null; then report config-write allowed; else report config-write refused; fi',
        'echo x > /workdir/w && report workdir "$(cat /workdir/w)"',
        'report done ok; sleep infinity & wait',
      ].join('\n');
      await cluster.agent.putWorkload(
        bashWorkload('volumes', script, {
          volumes: [
            { name: 'config', configMap: { name: cm, defaultMode: 0o640, items: [{ key: 'app.conf', path: 'app.conf' }, { key: 'extra', path: 'sub/extra.txt', mode: 0o600 }] } },
            { name: 'ca', secret: { secretName: secret } },
            { name: 'optional', configMap: { name: 'never-created', optional: true } },
          ],
          volumeMounts: [
            { name: 'config', mountPath: '/opt/config', readOnly: false },
            { name: 'ca', mountPath: '/mnt/data/ca', readOnly: true },
            { name: 'optional', mountPath: '/opt/optional' },
          ],
        }),
      );
      const waiting = await waitForPod(core, 'volumes-0', (p) => containerStatus(p)?.state?.waiting?.message?.includes(`configmap "${cm}" not found`) === true, 'pod waiting for its configMap');
      expect(containerStatus(waiting)!.state!.waiting!.reason).to.equal('ContainerCreating');
      expect(waiting.spec?.volumes?.map((v) => v.name)).to.deep.equal(['config', 'ca', 'optional']);
      expect(waiting.spec?.containers[0]?.volumeMounts?.[1]).to.deep.include({ name: 'ca', mountPath: '/mnt/data/ca' });
      expect(waiting.status?.phase).to.equal('Pending');
      expect((await cluster.agent.processes()).filter((p) => p.pod === 'volumes-0')).to.deep.equal([]);

      await putConfigMap(core, cm, { 'app.conf': 'greeting=hello', extra: 'more', unlisted: 'not projected' });
      await waitForPod(core, 'volumes-0', (p) => containerStatus(p)?.state?.waiting?.message?.includes(`secret "${secret}" not found`) === true, 'pod waiting for its secret');
      await putSecret(core, secret, { 'tls.crt': 'CERT' });
      await waitForLog(stateDir, 'volumes-0', 'main-0.log', 'REPORT done ok', 30_000);
      const r = reports(readLog(stateDir, 'volumes-0'));
      expect(r.get('config')).to.deep.equal(['greeting=hello']);
      expect(r.get('nested')).to.deep.equal(['more 600']);
      expect(r.get('mode')).to.deep.equal(['640']);
      expect(r.get('secret')).to.deep.equal(['CERT 644']);
      expect(r.get('optional')).to.deep.equal(['0']);
      expect(r.get('config-write'), 'configMap volumes are read-only whatever readOnly says').to.deep.equal(['refused']);
      expect(r.get('workdir')).to.deep.equal(['x']);
    });

    it("a process kill takes the script's children with it; the container restarts in place keeping /workdir", async () => {
      const script = [
        'echo run >> /workdir/runs; echo "REPORT runs $(wc -l < /workdir/runs)"',
        'sleep 1000 & echo "REPORT child $!"',
        '( sleep 1001; echo never ) & echo "REPORT child $!"',
        'echo "REPORT ready"; wait',
      ].join('\n');
      await cluster.agent.putWorkload(bashWorkload('group', script));
      await waitForLog(stateDir, 'group-0', 'main-0.log', 'REPORT ready');
      const children = reports(readLog(stateDir, 'group-0')).get('child')!.map(Number);
      const leader = (await cluster.agent.processes()).find((p) => p.pod === 'group-0')!.pid;
      expect(children).to.have.length(2);
      for (const pid of children) expect(processGroupOf(pid), `child ${pid} is in the pod's process group`).to.equal(leader);

      const killed = await cluster.agent.killProcess(NS, 'group-0', 'SIGKILL');
      expect(killed.pid).to.equal(leader);
      await waitFor(() => children.every((pid) => !alive(pid)), { timeoutMs: 10_000, what: "the script's children to die with it" });
      const restarted = await waitForPod(core, 'group-0', (p) => containerStatus(p)?.restartCount === 1 && containerStatus(p)?.state?.running !== undefined, 'the container to restart');
      expect(containerStatus(restarted)!.lastState?.terminated?.exitCode).to.equal(137);
      await waitForLog(stateDir, 'group-0', 'main-1.log', 'REPORT ready');
      expect(reports(readLog(stateDir, 'group-0', 'main-1.log')).get('runs'), '/workdir kept across the restart').to.deep.equal(['2']);
    });

    it('a pod delete lets bash trap SIGTERM; its children get it too', async () => {
      // the trap takes a while, like a real shutdown: the pod's processes must outlive the SIGTERM until bash is done
      const script = ["trap 'echo REPORT got TERM; sleep 0.3; echo REPORT cleaned up; exit 0' TERM", 'sleep 1000 & echo "REPORT child $!"', 'echo "REPORT ready"', 'wait'].join('\n');
      await cluster.agent.putWorkload(bashWorkload('term', script, { terminationGracePeriodSeconds: 30 }));
      await waitForLog(stateDir, 'term-0', 'main-0.log', 'REPORT ready');
      const child = Number(reports(readLog(stateDir, 'term-0')).get('child')![0]);
      const uid = (await core.readNamespacedPod({ name: 'term-0', namespace: NS })).metadata!.uid;
      await core.deleteNamespacedPod({ name: 'term-0', namespace: NS });
      // the recreated pod has a new uid; the old one's log moved to previous/0/
      await waitForPod(core, 'term-0', (p) => p.metadata?.uid !== uid && containerStatus(p)?.state?.running !== undefined, 'the pod recreated');
      expect(reports(readLog(stateDir, 'term-0', 'previous/0/main-0.log')).get('cleaned')).to.deep.equal(['up']);
      expect(alive(child)).to.equal(false);
    });

    it('an exec liveness probe runs inside the sandbox; failing past failureThreshold it restarts the container', async () => {
      const script = 'touch /workdir/healthy; echo "REPORT started"; sleep infinity & wait';
      await cluster.agent.putWorkload(
        bashWorkload('live', script, {
          // /workdir exists only inside the sandbox: run anywhere else, this probe fails from the start
          livenessProbe: { exec: { command: ['sh', '-c', 'test -e /workdir/healthy && echo ok >> /workdir/probes'] }, periodSeconds: 0.2, timeoutSeconds: 5, failureThreshold: 2 },
          terminationGracePeriodSeconds: 1,
        }),
      );
      await waitFor(
        async () => {
          const r = await cluster.agent.exec(NS, 'live-0', ['sh', '-c', 'wc -l < /workdir/probes']).catch(() => undefined);
          return r?.exitCode === 0 && Number(r.stdout.trim()) >= 3;
        },
        { timeoutMs: 20_000, what: 'three passed liveness probes', pollMs: 200 },
      );
      expect(containerStatus(await core.readNamespacedPod({ name: 'live-0', namespace: NS }))!.restartCount).to.equal(0);
      await cluster.agent.exec(NS, 'live-0', ['rm', '/workdir/healthy']);
      const restarted = await waitForPod(core, 'live-0', (p) => containerStatus(p)?.restartCount === 1, 'the liveness restart', 20_000);
      expect(containerStatus(restarted)!.lastState?.terminated).to.not.equal(undefined);
      await waitForLog(stateDir, 'live-0', 'main-1.log', 'REPORT started');
    });

    it('an exec readiness probe drives the Ready condition', async () => {
      await cluster.agent.putWorkload(
        bashWorkload('ready', 'sleep infinity & wait', { readinessProbe: { exec: { command: ['test', '-e', '/workdir/ready'] }, periodSeconds: 0.2, timeoutSeconds: 5, failureThreshold: 1 } }),
      );
      const readyCondition = (p: Awaited<ReturnType<CoreV1Api['readNamespacedPod']>>) => p.status?.conditions?.find((c) => c.type === 'Ready')?.status;
      const running = await waitForPod(core, 'ready-0', (p) => containerStatus(p)?.state?.running !== undefined, 'running');
      expect(readyCondition(running)).to.equal('False');
      await cluster.agent.exec(NS, 'ready-0', ['touch', '/workdir/ready']);
      await waitForPod(core, 'ready-0', (p) => readyCondition(p) === 'True' && containerStatus(p)?.ready === true, 'Ready=True');
      await cluster.agent.exec(NS, 'ready-0', ['rm', '/workdir/ready']);
      const unready = await waitForPod(core, 'ready-0', (p) => readyCondition(p) === 'False', 'Ready=False');
      expect(containerStatus(unready)!.restartCount, 'readiness never restarts').to.equal(0);
    });
  });
}
