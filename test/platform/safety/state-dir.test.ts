/**
 * A state dir is only ever a folder rekey-chaos made: a non-empty folder
 * without the marker is refused (exit 2, nothing touched, nothing started),
 * a file is refused, and even a marked state dir loses only the cluster's
 * own entries on a re-up.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { UsageError } from '../../../common/errors.js';
import { startEmbeddedCluster, stopEmbeddedCluster } from '../../../platform/cluster.js';
import { STATE_FORMAT, STATE_MARKER } from '../../../platform/state-dir.js';
import { runMain } from '../../cli/cli-helpers.js';
import { IP_BASE, processesOf, snapshot, tempRoot } from './helpers.js';

const UP = ['cluster', 'up', '--detach', '--ip-base', IP_BASE, '--no-vault', '--no-manager'];

/** A folder of the user's that happens to share names with a state dir's entries. */
function usersFolder(dir: string): void {
  fs.mkdirSync(path.join(dir, 'vault'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'logs'));
  fs.writeFileSync(path.join(dir, 'vault', 'unseal-keys-backup.txt'), 'the only copy\n');
  fs.writeFileSync(path.join(dir, 'logs', 'notes.txt'), 'mine\n');
  fs.writeFileSync(path.join(dir, 'config.json'), '{"mine": true}\n');
  fs.writeFileSync(path.join(dir, 'kubeconfig'), 'apiVersion: v1\n');
}

describe('safety: a state dir is only ever a folder rekey-chaos made', function () {
  this.timeout(180_000);
  let root: string;
  let dir: string;

  beforeEach(() => {
    root = tempRoot();
    dir = path.join(root, 'state');
  });

  afterEach(async () => {
    // today's code starts a cluster in the user's folder; never leave it running
    await stopEmbeddedCluster(dir);
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('cluster up --detach refuses a non-empty folder without the marker: exit 2, one line, nothing touched or started', async () => {
    usersFolder(dir);
    const before = snapshot(dir);
    const r = await runMain([...UP, '--state-dir', dir]);
    expect(r.code, r.stdout + r.stderr).to.equal(2);
    expect(r.stderr.trimEnd().split('\n'), r.stderr).to.have.length(1);
    expect(r.stderr).to.contain(`refusing to use ${dir} as a state dir`);
    expect(r.stderr).to.contain(`no ${STATE_MARKER} marker`);
    expect(r.stderr).to.match(/overwrite its config\.json, kubeconfig, logs, vault/);
    expect(r.stderr).to.contain('new or empty folder');
    expect(snapshot(dir), 'the folder is exactly as it was').to.deep.equal(before);
    expect(processesOf(dir)).to.deep.equal([]);
  });

  it('startEmbeddedCluster rejects such a folder with a UsageError naming it', async () => {
    usersFolder(dir);
    const before = snapshot(dir);
    const err = await startEmbeddedCluster({ stateDir: dir, ipBase: IP_BASE, vault: false, manager: false }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(UsageError);
    expect((err as UsageError).context['stateDir']).to.equal(dir);
    expect(snapshot(dir)).to.deep.equal(before);
    expect(processesOf(dir)).to.deep.equal([]);
  });

  it('run --state-dir on such a folder: exit 2 before anything runs', async () => {
    usersFolder(dir);
    const before = snapshot(dir);
    const out = path.join(root, 'out');
    const r = await runMain(['run', '--scenario', 'F1', '--iterations', '1', '--state-dir', dir, '--ip-base', IP_BASE, '--out', out]);
    expect(r.code, r.stdout + r.stderr).to.equal(2);
    expect(r.stderr).to.contain(`refusing to use ${dir} as a state dir`);
    expect(snapshot(dir)).to.deep.equal(before);
    expect(fs.existsSync(out), 'nothing was run').to.equal(false);
  });

  it('--state-dir naming a file: exit 2 with one line, for cluster up and run, the file unchanged', async () => {
    fs.writeFileSync(dir, 'a file\n');
    for (const args of [[...UP, '--state-dir', dir], ['run', '--scenario', 'F1', '--iterations', '1', '--state-dir', dir, '--out', path.join(root, 'out')]]) {
      const r = await runMain(args);
      expect(r.code, `${args[0]}: ${r.stdout}${r.stderr}`).to.equal(2);
      expect(r.stderr).to.equal(`rekey-chaos: --state-dir ${dir} is a file, not a folder; give --state-dir a new or empty folder (rekey-chaos creates it and marks it as its own)\n`);
      expect(fs.readFileSync(dir, 'utf8')).to.equal('a file\n');
    }
  });

  it('an empty folder is taken and marked; a re-up removes only the cluster\'s own entries, a file the user dropped there survives', async () => {
    fs.mkdirSync(dir);
    const first = await runMain([...UP, '--state-dir', dir]);
    expect(first.code, first.stdout + first.stderr).to.equal(0);
    const marker = JSON.parse(fs.readFileSync(path.join(dir, STATE_MARKER), 'utf8'));
    expect(marker).to.include({ tool: 'rekey-chaos', format: STATE_FORMAT, createdByPid: process.pid });
    expect(Date.parse(marker.createdAt)).to.be.a('number').and.not.NaN;
    fs.writeFileSync(path.join(dir, 'my-notes.txt'), 'keep me\n');
    fs.mkdirSync(path.join(dir, 'backups'));
    fs.writeFileSync(path.join(dir, 'backups', 'keys.txt'), 'keep me too\n');
    const second = await runMain([...UP, '--state-dir', dir]);
    expect(second.code, second.stdout + second.stderr).to.equal(0);
    expect(second.stdout).to.contain('stopped the running daemon');
    expect(fs.readFileSync(path.join(dir, 'my-notes.txt'), 'utf8')).to.equal('keep me\n');
    expect(fs.readFileSync(path.join(dir, 'backups', 'keys.txt'), 'utf8')).to.equal('keep me too\n');
    expect(JSON.parse(fs.readFileSync(path.join(dir, STATE_MARKER), 'utf8')), 'the marker keeps its creation').to.deep.equal(marker);
    const down = await runMain(['cluster', 'down', '--state-dir', dir]);
    expect(down.code).to.equal(0);
    expect(processesOf(dir)).to.deep.equal([]);
    expect(fs.readFileSync(path.join(dir, 'my-notes.txt'), 'utf8')).to.equal('keep me\n');
  });

  it('a marker this version did not write (another format, not JSON) is refused like no marker', async () => {
    for (const content of ['{"tool": "rekey-chaos", "format": 99}\n', 'not json\n']) {
      fs.mkdirSync(path.join(dir, 'vault'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'vault', 'unseal-keys-backup.txt'), 'the only copy\n');
      fs.writeFileSync(path.join(dir, STATE_MARKER), content);
      const before = snapshot(dir);
      const r = await runMain([...UP, '--state-dir', dir]);
      expect(r.code, r.stdout + r.stderr).to.equal(2);
      expect(r.stderr).to.contain(`its ${STATE_MARKER} is not one this version of rekey-chaos wrote`);
      expect(snapshot(dir)).to.deep.equal(before);
    }
  });

  it('cluster down leaves a folder without the marker alone', async () => {
    usersFolder(dir);
    fs.writeFileSync(path.join(dir, 'state.json'), '{"pid": 1}\n');
    fs.writeFileSync(path.join(dir, 'daemon.pid'), '1\n');
    const before = snapshot(dir);
    const r = await runMain(['cluster', 'down', '--state-dir', dir]);
    expect(r.code).to.equal(0);
    expect(snapshot(dir)).to.deep.equal(before);
  });
});
