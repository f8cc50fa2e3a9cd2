import { expect } from 'chai';
import { keyFingerprint } from '../../common/fingerprint.js';
import type { TimelineEvent } from '../../common/record.js';
import { combine } from '../../common/shamir.js';
import { FeedObserver } from '../../harness/observe/feed.js';
import { RekeyDeriver, type RekeyObservation } from '../../harness/observe/rekey-deriver.js';
import { Timeline } from '../../harness/observe/timeline.js';
import { VaultPoller } from '../../harness/observe/vault-poller.js';
import { auditSet } from '../../harness/vault-client/audit.js';
import { VaultClient, type RekeyStatus } from '../../harness/vault-client/client.js';
import { DoubleCluster } from '../platform/vault/support/double-cluster.js';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ObjectStore } from '../../platform/apiserver/store.js';
import { startApiServer, type ApiServer } from '../../platform/apiserver/server.js';
import { writeKubeconfig } from '../../platform/apiserver/kubeconfig.js';
import { startObservation } from '../../harness/run/observation.js';
import type { Observation } from '../../harness/run/iteration-driver.js';
import type { ClusterHandle } from '../../harness/backends/backend.js';
import { until } from './wait.js';
import { isUnsealEvent } from '../../common/milestones.js';

const hexToShare = (k: string) => new Uint8Array(Buffer.from(k, 'hex'));

describe('observe/vault-poller and feed against the Vault double', function () {
  this.timeout(60000);
  const cluster = new DoubleCluster({ ipBase: '127.50.0', feed: true });
  let client: VaultClient;
  let poller: VaultPoller | undefined;
  let feed: FeedObserver | undefined;
  let oldKeys: string[];
  let audit = false;

  before(async () => {
    await cluster.setup();
    client = new VaultClient({ url: 'https://127.50.0.10:8200', caCertPem: cluster.caPem, name: 'sva-vault-0' });
    const init = await client.call<{ keys: string[] }>('PUT', 'sys/init', { secret_shares: 5, secret_threshold: 3 });
    oldKeys = init.keys;
    for (const k of oldKeys.slice(0, 3)) await client.call('PUT', 'sys/unseal', { key: k });
    await until('sva-vault-0 active', async () => ((await client.health()).code === 200 ? true : undefined));
  });
  after(async () => {
    await poller?.stop();
    await feed?.stop();
    await cluster.stop();
  });

  it('derives the same milestone sequence from polling as the feed gives exactly, and the feed key matches the new shares', async () => {
    const endpoints = async () => [0, 1, 2].map((i) => ({ pod: `sva-vault-${i}`, url: `https://127.50.0.${10 + i}:8200` }));
    poller = new VaultPoller({ endpoints, caCertPem: cluster.caPem, intervalMs: 20, isAudit: () => audit, verifiedExists: () => false, decisionPolls: 3 });
    feed = new FeedObserver({ path: cluster.feedPath, isAudit: () => audit });
    const polled = new Timeline('vault-poll');
    const fed = new Timeline('vault-feed');
    polled.attach(poller);
    fed.attach(feed);
    await feed.start();
    poller.start();

    const both = async (name: string, occurrence = 1) => {
      await Promise.all([polled.waitFor(name, { occurrence, timeoutMs: 15000 }), fed.waitFor(name, { occurrence, timeoutMs: 15000 })]);
    };
    const started = await client.call<RekeyStatus>('POST', 'sys/rekey/init', { secret_shares: 5, secret_threshold: 3, require_verification: true });
    await both('vault-rekey-started');
    await client.call('POST', 'sys/rekey/update', { key: oldKeys[0], nonce: started.nonce });
    await both('vault-auth-progress-1');
    await client.call('POST', 'sys/rekey/update', { key: oldKeys[1], nonce: started.nonce });
    await both('vault-auth-progress-2');
    const done = await client.call<{ keys: string[]; verification_nonce: string }>('POST', 'sys/rekey/update', { key: oldKeys[2], nonce: started.nonce });
    await both('vault-auth-complete');
    for (let i = 0; i < 3; i++) {
      await client.call('POST', 'sys/rekey/verify', { key: done.keys[i], nonce: done.verification_nonce });
      if (i < 2) await both(`vault-verify-progress-${i + 1}`);
    }
    await both('vault-rotated');

    // a rekey abandoned by DELETE
    await client.call('POST', 'sys/rekey/init', { secret_shares: 5, secret_threshold: 3, require_verification: true });
    await both('vault-rekey-started', 2);
    await client.call('DELETE', 'sys/rekey/init');
    await both('vault-rekey-cancelled');

    // the rekey's milestones; the feed's per-server unseal events have a test of their own (test/platform/vault/unseal-feed.test.ts)
    const names = (t: Timeline) => t.events().filter((e) => e.name !== 'vault-active-changed' && !isUnsealEvent(e.name)).map((e) => e.name);
    const expected = [
      'vault-rekey-started',
      'vault-auth-progress-1',
      'vault-auth-progress-2',
      'vault-auth-complete',
      'vault-verify-progress-1',
      'vault-verify-progress-2',
      'vault-rotated',
      'vault-rekey-started',
      'vault-rekey-cancelled',
    ];
    expect(names(fed)).to.deep.equal(expected);
    expect(names(polled)).to.deep.equal(expected);
    expect(polled.events().every((e) => e.source === 'vault-poll')).to.equal(true);

    await feed.flush();
    const newKeyFp = keyFingerprint(await combine(done.keys.slice(0, 3).map(hexToShare)));
    const oldKeyFp = keyFingerprint(await combine(oldKeys.slice(0, 3).map(hexToShare)));
    const keys = feed.keyHistory();
    expect(keys[0]!.keyFp).to.equal(oldKeyFp); // fingerprints agree across the double and the harness
    expect(keys.at(-1)!.keyFp).to.equal(newKeyFp);

    // the manager's audit (a rekey while the shuffle milestone exists): audit events, no cancel
    audit = true;
    const result = await auditSet(client, 'cluster-key', done.keys.map(hexToShare));
    expect(result.current).to.equal(true);
    await fed.waitFor('vault-audit-complete', { timeoutMs: 15000 });
    await feed.flush();
    audit = false;
    expect(fed.find('vault-rekey-cancelled')).to.have.length(1);

    const sample = poller.serviceSamples().at(-1)!;
    expect(sample.servers.map((s) => [s.pod, s.reachable, s.sealed, s.active])).to.deep.equal([
      ['sva-vault-0', true, false, true],
      ['sva-vault-1', true, true, false],
      ['sva-vault-2', true, true, false],
    ]);
  });
});

