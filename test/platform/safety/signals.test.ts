/**
 * The `rekey-chaos` binary (bin/rekey-chaos.js, a launcher that runs the CLI
 * in a child) forwards SIGINT, SIGTERM and SIGHUP, the CLI child cleans up on
 * each (`cluster up` tears its cluster down, `run` stops as on Ctrl-C), and
 * the launcher exits 128+N for the signal N that ended the child, SIGKILL
 * included (that cluster then dies with its owner).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { constants } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { REPO_ROOT, stopEmbeddedCluster } from '../../../platform/cluster.js';
import { waitFor } from '../../../platform/agent/wait.js';
import { IP_BASE, leftAfter, processesOf, tempRoot } from './helpers.js';

const BIN = path.join(REPO_ROOT, 'bin', 'rekey-chaos.js');

interface Launched {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function launch(args: string[]): Launched {
  // CI=1: progress as plain lines, whatever the terminal
  const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: '1' } });
  let out = '';
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (out += c));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, output: () => out, exited };
}

/** The children of a process (field 4 of /proc/<pid>/stat is the parent). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'latin1');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(entry));
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}

describe('safety: the rekey-chaos binary and signals', function () {
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
    for (const p of processesOf(stateDir)) process.kill(p.pid, 'SIGKILL');
    fs.rmSync(root, { recursive: true, force: true });
  });

  async function foregroundUp(): Promise<Launched> {
    const up = launch(['cluster', 'up', '--state-dir', stateDir, '--ip-base', IP_BASE, '--no-vault', '--no-manager']);
    started.push(up.child);
    await waitFor(
      () => {
        if (up.child.exitCode !== null) throw new Error(`cluster up exited early:\n${up.output()}`);
        return up.output().includes('running in the foreground') || undefined;
      },
      { timeoutMs: 60_000, what: 'cluster up in the foreground', pollMs: 50 },
    );
    return up;
  }

  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    const expected = 128 + constants.signals[signal];
    it(`${signal} to \`rekey-chaos cluster up\` (foreground): the cluster is torn down, exit ${expected}, no process left`, async () => {
      const up = await foregroundUp();
      expect(processesOf(stateDir).length, 'the launcher, the CLI, the daemon').to.be.at.least(3);
      up.child.kill(signal);
      const { code } = await up.exited;
      expect(code, up.output()).to.equal(expected);
      expect(up.output()).to.contain(`stopping the embedded cluster (${signal})`);
      expect(up.output()).to.contain('no process left');
      const left = await leftAfter(stateDir, 10_000);
      expect(left, `left behind: ${JSON.stringify(left, null, 1)}`).to.deep.equal([]);
    });
  }

  for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
    it(`${signal} to \`rekey-chaos run\`: the run stops as on Ctrl-C (interrupted, summary written), no process left`, async () => {
      const out = path.join(root, 'out');
      const run = launch(['run', '--scenario', 'F1', '--iterations', '3', '--state-dir', stateDir, '--ip-base', IP_BASE, '--out', out]);
      started.push(run.child);
      await waitFor(
        () => {
          if (run.child.exitCode !== null) throw new Error(`run exited early:\n${run.output()}`);
          return /F1#0/.test(run.output()) || undefined;
        },
        { timeoutMs: 120_000, what: 'the first iteration to finish', pollMs: 50 },
      );
      run.child.kill(signal);
      const { code } = await run.exited;
      expect(run.output()).to.contain('error: interrupted');
      expect(code, run.output()).to.equal(3); // interrupted iterations are environment errors
      expect(fs.existsSync(path.join(out, 'summary.json')), 'the summary was written').to.equal(true);
      const left = await leftAfter(stateDir, 10_000);
      expect(left, `left behind: ${JSON.stringify(left, null, 1)}`).to.deep.equal([]);
    });
  }

  it('SIGKILL of the CLI child: the launcher exits 137 and the cluster dies with its owner, no process left', async () => {
    const up = await foregroundUp();
    const cli = childrenOf(up.child.pid!);
    expect(cli, 'the launcher runs the CLI in one child').to.have.length(1);
    process.kill(cli[0]!, 'SIGKILL');
    const { code } = await up.exited;
    expect(code, up.output()).to.equal(128 + constants.signals.SIGKILL);
    const left = await leftAfter(stateDir, 15_000);
    expect(left, `left behind: ${JSON.stringify(left, null, 1)}`).to.deep.equal([]);
  });
});
