import { expect } from 'chai';
import { execa } from 'execa';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunRecord } from '../../common/record.js';
import { exitCodeOf, UsageError } from '../../common/errors.js';
import { formatRecheck, recheck } from '../../cli/recheck.js';
import { corrupt, makeSet } from '../observe/shard-fixtures.js';
import { simulateRun } from './simulate.js';

/** Runs the real CLI in a child process, as a user or CI job would (once: a spawn costs seconds on a loaded machine). */
function cli(...args: string[]) {
  return execa(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], { reject: false, cwd: process.cwd() });
}

async function writeRecord(dir: string, record: RunRecord | string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'record.json'), typeof record === 'string' ? record : JSON.stringify(record));
}

describe('rekey-chaos recheck', function () {
  this.timeout(60000);
  let tmp: string;
  let good: RunRecord;
  let bad: RunRecord;
  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'rekey-chaos-recheck-'));
    const oldSet = await makeSet();
    const newSet = await makeSet();
    good = await simulateRun(oldSet, newSet);
    // recorded as passed by an older checker, but its fifth share is corrupt
    bad = { ...(await simulateRun(oldSet, newSet, { finalSet: corrupt(newSet, 4) })), runId: 'sim-0002', outcome: 'passed' };
  });
  after(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('re-checks one run dir: one line per invariant, outcome passed (in process)', async () => {
    const dir = join(tmp, 'one');
    await writeRecord(dir, good);
    const results = await recheck(dir);
    expect(results).to.have.length(1);
    expect(results[0]!.record.outcome).to.equal('passed');
    const text = formatRecheck(results, dir);
    for (const id of ['I1', 'I2', 'I3', 'I4', 'I5', 'I6', 'I7']) expect(text).to.match(new RegExp(`^  ${id} passed `, 'm'));
    expect(text).to.match(/^  outcome: passed$/m);
  });

  it('the CLI re-checks every run dir under a parent; an old pass that now fails I7 exits 1 and says what changed', async () => {
    const parent = join(tmp, 'many');
    await writeRecord(join(parent, 'runs', 'a'), good);
    await writeRecord(join(parent, 'runs', 'b'), bad);
    const r = await cli('recheck', parent);
    expect(r.exitCode, r.stderr).to.equal(1);
    expect(r.stdout).to.match(/^  I7 failed  6 of 10 subsets do not authenticate/m);
    expect(r.stdout).to.match(/^  outcome: failed \(recorded: passed\)$/m);
    expect(r.stdout).to.include('2 record(s) rechecked, 1 failing');
  });

  it('rejects a missing dir, a dir without records, bad JSON and a malformed record as bad input (exit code 2)', async () => {
    const rejection = async (dir: string): Promise<Error> => {
      let error: unknown;
      await recheck(dir).catch((e) => (error = e));
      expect(error).to.be.instanceOf(UsageError);
      expect(exitCodeOf(error)).to.equal(2);
      return error as Error;
    };
    expect((await rejection(join(tmp, 'nope'))).message).to.include('no such directory');
    const empty = join(tmp, 'empty');
    await mkdir(empty, { recursive: true });
    expect((await rejection(empty)).message).to.include('no record.json');
    const broken = join(tmp, 'broken');
    await writeRecord(broken, '{"version": 1, ');
    expect((await rejection(broken)).message).to.include('not valid JSON');
    const shapeless = join(tmp, 'shapeless');
    const { ledger: _dropped, ...withoutLedger } = good;
    await writeRecord(shapeless, JSON.stringify(withoutLedger));
    expect((await rejection(shapeless)).message).to.include('malformed run record: ledger: missing or not an array');
  });
});