/** Resolves with the first event named `name` (already recorded or still to come). */
function nextEvent(observation: Observation, name: string, timeoutMs: number): Promise<TimelineEvent> {
  return new Promise((resolve, reject) => {
    const found = observation.timeline.events().find((e) => e.name === name);
    if (found) return resolve(found);
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${name}`));
    }, timeoutMs);
    const off = observation.timeline.on((e) => {
      if (e.name !== name) return;
      clearTimeout(timer);
      off();
      resolve(e);
    });
  });
}

describe('run/observation: the wired history of one iteration', function () {
  this.timeout(60000);
  const cluster = new DoubleCluster({ ipBase: '127.50.0', feed: true });
  let server: ApiServer | undefined;
  let observation: Observation | undefined;
  let dir = '';
  before(async () => {
    await cluster.setup();
  });
  after(async () => {
    await observation?.stop();
    await server?.close();
    await cluster.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('merges secret events, the exact feed and service samples; rekey-complete when the milestones are gone; one Vault source', async () => {
    const token = randomBytes(16).toString('hex');
    server = await startApiServer({ store: new ObjectStore(), token });
    dir = await mkdtemp(join(tmpdir(), 'rekey-chaos-observation-'));
    await writeKubeconfig(join(dir, 'kubeconfig'), { server: server.url, token, namespace: 'vault', caPem: server.caPem });
    const kc = new KubeConfig();
    kc.loadFromFile(join(dir, 'kubeconfig'));
    const core = kc.makeApiClient(CoreV1Api);
    const client = new VaultClient({ url: 'https://127.50.0.10:8200', caCertPem: cluster.caPem });
    const endpoints = async () => [0, 1, 2].map((i) => ({ pod: `sva-vault-${i}`, url: `https://127.50.0.${10 + i}:8200` }));
    const handle: ClusterHandle = {
      backend: 'embedded',
      names: { namespace: 'vault', fullname: 'sva-vault', serverLabelSelector: 'component=server', managerLabelSelector: 'component=manager' },
      kubeconfigPath: join(dir, 'kubeconfig'),
      caCertPem: cluster.caPem,
      statusRateMs: 100,
      vaultEndpoints: endpoints,
      keyFeedPath: cluster.feedPath,
    };
    observation = await startObservation({ kubeConfig: kc, handle, pollIntervalMs: 20 });

    const put = (name: string) => core.createNamespacedSecret({ namespace: 'vault', body: { metadata: { name }, data: { strdata: Buffer.from('id').toString('base64') } } });
    const del = (name: string) => core.deleteNamespacedSecret({ namespace: 'vault', name });
    await put('cluster-rekey-request');
    const init = await client.call<{ keys: string[] }>('PUT', 'sys/init', { secret_shares: 5, secret_threshold: 3 });
    for (const k of init.keys.slice(0, 3)) await client.call('PUT', 'sys/unseal', { key: k });
    const started = await until('active', async () => ((await client.health()).code === 200 ? client.call<RekeyStatus>('POST', 'sys/rekey/init', { secret_shares: 5, secret_threshold: 3, require_verification: true }) : undefined));
    await nextEvent(observation, 'vault-rekey-started', 15000);
    await client.call('DELETE', 'sys/rekey/init');
    await nextEvent(observation, 'vault-rekey-cancelled', 15000);
    expect(started.nonce).to.be.a('string');
    await put('cluster-rekey-verified');
    await del('cluster-rekey-request');
    await del('cluster-rekey-verified');
    const complete = await nextEvent(observation, 'rekey-complete', 15000);
    expect(complete.source).to.equal('secret');
    await until('a sample with an active server', async () => (observation!.service().some((s) => s.servers.some((x) => x.active)) ? true : undefined));
    await observation.stop();

    const events = observation.timeline.events();
    expect(events.map((e) => e.name).filter((n) => !n.startsWith('vault-active') && !isUnsealEvent(n))).to.deep.equal([
      'cluster-rekey-request',
      'vault-rekey-started',
      'vault-rekey-cancelled',
      'cluster-rekey-verified',
      'cluster-rekey-request-deleted',
      'cluster-rekey-verified-deleted',
      'rekey-complete',
    ]);
    expect(events.filter((e) => e.source === 'vault-poll')).to.have.length(0); // the feed is the Vault source here
    expect(events.map((e) => e.t)).to.deep.equal(events.map((e) => e.t).sort((a, b) => a - b));
    expect(observation.keyFeed()!.at(-1)!.keyFp).to.equal(keyFingerprint(await combine(init.keys.slice(0, 3).map(hexToShare))));
    expect(observation.ledger().map((e) => e.cause)).to.deep.equal(['initial-list', 'cluster-rekey-request', 'cluster-rekey-verified', 'cluster-rekey-request-deleted', 'cluster-rekey-verified-deleted']);
  });
});

