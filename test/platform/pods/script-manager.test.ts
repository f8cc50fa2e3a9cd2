/**
 * The proof: a foreign bash manager (script-manager.sh, run as
 * `bash /opt/script/init.sh` like StarlingX's vault-manager) on an embedded
 * cluster with the Vault double and the reference manager. It sees a
 * Kubernetes pod: configMap and secret volumes, /workdir, pod and service DNS
 * names through the system resolver, kubectl with in-cluster credentials.
 * Then: a server pod moved to a new address is reachable by its new names
 * within one second (the DNS contract's bound), while names that did not
 * change never stop resolving.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { CoreV1Api } from '@kubernetes/client-node';
import { startEmbeddedCluster, type EmbeddedCluster } from '../../../platform/cluster.js';
import { waitForVaultUnsealed } from '../../../platform/agent/cluster-view.js';
import { kube, waitFor, waitForLog, waitForPod } from '../agent/helpers.js';
import { bashWorkload, containerStatus, IP_BASE, NS, putConfigMap, putSecret, readLog, reports, tempStateDir } from './helpers.js';

const FULLNAME = 'sva-vault';
const SCRIPT = fs.readFileSync(path.join(import.meta.dirname, 'script-manager.sh'), 'utf8');
/** the DNS contract: a pod's new address is served by its names within this bound */
const DNS_BOUND_MS = 1000;

