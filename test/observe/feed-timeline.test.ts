import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { TimeoutError } from '../../common/errors.js';
import type { TimelineEvent } from '../../common/record.js';
import { FeedObserver } from '../../harness/observe/feed.js';
import { Timeline } from '../../harness/observe/timeline.js';

/** A writer process that appends exactly the chunks it is sent (JSON strings on stdin), answering "ok" after each. */
const WRITER = `
const fs = require('node:fs');
const rl = require('node:readline').createInterface({ input: process.stdin });
rl.on('line', (l) => { fs.appendFileSync(process.argv[1], JSON.parse(l)); process.stdout.write('ok\\n'); });
`;

class Writer {
  private readonly child: ChildProcess;
  private readonly acks: (() => void)[] = [];
  readonly exited: Promise<void>;
  constructor(path: string) {
    this.child = spawn(process.execPath, ['-e', WRITER, path], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.exited = new Promise((r) => this.child.once('exit', () => r()));
    createInterface({ input: this.child.stdout! }).on('line', () => this.acks.shift()?.());
  }
  append(chunk: string): Promise<void> {
    return new Promise((resolve) => {
      this.acks.push(resolve);
      this.child.stdin!.write(JSON.stringify(chunk) + '\n');
    });
  }
  line(t: number, server: string, event: string, extra: Record<string, unknown> = {}): Promise<void> {
    return this.append(JSON.stringify({ t, server, event, ...extra }) + '\n');
  }
  async stop(): Promise<void> {
    this.child.stdin!.end();
    this.child.kill('SIGTERM');
    await this.exited;
  }
}

describe('observe/feed and timeline', function () {
  this.timeout(30000);
  let dir: string;
  let writer: Writer | undefined;
  let feed: FeedObserver | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rekey-chaos-feed-'));
  });
  afterEach(async () => {
    await feed?.stop();
    await writer?.stop();
    feed = undefined;
    writer = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('tails a feed appended by another process into exact Vault events and the key history, holding back a partial line', async () => {
    const path = join(dir, 'feed.jsonl');
    let shuffleExists = false;
    feed = new FeedObserver({ path, isAudit: () => shuffleExists, pollMs: 1000 });
    const timeline = new Timeline('vault-feed');
    timeline.attach(feed);
    await feed.start(); // the file does not exist yet
    writer = new Writer(path);

    await writer.line(100, 'sva-vault-0', 'key-in-effect', { keyFp: 'aaaaaaaaaaaa', epoch: 1 });
    for (const s of [0, 1, 2]) await writer.line(101 + s, `sva-vault-${s}`, 'node-key', { keyFp: 'aaaaaaaaaaaa' });
    await writer.line(110, 'sva-vault-0', 'active');
    await writer.line(120, 'sva-vault-0', 'rekey-started', { audit: false });
    await writer.line(121, 'sva-vault-0', 'rekey-progress', { progress: 1 });
    await writer.line(122, 'sva-vault-0', 'rekey-progress', { progress: 2 });
    await writer.line(123, 'sva-vault-0', 'rekey-auth-complete');
    await writer.line(130, 'sva-vault-0', 'verify-progress', { progress: 1 });
    await writer.line(131, 'sva-vault-0', 'verify-progress', { progress: 2 });
    // the rotation line arrives in two writes; the first half must not be delivered
    const rotated = JSON.stringify({ t: 132, server: 'sva-vault-0', event: 'rotated', keyFp: 'bbbbbbbbbbbb' }) + '\n';
    await writer.append(rotated.slice(0, 25));
    await timeline.waitFor('vault-verify-progress-2', { timeoutMs: 10000 });
    await feed.flush();
    expect(timeline.find('vault-rotated')).to.have.length(0);
    await writer.append(rotated.slice(25));
    await timeline.waitFor('vault-rotated', { timeoutMs: 10000 });

    await writer.line(140, 'sva-vault-1', 'node-key', { keyFp: 'bbbbbbbbbbbb' });
    shuffleExists = true;
    await writer.line(150, 'sva-vault-0', 'rekey-started', { audit: false });
    await writer.line(151, 'sva-vault-0', 'rekey-auth-complete');
    await writer.line(152, 'sva-vault-0', 'rekey-cancelled', { reason: 'delete' });
    // audit-ness is judged when a line is read: read these before the shuffle milestone goes
    await feed.flush();
    shuffleExists = false;
    await writer.append('not json at all\n');
    await writer.line(160, 'sva-vault-2', 'active');
    await writer.line(161, 'sva-vault-2', 'rekey-started', { audit: false });
    await writer.line(162, 'sva-vault-2', 'rekey-cancelled', { reason: 'delete' });
    await timeline.waitFor('vault-rekey-cancelled', { timeoutMs: 10000 });

    expect(timeline.events().map((e) => e.name)).to.deep.equal([
      'vault-rekey-started',
      'vault-auth-progress-1',
      'vault-auth-progress-2',
      'vault-auth-complete',
      'vault-verify-progress-1',
      'vault-verify-progress-2',
      'vault-rotated',
      'vault-audit-started',
      'vault-audit-complete',
      'vault-active-changed',
      'vault-rekey-started',
      'vault-rekey-cancelled',
    ]);
    expect(timeline.events().every((e) => e.source === 'vault-feed')).to.equal(true);
    expect(timeline.find('vault-active-changed')[0]!.detail).to.include({ server: 'sva-vault-2', previous: 'sva-vault-0' });
    expect(feed.badLines()).to.equal(1);
    const keys = feed.keyHistory();
    expect(keys.map((k) => [k.t, k.keyFp])).to.deep.equal([
      [100, 'aaaaaaaaaaaa'],
      [101, 'aaaaaaaaaaaa'],
      [102, 'aaaaaaaaaaaa'],
      [103, 'aaaaaaaaaaaa'],
      [132, 'bbbbbbbbbbbb'],
      [140, 'bbbbbbbbbbbb'],
    ]);
    expect(keys[4]!.servers).to.deep.equal({ 'sva-vault-0': 'aaaaaaaaaaaa', 'sva-vault-1': 'aaaaaaaaaaaa', 'sva-vault-2': 'aaaaaaaaaaaa' });
    expect(keys[5]!.servers).to.deep.equal({ 'sva-vault-0': 'aaaaaaaaaaaa', 'sva-vault-1': 'bbbbbbbbbbbb', 'sva-vault-2': 'aaaaaaaaaaaa' });
  });

  it('timeline: keeps one Vault source, orders by t, waits for the n-th occurrence after an instant, times out and aborts', async () => {
    const timeline = new Timeline('vault-feed');
    const ev = (t: number, name: string, source: TimelineEvent['source']): TimelineEvent => ({ t, name, source });
    expect(timeline.add(ev(10, 'cluster-rekey-request', 'secret'))).to.equal(true);
    expect(timeline.add(ev(12, 'vault-rekey-started', 'vault-poll'))).to.equal(false); // the feed is the Vault source
    expect(timeline.add(ev(11, 'vault-rekey-started', 'vault-feed'))).to.equal(true);
    timeline.add(ev(30, 'cluster-rekey-0', 'secret'));
    timeline.add(ev(25, 'vault-auth-complete', 'vault-feed')); // read late: stored in t order
    expect(timeline.events().map((e) => e.t)).to.deep.equal([10, 11, 25, 30]);

    expect((await timeline.waitFor('vault-rekey-started')).t).to.equal(11);
    const second = timeline.waitFor('fault:0', { occurrence: 2, after: 40, timeoutMs: 5000 });
    timeline.add(ev(35, 'fault:0', 'fault')); // before `after`: does not count
    timeline.add(ev(41, 'fault:0', 'fault'));
    timeline.add(ev(42, 'fault:0', 'fault'));
    expect((await second).t).to.equal(42);

    let timedOut: unknown;
    await timeline.waitFor('rekey-complete', { timeoutMs: 20 }).catch((e) => (timedOut = e));
    expect(timedOut).to.be.instanceOf(TimeoutError);
    const controller = new AbortController();
    const aborted = timeline.waitFor('rekey-complete', { signal: controller.signal });
    controller.abort(new Error('iteration interrupted'));
    let reason: unknown;
    await aborted.catch((e) => (reason = e));
    expect((reason as Error).message).to.equal('iteration interrupted');
  });
});