describe('observe/rekey-deriver (pure)', () => {
  const status = (over: Partial<RekeyStatus>): RekeyStatus => ({ nonce: '', started: false, t: 0, n: 0, progress: 0, required: 3, verification_required: false, ...over });
  const run = (deriver: RekeyDeriver, observations: RekeyObservation[]): TimelineEvent[] => observations.flatMap((o) => deriver.observe(o));

  it('fills in steps a poll missed (marked inferred) and calls a vanished verification a rotation when verified appears', () => {
    let verified = false;
    const d = new RekeyDeriver({ isAudit: () => false, verifiedExists: () => verified });
    const events = run(d, [
      { t: 1, active: 'a', rekey: status({}) },
      { t: 2, active: 'a', rekey: status({ started: true, nonce: 'n1', t: 3, n: 5, progress: 2 }) },
      { t: 3, active: 'a', rekey: status({ started: true, nonce: 'n1', t: 3, n: 5, verification_required: true, verification_nonce: 'v1' }), verify: { nonce: 'v1', started: true, t: 3, n: 5, progress: 1 } },
      { t: 4, active: 'a', rekey: status({}) },
    ]);
    expect(events.map((e) => [e.name, e.detail?.inferred ?? false])).to.deep.equal([
      ['vault-rekey-started', false],
      ['vault-auth-progress-1', true],
      ['vault-auth-progress-2', false],
      ['vault-auth-complete', false],
      ['vault-verify-progress-1', false],
    ]);
    verified = true;
    const later = d.observe({ t: 5, active: 'a', rekey: status({}) });
    expect(later.map((e) => [e.name, e.t])).to.deep.equal([['vault-rotated', 4]]);
  });

  it('a rekey lost with its active server is cancelled; an audit yields audit events and no cancel', () => {
    let audit = false;
    const d = new RekeyDeriver({ isAudit: () => audit, verifiedExists: () => false });
    const lost = run(d, [
      { t: 1, active: 'a', rekey: status({ started: true, nonce: 'n1', progress: 1 }) },
      { t: 2, active: 'b', rekey: status({}) },
    ]);
    expect(lost.map((e) => e.name)).to.deep.equal(['vault-rekey-started', 'vault-auth-progress-1', 'vault-active-changed', 'vault-rekey-cancelled']);
    audit = true;
    const audited = run(d, [
      { t: 3, active: 'b', rekey: status({ started: true, nonce: 'n2', progress: 2 }) },
      { t: 4, active: 'b', rekey: status({ started: true, nonce: 'n2', verification_required: true, verification_nonce: 'v' }) },
      { t: 5, active: 'b', rekey: status({}) },
      ...[6, 7, 8, 9, 10, 11].map((t) => ({ t, active: 'b', rekey: status({}) })),
    ]);
    expect(audited.map((e) => e.name)).to.deep.equal(['vault-audit-started', 'vault-audit-complete']);
  });

  it('a verification that vanishes early with no verified secret is a cancellation after the decision window', () => {
    const d = new RekeyDeriver({ isAudit: () => false, verifiedExists: () => false, decisionPolls: 2 });
    const events = run(d, [
      { t: 1, active: 'a', rekey: status({ started: true, nonce: 'n', t: 3, verification_required: true, verification_nonce: 'v' }), verify: { nonce: 'v', started: true, t: 3, n: 5, progress: 0 } },
      { t: 2, active: 'a', rekey: status({}) },
      { t: 3, active: 'a', rekey: status({}) },
      { t: 4, active: 'a', rekey: status({}) },
    ]);
    expect(events.map((e) => [e.name, e.t])).to.deep.equal([
      ['vault-rekey-started', 1],
      ['vault-auth-progress-1', 1],
      ['vault-auth-progress-2', 1],
      ['vault-auth-complete', 1],
      ['vault-rekey-cancelled', 2],
    ]);
  });
});
