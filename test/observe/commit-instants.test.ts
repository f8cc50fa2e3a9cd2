/**
 * The secret watch joins the API server's commit instants to its events,
 * through a real (in-process) API server writing its commit feed, watched
 * through a proxy that delays every byte to the harness by LAG_MS.
 */
import { expect } from 'chai';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nowMs } from '../../common/clock.js';
import type { TimelineEvent } from '../../common/record.js';
import { CommitFeed, commitFeedPath } from '../../platform/apiserver/commit-feed.js';
import { writeKubeconfig } from '../../platform/apiserver/kubeconfig.js';
import { startApiServer, type ApiServer } from '../../platform/apiserver/server.js';
import { ObjectStore } from '../../platform/apiserver/store.js';
import { CommitFeedReader } from '../../harness/observe/commit-instants.js';
import { CustodyLedger } from '../../harness/observe/custody.js';
import { SecretWatch, type SecretChange } from '../../harness/observe/secret-watch.js';
import { startDelayProxy, type DelayProxy } from './support/delay-proxy.js';

const NS = 'vault';
const LAG_MS = 300;
const body = (name: string) => ({ metadata: { name, namespace: NS }, type: 'Opaque', data: { strdata: Buffer.from(`v-${name}`).toString('base64') } });

describe('observe/secret-watch with commit instants, through a lagging connection', function () {
  this.timeout(30000);
  let dir: string;
  let feed: CommitFeed;
  let store: ObjectStore;
  let server: ApiServer;
  let proxy: DelayProxy;
  let direct: CoreV1Api;
  let lagged: KubeConfig;
  let watch: SecretWatch | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rekey-chaos-commit-watch-'));
    feed = new CommitFeed(commitFeedPath(dir));
    store = new ObjectStore({ onCommit: feed.write });
    const token = randomBytes(16).toString('hex');
    server = await startApiServer({ store, token });
    const url = new URL(server.url);
    proxy = await startDelayProxy({ host: url.hostname, port: Number(url.port) }, LAG_MS);
    await writeKubeconfig(join(dir, 'direct'), { server: server.url, token, namespace: NS, caPem: server.caPem });
    await writeKubeconfig(join(dir, 'lagged'), { server: `https://${proxy.host}:${proxy.port}`, token, namespace: NS, caPem: server.caPem });
    const kc = new KubeConfig();
    kc.loadFromFile(join(dir, 'direct'));
    direct = kc.makeApiClient(CoreV1Api);
    lagged = new KubeConfig();
    lagged.loadFromFile(join(dir, 'lagged'));
  });
  afterEach(async () => {
    await watch?.stop();
    watch = undefined;
    await proxy.close();
    await server.close();
    feed.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('stamps each change and milestone event with its commit instant (joined by resourceVersion), however late it arrives', async () => {
    const keyCreatedFrom = nowMs();
    await direct.createNamespacedSecret({ namespace: NS, body: body('cluster-key-0') });
    watch = new SecretWatch({ kubeConfig: lagged, namespace: NS, commitInstants: new CommitFeedReader(commitFeedPath(dir)) });
    const ledger = new CustodyLedger();
    ledger.follow(watch);
    const changes: SecretChange[] = [];
    const events: TimelineEvent[] = [];
    watch.onChange((c) => changes.push({ ...c }));
    watch.onEvent((e) => events.push(e));
    await watch.start();

    const done = new Promise<void>((resolve) => watch!.onEvent((e) => e.name === 'cluster-key-0-deleted' && resolve()));
    const committed = new Map<string, number>();
    for (const name of ['cluster-rekey-0', 'cluster-rekey-1']) {
      const before = nowMs();
      const created = await direct.createNamespacedSecret({ namespace: NS, body: body(name) });
      committed.set(created.metadata!.resourceVersion!, before);
    }
    await direct.deleteNamespacedSecret({ namespace: NS, name: 'cluster-key-0' });
    await done;

    const [list, ...rest] = changes;
    // the listed state held from before the list arrived, and before every later change's commit
    expect(list!.type).to.equal('LIST');
    expect(list!.committedAt).to.be.a('number').and.at.least(keyCreatedFrom).and.at.most(list!.t).and.below(rest[0]!.committedAt!);
    expect(rest.map((c) => c.cause)).to.deep.equal(['cluster-rekey-0', 'cluster-rekey-1', 'cluster-key-0-deleted']);
    for (const c of rest) {
      expect(c.committedAt, c.cause).to.be.a('number');
      // well after its commit (not the full LAG_MS: a timer may fire a little early)
      expect(c.t - c.committedAt!, `${c.cause} arrived after its commit`).to.be.at.least(LAG_MS / 2);
      const sentAt = committed.get(c.resourceVersion!);
      if (sentAt !== undefined) expect(c.committedAt!).to.be.at.least(sentAt);
    }
    expect(events.map((e) => [e.name, e.detail?.['committedAt']])).to.deep.equal(rest.map((c) => [c.cause, c.committedAt]));
    expect(watch.stats().commitMisses).to.equal(0);
    const entries = await ledger.flush();
    expect(entries.map((e) => e.committedAt)).to.deep.equal(changes.map((c) => c.committedAt));
  });

  it('without a commit-instant source, changes carry no commit instant (kind, kubeconfig)', async () => {
    watch = new SecretWatch({ kubeConfig: lagged, namespace: NS });
    const changes: SecretChange[] = [];
    watch.onChange((c) => changes.push({ ...c }));
    await watch.start();
    const seen = new Promise<void>((resolve) => watch!.onEvent(() => resolve()));
    await direct.createNamespacedSecret({ namespace: NS, body: body('cluster-rekey-request') });
    await seen;
    expect(changes.map((c) => c.committedAt)).to.deep.equal([undefined, undefined]);
  });
});
