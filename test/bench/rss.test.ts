import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MeasurementError } from '../../bench/errors.js';
import { clusterProcesses, descendantsOf, parseStat, parseVmRssKb, RssSampler } from '../../bench/rss.js';

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => expect.fail('expected a rejection'),
    (err: unknown) => err,
  );
}

const statLine = (pid: number, comm: string, ppid: number, pgid: number) => `${pid} (${comm}) S ${ppid} ${pgid} ${pgid} 0 -1 4194560 100 0 0 0`;

describe('bench/rss: /proc parsing', () => {
  it('parses stat lines whose command contains spaces and parentheses', () => {
    expect(parseStat(statLine(42, 'node', 1, 42))).to.deep.equal({ pid: 42, comm: 'node', ppid: 1, pgid: 42 });
    expect(parseStat(statLine(7, 'a (b) c', 3, 5))).to.deep.equal({ pid: 7, comm: 'a (b) c', ppid: 3, pgid: 5 });
    expect(parseStat('garbage')).to.equal(undefined);
  });

  it('reads VmRSS and VmHWM in kB, nothing for a kernel thread', () => {
    const status = 'Name:\tnode\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\nThreads:\t11\n';
    expect(parseVmRssKb(status)).to.equal(102400);
    expect(parseVmRssKb(status, 'VmHWM')).to.equal(204800);
    expect(parseVmRssKb('Name:\tkthreadd\nThreads:\t1\n')).to.equal(undefined);
  });

  it('finds every descendant, each once when the roots overlap', () => {
    const procs = [
      { pid: 1, comm: 'init', ppid: 0, pgid: 1 },
      { pid: 10, comm: 'daemon', ppid: 1, pgid: 10 },
      { pid: 11, comm: 'pod', ppid: 10, pgid: 11 },
      { pid: 12, comm: 'esbuild', ppid: 11, pgid: 11 },
      { pid: 20, comm: 'other', ppid: 1, pgid: 20 },
    ];
    expect([...descendantsOf([10], procs)].sort()).to.deep.equal([10, 11, 12]);
    expect([...descendantsOf([10, 11], procs)].sort()).to.deep.equal([10, 11, 12]);
    expect([...descendantsOf([99], procs)]).to.deep.equal([99]);
  });
});