describe('pods: a foreign bash manager on the embedded cluster', function () {
  let cluster: EmbeddedCluster;
  let core: CoreV1Api;
  let stateDir: string;

  before(async function () {
    this.timeout(180_000);
    stateDir = tempStateDir();
    cluster = await startEmbeddedCluster({ stateDir, ipBase: IP_BASE, fullname: FULLNAME });
    ({ core } = kube(cluster.kubeconfigPath));
    await waitForVaultUnsealed(cluster.kubeconfigPath, NS, 3, 120_000);
    await putConfigMap(core, 'vault-init-unseal-3', { 'init.sh': SCRIPT });
    await putConfigMap(core, 'vault-mount-helper', { 'manager.conf': `FULLNAME=${FULLNAME}\nREPLICAS=3\n` });
    await putSecret(core, 'vault-ca', { 'tls.crt': fs.readFileSync(cluster.caCertPath!, 'utf8') });
    await cluster.agent.putWorkload(
      bashWorkload('script-manager', '', {
        command: ['bash', '/opt/script/init.sh'],
        env: { CA_CERT: '/mnt/data/ca/tls.crt' },
        volumes: [
          { name: 'vault-init-unseal-3', configMap: { name: 'vault-init-unseal-3' } },
          { name: 'mount-helper-yaml', configMap: { name: 'vault-mount-helper' } },
          { name: 'vault-ca', secret: { secretName: 'vault-ca' } },
        ],
        volumeMounts: [
          { name: 'vault-init-unseal-3', mountPath: '/opt/script', readOnly: false },
          { name: 'mount-helper-yaml', mountPath: '/opt/yaml', readOnly: true },
          { name: 'vault-ca', mountPath: '/mnt/data/ca', readOnly: true },
        ],
      }),
    );
    await waitForLog(stateDir, 'script-manager-0', 'main-0.log', 'REPORT done ok', 60_000).catch((err: Error) => {
      throw new Error(`${err.message}; its log:\n${readLog(stateDir, 'script-manager-0')}`);
    });
  });

  after(async () => {
    await cluster?.stop();
    if (stateDir) fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it('reads its configMap and secret volumes, writes /workdir and sees its own hostname', () => {
    const r = reports(readLog(stateDir, 'script-manager-0'));
    expect(r.get('config')).to.deep.equal([`fullname=${FULLNAME} replicas=3 namespace=${NS}`]);
    expect(r.get('workdir-runs')).to.deep.equal(['1']);
    expect(r.get('ca')).to.deep.equal(['-----BEGIN CERTIFICATE-----']);
    expect(r.get('hostname')).to.deep.equal(['script-manager-0']);
  });

  it('reaches every Vault pod by its pod DNS name and the active server by its service name, over TLS with the CA of its secret', async () => {
    const r = reports(readLog(stateDir, 'script-manager-0'));
    const pods = await core.listNamespacedPod({ namespace: NS, labelSelector: 'component=server' });
    const byName = new Map(pods.items.map((p) => [p.metadata!.name!, p]));
    const health = r.get('pod-health')!.map((line) => line.split(' '));
    expect(health.map(([pod]) => pod)).to.deep.equal([`${FULLNAME}-0`, `${FULLNAME}-1`, `${FULLNAME}-2`]);
    for (const [pod, name, code] of health) {
      const ip = byName.get(pod!)!.status!.podIP!;
      expect(name).to.equal(`${ip.replaceAll('.', '-')}.${NS}.pod.cluster.local`);
      // Vault's health codes: 200 active, 429 standby (000 would be a failed resolution or TLS check)
      expect(code === '200' ? 'active' : code === '429' ? 'standby' : `code ${code}`).to.equal(byName.get(pod!)!.metadata!.labels!['vault-active'] === 'true' ? 'active' : 'standby');
    }
    expect(health.filter(([, , code]) => code === '200')).to.have.length(1);
    expect(r.get('active')).to.deep.equal(['{"initialized":true,"sealed":false,"standby":false}']);
  });

  it('creates and lists secrets with kubectl on in-cluster credentials alone (KUBECONFIG unset)', async () => {
    const r = reports(readLog(stateDir, 'script-manager-0'));
    const created = r.get('created')![0]!;
    expect(created).to.match(/^script-manager-[0-9a-f]{8}$/);
    const secret = await core.readNamespacedSecret({ name: created, namespace: NS });
    expect(Buffer.from(secret.data!.seen!, 'base64').toString()).to.equal('yes');
    const listed = r.get('secrets')![0]!.split(',');
    expect(listed).to.include.members([created, 'vault-ca', 'cluster-key-0']);
    // the pod's env carries the in-cluster address, and the API certificate covers it (kubectl verified it against ca.crt)
    const run = await cluster.agent.exec(NS, 'script-manager-0', ['sh', '-c', 'echo "$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT"; cat /var/run/secrets/kubernetes.io/serviceaccount/namespace']);
    expect(run.stdout.split('\n')).to.deep.equal([new URL(cluster.state.apiUrl).host, NS]);
  });

  it('resolves the short forms its search path allows, the headless per-pod names and the API server by name', async () => {
    const names = ['sva-vault-active', 'sva-vault-active.vault', 'sva-vault-active.vault.svc', `${FULLNAME}-1.${FULLNAME}-internal.${NS}.svc.cluster.local`, 'kubernetes.default.svc.cluster.local'];
    const run = await cluster.agent.exec(NS, 'script-manager-0', ['sh', '-c', `for n in ${names.join(' ')}; do getent hosts "$n" | cut -d' ' -f1; done; grep ^search /etc/resolv.conf`]);
    const server1 = await core.readNamespacedPod({ name: `${FULLNAME}-1`, namespace: NS });
    expect(run.stdout.trim().split('\n')).to.deep.equal([
      cluster.state.proxyAddress.split(':')[0],
      cluster.state.proxyAddress.split(':')[0],
      cluster.state.proxyAddress.split(':')[0],
      server1.status!.podIP,
      new URL(cluster.state.apiUrl).hostname,
      `search ${NS}.svc.cluster.local svc.cluster.local cluster.local`,
    ]);
  });

  it('a recreated server pod is reachable by its new names within one second; unchanged names never fail meanwhile', async () => {
    // a resolver loop over names that do not change while sva-vault-2 moves
    const steady = ['sva-vault-active', `${FULLNAME}-0.${FULLNAME}-internal.${NS}.svc.cluster.local`, 'kubernetes.default.svc.cluster.local'];
    const loop = `n=0; while :; do for h in ${steady.join(' ')}; do getent hosts "$h" >/dev/null || echo "MISS $h"; done; n=$((n+1)); [ $((n % 20)) = 0 ] && echo "ROUNDS $n"; done`;
    await cluster.agent.putWorkload(bashWorkload('resolver-loop', loop, { terminationGracePeriodSeconds: 1 }));
    const rounds = () => Math.max(0, ...[...readLog(stateDir, 'resolver-loop-0').matchAll(/ROUNDS (\d+)/g)].map((m) => Number(m[1])));
    await waitFor(() => rounds() > 0, { timeoutMs: 20_000, what: 'the resolver loop running' }).catch((err: Error) => {
      throw new Error(`${err.message}; its log:\n${readLog(stateDir, 'resolver-loop-0').slice(-2000)}`);
    });

    const old = await core.readNamespacedPod({ name: `${FULLNAME}-2`, namespace: NS });
    const roundsBefore = rounds();
    await core.deleteNamespacedPod({ name: `${FULLNAME}-2`, namespace: NS });
    const moved = await waitForPod(core, `${FULLNAME}-2`, (p) => p.metadata?.uid !== old.metadata!.uid && !!p.status?.podIP, 'the recreated pod with its address', 30_000);
    const seenAt = Date.now();
    const ip = moved.status!.podIP!;
    expect(ip).to.not.equal(old.status!.podIP);
    const podName = `${ip.replaceAll('.', '-')}.${NS}.pod.cluster.local`;
    const stable = `${FULLNAME}-2.${FULLNAME}-internal.${NS}.svc.cluster.local`;
    const resolved = await waitFor(
      async () => {
        const r = await cluster.agent.exec(NS, 'script-manager-0', ['sh', '-c', `getent hosts ${podName} ${stable} | cut -d' ' -f1 | sort -u`]);
        return r.stdout.trim() === ip ? Date.now() : undefined;
      },
      { timeoutMs: 30_000, what: `${podName} and ${stable} to resolve to ${ip}`, pollMs: 20 },
    );
    expect(resolved - seenAt, 'ms from the new address in the API to its names resolving').to.be.below(DNS_BOUND_MS);

    await waitForPod(core, `${FULLNAME}-2`, (p) => containerStatus(p)?.ready === true, 'the recreated server ready', 30_000);
    const readyAt = Date.now();
    const reachedAt = await waitFor(
      async () => {
        const r = await cluster.agent.exec(NS, 'script-manager-0', ['sh', '-c', `curl -s -o /dev/null -w '%{http_code}' --cacert "$CA_CERT" https://${podName}:8200/v1/sys/health`]);
        return /^[1-5]\d\d$/.test(r.stdout) && r.stdout !== '000' ? Date.now() : undefined;
      },
      { timeoutMs: 30_000, what: `https://${podName}:8200 to answer`, pollMs: 20 },
    );
    expect(reachedAt - readyAt, 'ms from the recreated server ready to reaching it by its new pod name').to.be.below(DNS_BOUND_MS);

    await waitFor(() => rounds() >= roundsBefore + 40, { timeoutMs: 20_000, what: 'the resolver loop to go on after the move' });
    const misses = readLog(stateDir, 'resolver-loop-0').split('\n').filter((l) => l.startsWith('MISS'));
    expect(misses, 'lookups of unchanged names that failed').to.deep.equal([]);
    expect(rounds() - roundsBefore).to.be.greaterThan(0);
  });

  it('keeps /workdir across a container restart (the process kill fault)', async () => {
    await cluster.agent.killProcess(NS, 'script-manager-0', 'SIGKILL');
    await waitForLog(stateDir, 'script-manager-0', 'main-1.log', 'REPORT done ok', 60_000);
    expect(reports(readLog(stateDir, 'script-manager-0', 'main-1.log')).get('workdir-runs')).to.deep.equal(['2']);
  });
});
