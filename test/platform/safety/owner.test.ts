/**
 * A cluster dies with the process that started it, however that process
 * dies (SIGKILL included): the daemon holds a pipe from its owner and tears
 * everything down at its end of file. Only `cluster up --detach` outlives
 * its starter.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { REPO_ROOT, readClusterState, startEmbeddedCluster, stopEmbeddedCluster } from '../../../platform/cluster.js';
import { UsageError } from '../../../common/errors.js';
import { pidAlive } from '../../../platform/agent/state-files.js';
import { waitFor } from '../../../platform/agent/wait.js';
import { runMain } from '../../cli/cli-helpers.js';
import { IP_BASE, leftAfter, processesOf, tempRoot } from './helpers.js';

const HARNESS = path.join(REPO_ROOT, 'test', 'platform', 'safety', 'fixtures', 'owned-cluster.ts');
const CLI = path.join(REPO_ROOT, 'cli', 'main.ts');
/** the second harness's address range (127.55.0 is this suite's second /24) */
const SECOND_IP_BASE = '127.55.0';

interface Spawned {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function spawnNode(args: string[]): Spawned {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (out += c));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, output: () => out, exited };
}

/** The daemon pid the owned-cluster fixture prints once its pods run (or why it exited first). */
function daemonPidOnceReady(harness: Spawned): Promise<number> {
  return waitFor(
    () => {
      if (harness.child.exitCode !== null) throw new Error(`the harness exited early:\n${harness.output()}`);
      return /READY (\d+)/.exec(harness.output())?.[1];
    },
    { timeoutMs: 90_000, what: 'the harness to print READY', pollMs: 50 },
  ).then(Number);
}

describe('safety: a cluster dies with its owner', function () {
  this.timeout(180_000);
  let root: string;
  let stateDir: string;
  const started: ChildProcess[] = [];

  beforeEach(() => {
    root = tempRoot();
    stateDir = path.join(root, 'state');
  });

  afterEach(async () => {
    for (const child of started.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await stopEmbeddedCluster(stateDir);
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('SIGKILL of the harness that called startEmbeddedCluster: the daemon, every pod and their children are gone', async () => {
    const harness = spawnNode([HARNESS, stateDir, IP_BASE]);
    started.push(harness.child);
    const daemonPid = await daemonPidOnceReady(harness);
    const before = processesOf(stateDir);
    // the harness, the daemon, 2 pods and a `sleep` in each pod's group: what must all disappear
    expect(before.map((p) => p.pid), JSON.stringify(before, null, 1)).to.include(daemonPid);
    expect(before.filter((p) => p.cmdline.startsWith('sleep 1000')), JSON.stringify(before, null, 1)).to.have.length(2);
    harness.child.kill('SIGKILL');
    await harness.exited;
    const left = await leftAfter(stateDir, 15_000);
    expect(left, `left behind: ${JSON.stringify(left, null, 1)}`).to.deep.equal([]);
    expect(fs.readFileSync(path.join(stateDir, 'daemon.log'), 'utf8')).to.match(/daemon: stopping \(owner .*gone\)/);
  });

  it('a second harness pointed at the state dir of a run still going is refused (exit 2, nothing touched): the first cluster keeps serving', async () => {
    const harness = spawnNode([HARNESS, stateDir, IP_BASE]);
    started.push(harness.child);
    const daemonPid = await daemonPidOnceReady(harness);
    const err = await startEmbeddedCluster({ stateDir, ipBase: SECOND_IP_BASE, vault: false, manager: false }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(UsageError);
    expect((err as Error).message).to.contain(`belongs to another rekey-chaos process that is still running (pid ${harness.child.pid})`);
    const run = await runMain(['run', '--family', 'F1', '--iterations', '1', '--state-dir', stateDir, '--ip-base', SECOND_IP_BASE, '--out', path.join(root, 'out')]);
    expect(run.code, run.stdout + run.stderr).to.equal(2);
    expect(run.stderr).to.match(/state dir .* is in use/);
    expect(fs.existsSync(path.join(root, 'out', 'runs')), 'nothing ran').to.equal(false);
    expect(pidAlive(daemonPid), 'the first cluster was left alone').to.equal(true);
    expect(readClusterState(stateDir)?.pid).to.equal(daemonPid);
  });

  it('cluster up --detach outlives its starter: the daemon has no owner and keeps serving', async () => {
    const up = spawnNode([CLI, 'cluster', 'up', '--detach', '--state-dir', stateDir, '--ip-base', IP_BASE, '--no-vault', '--no-manager']);
    started.push(up.child);
    const { code } = await up.exited;
    expect(code, up.output()).to.equal(0);
    const state = readClusterState(stateDir);
    expect(state, 'a cluster still serves from the state dir').to.not.equal(undefined);
    expect(fs.readFileSync(path.join(stateDir, 'daemon.log'), 'utf8')).to.contain('daemon: no owner');
    const status = await runMain(['cluster', 'status', '--state-dir', stateDir]);
    expect(status.code, status.stdout + status.stderr).to.equal(0);
    expect(pidAlive(state!.pid)).to.equal(true);
    const down = await runMain(['cluster', 'down', '--state-dir', stateDir]);
    expect(down.code).to.equal(0);
    expect(await leftAfter(stateDir, 15_000)).to.deep.equal([]);
  });
});