describe('bench/rss: sampling a fake /proc', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'bench-rss-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function proc(root: string, pid: number, comm: string, ppid: number, pgid: number, rssKb: number): Promise<void> {
    await mkdir(path.join(root, String(pid)), { recursive: true });
    await writeFile(path.join(root, String(pid), 'stat'), statLine(pid, comm, ppid, pgid));
    await writeFile(path.join(root, String(pid), 'status'), `Name:\t${comm}\nVmHWM:\t${rssKb * 2} kB\nVmRSS:\t${rssKb} kB\n`);
  }

  it('splits the cluster by role, keeps the harness apart, and reports the peak of the sum, not the sum of peaks', async () => {
    const root = path.join(dir, 'proc');
    const state = path.join(dir, 'state');
    await mkdir(path.join(state, 'pids'), { recursive: true });
    await writeFile(path.join(state, 'daemon.pid'), '10\n');
    await writeFile(path.join(state, 'pids', '11'), 'sva-vault-0');
    await proc(root, 5, 'harness', 1, 5, 1000); // the harness
    await proc(root, 10, 'node', 5, 10, 2048); // daemon, child of the harness
    await proc(root, 11, 'node', 10, 11, 1024); // a pod group leader
    await proc(root, 12, 'esbuild', 11, 11, 512); // in the pod's group
    await proc(root, 13, 'esbuild', 10, 10, 256); // the daemon's own helper
    await proc(root, 30, 'unrelated', 1, 30, 99999);
    const sampler = new RssSampler({ stateDir: state, procRoot: root, harnessPid: 5 });
    const first = await sampler.sample();
    expect(first.byRoleKb).to.deep.equal({ daemon: 2048, 'sva-vault-0': 1536, 'daemon-child:esbuild': 256, harness: 1000 });
    expect(first.embeddedKb).to.equal(2048 + 1536 + 256);
    // Later the pod grows while the daemon shrinks: the cluster's peak is the larger instant, not max(daemon)+max(pod).
    await proc(root, 10, 'node', 5, 10, 1024);
    await proc(root, 11, 'node', 10, 11, 2048);
    await sampler.sample();
    const report = await sampler.report();
    expect(report.samples).to.equal(2);
    expect(report.embeddedPeakMb).to.equal(Math.round(((1024 + 2560 + 256) / 1024) * 10) / 10);
    expect(report.peakByRoleMb['daemon']).to.equal(2);
    expect(report.peakByRoleMb['sva-vault-0']).to.equal(2.5);
    expect(report.harnessHwmMb).to.equal(2); // VmHWM of the harness (2000 kB) beats its sampled 1000 kB
    expect(report.harnessPeakMb).to.equal(2);
  });

  it('says so when it never saw the cluster, instead of reporting 0 MB', async () => {
    const root = path.join(dir, 'proc');
    await proc(root, 5, 'harness', 1, 5, 1000);
    const sampler = new RssSampler({ stateDir: path.join(dir, 'no-state'), procRoot: root, harnessPid: 5 });
    await sampler.sample();
    expect(await rejection(sampler.report())).to.be.instanceOf(MeasurementError).and.to.have.property('message').match(/no process of the cluster .* was ever seen \(1 samples\)/);
    expect(await rejection(new RssSampler({ stateDir: dir, procRoot: root }).report())).to.be.instanceOf(MeasurementError).and.to.have.property('message').match(/no sample was taken/);
  });

  it('reads the state dir: daemon pid and pod groups', async () => {
    await mkdir(path.join(dir, 'pids'), { recursive: true });
    await writeFile(path.join(dir, 'daemon.pid'), '123');
    await writeFile(path.join(dir, 'pids', '200'), 'sva-vault-manager-0\n');
    await writeFile(path.join(dir, 'pids', 'not-a-pid'), 'x');
    const found = await clusterProcesses(dir);
    expect(found.daemonPid).to.equal(123);
    expect([...found.podGroups]).to.deep.equal([[200, 'sva-vault-manager-0']]);
    expect(await clusterProcesses(path.join(dir, 'missing'))).to.deep.equal({ podGroups: new Map() });
  });
});

describe('bench/rss: real processes', function () {
  this.timeout(20_000);
  const children: ChildProcess[] = [];
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'bench-rss-real-'));
  });
  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await Promise.all(children.map((c) => (c.exitCode === null && c.signalCode === null ? once(c, 'exit') : undefined)));
    await rm(dir, { recursive: true, force: true });
  });

  /** A node process holding `mb` of touched memory; resolves once it says so. */
  async function holder(mb: number, detached: boolean): Promise<ChildProcess> {
    const child = spawn(process.execPath, ['-e', `globalThis.b = Buffer.alloc(${mb} * 1024 * 1024, 1); console.log('ready'); setInterval(() => {}, 1000);`], { stdio: ['ignore', 'pipe', 'inherit'], detached });
    children.push(child);
    const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
    expect(chunk.toString()).to.contain('ready');
    return child;
  }

  it('counts a daemon and a detached pod group as the cluster, and this process as the harness', async () => {
    const daemon = await holder(48, false);
    const pod = await holder(32, true); // its own process group, like an agent's pod
    await mkdir(path.join(dir, 'pids'), { recursive: true });
    await writeFile(path.join(dir, 'daemon.pid'), String(daemon.pid));
    await writeFile(path.join(dir, 'pids', String(pod.pid)), 'sva-vault-1');
    const sampler = new RssSampler({ stateDir: dir, intervalMs: 20 });
    sampler.start();
    const report = await sampler.stop();
    expect(report.samples).to.be.at.least(1);
    expect(report.peakByRoleMb['daemon']).to.be.at.least(48);
    expect(report.peakByRoleMb['sva-vault-1']).to.be.at.least(32);
    expect(report.embeddedPeakMb).to.be.at.least(80);
    // The harness is this mocha process; its children that belong to the cluster are not counted twice.
    expect(report.harnessPeakMb).to.be.greaterThan(10);
    expect(report.atEmbeddedPeakMb['harness']).to.be.below(report.harnessPeakMb + 0.1);
    const sum = Object.entries(report.atEmbeddedPeakMb).filter(([r]) => r !== 'harness').reduce((a, [, v]) => a + v, 0);
    expect(Math.abs(sum - report.embeddedPeakMb)).to.be.below(0.5);
  });
});
