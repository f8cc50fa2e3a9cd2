import { expect } from 'chai';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { nowMs } from '../../../common/clock.js';
import { CommitFeed, commitFeedPath } from '../../../platform/apiserver/commit-feed.js';
import { ObjectStore, type CommitRecord } from '../../../platform/apiserver/store.js';

const secret = (name: string, value = 'v') => ({ metadata: { name, namespace: 'vault' }, data: { strdata: Buffer.from(value).toString('base64') } });
type Line = { t: number; rv: string; type: string; resource: string; namespace?: string; name: string };
const linesOf = (text: string): Line[] => text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Line);

describe('apiserver commit feed (harness-only commit instants of secrets)', () => {
  let dir: string;
  let feed: CommitFeed | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rekey-chaos-commits-'));
  });
  afterEach(async () => {
    feed?.close();
    feed = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('calls onCommit inside each commit with the event type, the resourceVersion the watch event carries, and the instant', () => {
    const commits: CommitRecord[] = [];
    const store = new ObjectStore({ onCommit: (c) => commits.push(c) });
    const before = nowMs();
    const created = store.create('secrets', secret('cluster-rekey-0'));
    expect(commits.at(-1)).to.include({ rv: created.metadata.resourceVersion, type: 'ADDED', resource: 'secrets', namespace: 'vault', name: 'cluster-rekey-0' });
    const updated = store.update('secrets', 'vault', 'cluster-rekey-0', (o) => ({ ...o, data: { strdata: 'eA==' } }));
    expect(commits.at(-1)).to.include({ rv: updated.metadata.resourceVersion, type: 'MODIFIED' });
    const n = commits.length;
    store.update('secrets', 'vault', 'cluster-rekey-0', (o) => o); // no change: no commit, as no event
    expect(commits).to.have.length(n);
    const gone = store.delete('secrets', 'vault', 'cluster-rekey-0');
    expect(commits.at(-1)).to.include({ rv: gone.metadata.resourceVersion, type: 'DELETED' });
    const own = commits.filter((c) => c.resource === 'secrets');
    expect(own.map((c) => c.t)).to.satisfy((ts: number[]) => ts.every((t, i) => t >= before && (i === 0 || t >= ts[i - 1]!)));
  });

  it('a throwing hook does not fail the write', () => {
    const store = new ObjectStore({
      onCommit: () => {
        throw new Error('observer trouble');
      },
    });
    expect(store.create('secrets', secret('a')).metadata.name).to.equal('a');
  });

  it('writes one line per secret commit, on disk before the watch event is delivered; other resources are not written', async () => {
    feed = new CommitFeed(commitFeedPath(dir));
    const store = new ObjectStore({ onCommit: feed.write });
    const seenAtDelivery: Line[][] = [];
    store.watch('secrets', 'vault', { resourceVersion: store.currentResourceVersion() }, () => {
      seenAtDelivery.push(linesOf(readFileSync(commitFeedPath(dir), 'utf8')));
    });
    const a = store.create('secrets', secret('cluster-key-0'));
    store.create('configmaps', { metadata: { name: 'c', namespace: 'vault' }, data: { k: 'v' } });
    const b = store.delete('secrets', 'vault', 'cluster-key-0');
    const lines = linesOf(await readFile(commitFeedPath(dir), 'utf8'));
    expect(lines.map(({ rv, type, resource, namespace, name }) => ({ rv, type, resource, namespace, name }))).to.deep.equal([
      { rv: a.metadata.resourceVersion, type: 'ADDED', resource: 'secrets', namespace: 'vault', name: 'cluster-key-0' },
      { rv: b.metadata.resourceVersion, type: 'DELETED', resource: 'secrets', namespace: 'vault', name: 'cluster-key-0' },
    ]);
    // each watch callback already found its own event's line in the file
    expect(seenAtDelivery.map((ls) => ls.at(-1)?.rv)).to.deep.equal([a.metadata.resourceVersion, b.metadata.resourceVersion]);
    // no field of the feed reaches the objects clients see
    expect(Object.keys(store.get('configmaps', 'vault', 'c').metadata)).to.not.include('committedAt');
  });

  it('starts empty: a feed left by an earlier API server (whose resourceVersions restart) is not joined', async () => {
    const path = commitFeedPath(dir);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, '{"t":1,"rv":"1","type":"ADDED","resource":"secrets","namespace":"vault","name":"old"}\n');
    feed = new CommitFeed(path);
    expect(await readFile(path, 'utf8')).to.equal('');
  });
});
