/**
 * Kubernetes service registration (§7) against the embedded API server: each
 * double process patches its own pod's labels. Label changes are observed
 * through the store's watch (no polling of labels) and matched against the
 * feed's state events: every transition reaches the labels, after it and in
 * order. How fast (the ≤ 1 s bound) is a figure of `npm run bench`
 * (bench/label-latency.ts), not an assertion here.
 *
 * The before hook brings the three servers up and initializes and unseals
 * them; each test starts from that state (beforeEach restores it), so any one
 * of them can run alone.
 */
import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { nowMs } from '../../../common/clock.js';
import { ObjectStore, type WatchEvent } from '../../../platform/apiserver/store.js';
import { unsealWith, waitUnsealed } from './support/steps.js';
import { waitFor } from './support/client.js';
import { DoubleCluster, FAST_OPTIONS } from './support/double-cluster.js';
import { startPodsApi, type PodsApi } from './support/pods-api.js';

interface LabelChange {
  t: number;
  pod: string;
  label: string;
  value: string | undefined;
}

const LABELS = ['vault-active', 'vault-sealed', 'vault-initialized', 'vault-version', 'vault-perf-standby'];
const PODS = ['sva-vault-0', 'sva-vault-1', 'sva-vault-2'];

describe('vault double: pod labels (service registration)', function () {
  this.timeout(60_000);
  const store = new ObjectStore();
  let podsApi: PodsApi | undefined;
  let cluster: DoubleCluster | undefined;
  const changes: LabelChange[] = [];
  const current = new Map<string, Record<string, string>>();
  /** each pod's labels as its server first set them, before anything was initialized */
  const atStart = new Map<string, Record<string, string>>();
  let stopWatch = () => {};
  let keys: string[] = [];
  let token = '';

  const label = (pod: string, name: string) => current.get(pod)?.[name];
  const waitLabel = (pod: string, name: string, value: string) => waitFor(`${pod} ${name}=${value}`, async () => (label(pod, name) === value ? true : undefined));
  const activeLabelled = () => PODS.filter((p) => label(p, 'vault-active') === 'true');

  /** Every server running, unsealed, and exactly one labelled active (what each test starts from). */
  async function restoreUnsealed(): Promise<void> {
    const c = cluster!;
    for (let i = 0; i < 3; i++) {
      const health = await c.server(i).get('sys/health').catch(() => undefined);
      if (health === undefined) await c.restart(i); // killed by a test: start it again
      if ((await c.server(i).get('sys/seal-status')).body?.sealed !== false) await unsealWith(c.server(i), keys);
      await waitUnsealed(c.server(i));
      await waitLabel(PODS[i]!, 'vault-sealed', 'false');
    }
    await waitFor('exactly one pod labelled active', async () => (activeLabelled().length === 1 ? true : undefined));
  }

  before(async () => {
    podsApi = await startPodsApi(store, '127.44.0', { 'app.kubernetes.io/name': 'vault', component: 'server', 'app.kubernetes.io/instance': 'sva-vault' });
    const kubeconfig = podsApi.kubeconfig;
    stopWatch = store.watch('pods', 'vault', {}, (e: WatchEvent) => {
      const pod = e.object.metadata.name!;
      const labels = (e.object.metadata.labels ?? {}) as Record<string, string>;
      const before = current.get(pod) ?? {};
      for (const name of LABELS) if (labels[name] !== before[name]) changes.push({ t: nowMs(), pod, label: name, value: labels[name] });
      current.set(pod, { ...labels });
      if (!atStart.has(pod) && labels['vault-version'] !== undefined) atStart.set(pod, { ...labels });
    });
    cluster = new DoubleCluster({ ipBase: '127.44.0', options: FAST_OPTIONS, feed: true, kubeconfig });
    await cluster.setup();
    const c = cluster;
    for (const pod of PODS) await waitLabel(pod, 'vault-version', '1.14.9');
    const init = await c.server(0).put('sys/init', { secret_shares: 5, secret_threshold: 3 });
    keys = init.body.keys;
    token = init.body.root_token;
    await unsealWith(c.server(0), keys);
    await waitUnsealed(c.server(0));
    for (const i of [1, 2]) {
      await c.server(i).put('sys/storage/raft/join', { leader_api_addr: c.leaderApiAddr });
      await unsealWith(c.server(i), keys);
      await waitUnsealed(c.server(i));
    }
  });

  beforeEach(restoreUnsealed);

  after(async () => {
    stopWatch();
    await cluster?.stop();
    await podsApi?.close();
  });

  it('a started server labels its pod sealed, uninitialized, not active, with the version', () => {
    for (const pod of PODS) {
      expect(atStart.get(pod), pod).to.include({
        'vault-version': '1.14.9',
        'vault-sealed': 'true',
        'vault-initialized': 'false',
        'vault-active': 'false',
        'vault-perf-standby': 'false',
        'app.kubernetes.io/name': 'vault',
      });
    }
  });

  it('init, unseal and election show up on the labels', () => {
    for (const pod of PODS) expect(current.get(pod), pod).to.include({ 'vault-initialized': 'true', 'vault-sealed': 'false' });
    expect(activeLabelled()).to.have.length(1);
    // sva-vault-0, initialized first, showed it before it showed unsealed, and unsealed before active.
    const first = (name: string, value: string) => changes.findIndex((ch) => ch.pod === 'sva-vault-0' && ch.label === name && ch.value === value);
    expect(first('vault-initialized', 'true')).to.be.greaterThan(-1).and.lessThan(first('vault-sealed', 'false'));
    expect(first('vault-sealed', 'false')).to.be.lessThan(first('vault-active', 'true'));
  });

  it('sealing the active: vault-active=false before vault-sealed=true; another pod becomes active', async () => {
    const c = cluster!;
    const sealedPod = activeLabelled()[0]!;
    const mark = changes.length;
    expect((await c.server(PODS.indexOf(sealedPod)).put('sys/seal', {}, { token })).status).to.equal(204);
    await waitLabel(sealedPod, 'vault-sealed', 'true');
    const mine = changes.slice(mark).filter((ch) => ch.pod === sealedPod);
    const inactive = mine.findIndex((ch) => ch.label === 'vault-active' && ch.value === 'false');
    const sealed = mine.findIndex((ch) => ch.label === 'vault-sealed' && ch.value === 'true');
    expect(inactive).to.be.greaterThan(-1);
    expect(inactive).to.be.lessThan(sealed);
    await waitFor('another pod labelled active', async () => (PODS.some((p) => p !== sealedPod && label(p, 'vault-active') === 'true') ? true : undefined));
  });

  it('a restarted pod shows vault-initialized=false and vault-sealed=true until unsealed', async () => {
    const c = cluster!;
    await c.restart(0);
    await waitLabel('sva-vault-0', 'vault-sealed', 'true');
    await waitLabel('sva-vault-0', 'vault-initialized', 'false');
    await unsealWith(c.server(0), keys);
    await waitLabel('sva-vault-0', 'vault-initialized', 'true');
    await waitLabel('sva-vault-0', 'vault-sealed', 'false');
  });

  it('every seal/unseal/active transition in the feed reaches the pod labels, after the event', async () => {
    const c = cluster!;
    // One failover of its own (kill the active, a successor takes over, the old one comes back and is unsealed).
    const a = await c.activeIndex();
    await c.kill(a);
    const b = await c.activeIndex([a]);
    await waitLabel(`sva-vault-${b}`, 'vault-active', 'true');
    await c.start(a);
    await unsealWith(c.server(a), keys);
    await waitLabel(`sva-vault-${a}`, 'vault-sealed', 'false');
    const expected: Record<string, [string, string]> = { active: ['vault-active', 'true'], sealed: ['vault-sealed', 'true'], unsealed: ['vault-sealed', 'false'] };
    const transitions = (await readFile(c.feedPath, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { t: number; server: string; event: string })
      .filter((e) => expected[e.event] !== undefined);
    const unmatched = () =>
      transitions.filter((e) => {
        const [name, value] = expected[e.event]!;
        return !changes.some((ch) => ch.pod === e.server && ch.label === name && ch.value === value && ch.t >= e.t - 5);
      });
    // A label follows its event: wait for the last ones still on their way, without bounding how long they take.
    await waitFor('every transition on the labels', async () => (unmatched().length === 0 ? true : undefined)).catch(() => undefined);
    expect(unmatched().map((e) => `${e.event} on ${e.server} at ${e.t}`)).to.deep.equal([]);
    // The before hook's unseals and election, and this test's failover.
    expect(transitions.length).to.be.at.least(6);
  });
});

describe("vault double: pod labels with dualActiveLabelWindowMs > 0", function () {
  this.timeout(30_000);
  const store = new ObjectStore();
  let podsApi: PodsApi | undefined;
  let cluster: DoubleCluster | undefined;
  let stopWatch = () => {};
  const activeNow = new Set<string>();
  let maxSimultaneous = 0;

  before(async () => {
    podsApi = await startPodsApi(store, '127.44.0', { component: 'server' });
    const kubeconfig = podsApi.kubeconfig;
    stopWatch = store.watch('pods', 'vault', {}, (e: WatchEvent) => {
      const pod = e.object.metadata.name!;
      if ((e.object.metadata.labels as Record<string, string> | undefined)?.['vault-active'] === 'true') activeNow.add(pod);
      else activeNow.delete(pod);
      maxSimultaneous = Math.max(maxSimultaneous, activeNow.size);
    });
    cluster = new DoubleCluster({ ipBase: '127.44.0', options: { ...FAST_OPTIONS, dualActiveLabelWindowMs: 1500 }, kubeconfig });
    await cluster.setup();
  });

  after(async () => {
    stopWatch();
    await cluster?.stop();
    await podsApi?.close();
  });

  it('after a step-down two pods briefly carry vault-active=true, then only the new active', async () => {
    const c = cluster!;
    const init = await c.server(0).put('sys/init', { secret_shares: 5, secret_threshold: 3 });
    await unsealWith(c.server(0), init.body.keys);
    await c.server(1).put('sys/storage/raft/join', { leader_api_addr: c.leaderApiAddr });
    await unsealWith(c.server(1), init.body.keys);
    await waitUnsealed(c.server(1));
    await waitFor('sva-vault-0 labelled active', async () => (activeNow.has('sva-vault-0') ? true : undefined));
    expect(maxSimultaneous).to.equal(1);
    expect((await c.server(0).put('sys/step-down', {}, { token: init.body.root_token })).status).to.equal(204);
    await waitFor('two pods labelled active', async () => (activeNow.size === 2 ? true : undefined));
    await waitFor('only sva-vault-1 labelled active', async () => (activeNow.size === 1 && activeNow.has('sva-vault-1') ? true : undefined));
    expect(maxSimultaneous).to.equal(2);
  });
});
