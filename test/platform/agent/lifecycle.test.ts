/**
 * No process is ever left behind: `cluster down`, SIGINT/SIGTERM of a
 * foreground `cluster up`, a SIGKILLed daemon or a detached cluster followed
 * by another `cluster up`, and pod programs that watch their parent.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { constants } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { agentClientFor, REPO_ROOT, startEmbeddedCluster, stopEmbeddedCluster } from '../../../platform/cluster.js';
import { readStateFile } from '../../../platform/agent/state-files.js';
import { runMain } from '../../cli/cli-helpers.js';
import { alive, IP_BASE, newMarker, pidsWithMarker, podProgramsWithMarker, scriptWorkload, SLEEPER, tempStateDir, waitFor, waitForLog } from './helpers.js';

const CLI = path.join(REPO_ROOT, 'cli', 'main.ts');

interface CliRun {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function cli(args: string[]): CliRun {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (out += c));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

async function withMarkerPods(stateDir: string, marker: string, replicas = 2, script = SLEEPER): Promise<number[]> {
  const state = readStateFile(stateDir)!;
  await agentClientFor(state).putWorkload(scriptWorkload('orphan', script, marker, { replicas }));
  for (let i = 0; i < replicas; i++) await waitForLog(stateDir, `orphan-${i}`, 'main-0.log', 'started');
  const pids = podProgramsWithMarker(marker);
  expect(pids).to.have.length(replicas);
  return pids;
}

describe('agent: cluster lifecycle leaves no process behind', function () {
  let stateDir: string;
  const started: ChildProcess[] = [];

  beforeEach(() => {
    stateDir = tempStateDir();
  });

  afterEach(async () => {
    for (const child of started.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await stopEmbeddedCluster(stateDir);
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it('cluster down stops the daemon and every pod; a second down is a no-op with exit 0', async () => {
    const cluster = await startEmbeddedCluster({ stateDir, ipBase: IP_BASE, vault: false, manager: false });
    const marker = newMarker();
    const pods = await withMarkerPods(stateDir, marker);
    // In process through the CLI's main(): the spawned binary's exit path is covered by the signal tests below.
    const down = await runMain(['cluster', 'down', '--state-dir', stateDir]);
    expect(down.code, down.stdout + down.stderr).to.equal(0);
    expect(down.stdout).to.contain('no process left');
    expect(alive(cluster.state.pid), 'daemon').to.equal(false);
    for (const pid of pods) expect(alive(pid), `pod process ${pid}`).to.equal(false);
    expect(pidsWithMarker(marker)).to.deep.equal([]);
    expect(fs.readdirSync(path.join(stateDir, 'pids'))).to.deep.equal([]);
    const again = await runMain(['cluster', 'down', '--state-dir', stateDir]);
    expect(again.code).to.equal(0);
    expect(again.stdout).to.contain('no embedded cluster running');
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} to a foreground cluster up tears everything down and exits 128+N`, async () => {
      const up = cli(['cluster', 'up', '--state-dir', stateDir, '--ip-base', IP_BASE, '--no-vault', '--no-manager']);
      started.push(up.child);
      await waitFor(() => up.output().includes('running in the foreground'), { timeoutMs: 30_000, what: 'cluster up in the foreground' });
      expect(up.output()).to.contain(`kubeconfig: ${path.join(stateDir, 'kubeconfig')}`);
      const daemonPid = readStateFile(stateDir)!.pid;
      const marker = newMarker();
      const pods = await withMarkerPods(stateDir, marker);
      up.child.kill(signal);
      expect(await up.exited, up.output()).to.equal(128 + constants.signals[signal]);
      expect(alive(daemonPid), `daemon ${daemonPid}: ${up.output()}`).to.equal(false);
      for (const pid of pods) expect(alive(pid), `pod process ${pid}`).to.equal(false);
      expect(pidsWithMarker(marker)).to.deep.equal([]);
    });
  }

  it('after a SIGKILLed daemon, the next cluster up kills the orphaned pods and says so', async () => {
    const first = await startEmbeddedCluster({ stateDir, ipBase: IP_BASE, vault: false, manager: false });
    const marker = newMarker();
    const pods = await withMarkerPods(stateDir, marker);
    process.kill(first.state.pid, 'SIGKILL');
    await waitFor(() => !alive(first.state.pid), { timeoutMs: 10_000, what: 'the daemon to die' });
    // The precondition that makes this test able to fail: the pods outlived their daemon.
    for (const pid of pods) expect(alive(pid), `orphan ${pid} exists before the cleanup`).to.equal(true);
    const lines: string[] = [];
    const second = await startEmbeddedCluster({ stateDir, ipBase: IP_BASE, vault: false, manager: false, log: (l) => lines.push(l) });
    expect(second.cleaned?.killedGroups.map((g) => g.pgid).sort()).to.deep.equal([...pods].sort());
    expect(lines.join('\n')).to.match(/cleaned leftovers of a previous run.*killed 2 orphan pod process group/);
    await waitFor(() => pods.every((pid) => !alive(pid)) || undefined, { timeoutMs: 5_000, what: 'the orphans to be gone' });
    expect(pidsWithMarker(marker)).to.deep.equal([]);
    await second.stop();
  });

  // A foreground cluster dies with its SIGKILLed harness by itself (test/platform/safety/owner.test.ts);
  // a detached one is left running on purpose, and the next start must stop it first.
  it('a detached cluster left running: the next cluster up --detach stops its daemon and its pods first', async () => {
    const first = await runMain(['cluster', 'up', '--state-dir', stateDir, '--ip-base', IP_BASE, '--no-vault', '--no-manager', '--detach']);
    expect(first.code, first.stdout + first.stderr).to.equal(0);
    const staleDaemon = readStateFile(stateDir)!.pid;
    const marker = newMarker();
    const pods = await withMarkerPods(stateDir, marker);
    const again = await runMain(['cluster', 'up', '--state-dir', stateDir, '--ip-base', IP_BASE, '--no-vault', '--no-manager', '--detach']);
    expect(again.code, again.stdout + again.stderr).to.equal(0);
    expect(again.stdout + again.stderr).to.contain(`stopped the running daemon (pid ${staleDaemon})`);
    expect(alive(staleDaemon)).to.equal(false);
    for (const pid of pods) expect(alive(pid), `pod process ${pid}`).to.equal(false);
    expect(pidsWithMarker(marker)).to.deep.equal([]);
    const status = await runMain(['cluster', 'status', '--state-dir', stateDir]);
    expect(status.code, status.stdout + status.stderr).to.equal(0);
    expect(status.stdout).to.contain('active server: none');
  });

  it('pod programs using exitWhenParentDies() exit by themselves when the daemon is SIGKILLed', async () => {
    const first = await startEmbeddedCluster({ stateDir, ipBase: IP_BASE, vault: false, manager: false });
    const watcher = path.join(REPO_ROOT, 'common', 'parent-watch.ts');
    const script = `import(${JSON.stringify(watcher)}).then((m) => { m.exitWhenParentDies(); console.log('started'); }); setInterval(() => {}, 1000);`;
    const marker = newMarker();
    await agentClientFor(first.state).putWorkload({ ...scriptWorkload('orphan', script, marker), command: ['node', '--import', 'tsx', '-e', script] });
    await waitForLog(stateDir, 'orphan-0', 'main-0.log', 'started');
    // One pod program, the leader of the group the agent recorded. With `--import tsx` it may have an
    // esbuild service child (same group, same env) when tsx's transform cache misses: not a second pod,
    // and it must be gone at the end like everything else carrying the marker.
    const recorded = fs.readdirSync(path.join(stateDir, 'pids')).map(Number);
    expect(podProgramsWithMarker(marker)).to.deep.equal(recorded);
    process.kill(first.state.pid, 'SIGKILL');
    await waitFor(() => pidsWithMarker(marker).length === 0 || undefined, { timeoutMs: 10_000, what: 'the pod program to exit on its own' });
    expect(fs.readdirSync(path.join(stateDir, 'pids')), 'nothing was cleaned up for it').to.have.length(1);
  });
});
