/**
 * Exact I1 judges by commit instants: a ledger received late (a lagging
 * watch) against a key feed stamped at Vault's commit passes when the
 * entries carry the API server's commit instants, and a real custody break
 * is still caught. Also the reader that joins those instants to watch events.
 */
import { expect } from 'chai';
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunRecord } from '../../common/record.js';
import { expectedRekeySequence } from '../../common/milestones.js';
import { checkI1 } from '../../harness/invariants/index.js';
import { CommitFeedReader } from '../../harness/observe/commit-instants.js';
import { simulateRun } from '../invariants/simulate.js';
import { makeSet, type TestSet } from './shard-fixtures.js';

const LAG_MS = 400;

/** The record as a lagging watch would have it: every ledger entry and secret event received LAG_MS after its commit. */
function lagged(record: RunRecord, { keepCommitInstants }: { keepCommitInstants: boolean }): RunRecord {
  const r = structuredClone(record);
  for (const entry of r.ledger) {
    if (keepCommitInstants) entry.committedAt = entry.t;
    entry.t += LAG_MS;
  }
  for (const e of r.timeline) if (e.source === 'secret') e.t += LAG_MS;
  r.timeline.sort((a, b) => a.t - b.t);
  return r;
}

/** The no-require-verification defect's history: Vault rotates when authentication completes, before the new shards are stored. */
function rotateBeforeStoring(): string[] {
  const seq = expectedRekeySequence().filter((e) => e !== 'vault-verify-progress-1' && e !== 'vault-verify-progress-2' && e !== 'vault-rotated');
  seq.splice(seq.indexOf('vault-auth-complete') + 1, 0, 'vault-rotated');
  return seq;
}

describe('exact I1 by commit instants', () => {
  let oldSet: TestSet;
  let newSet: TestSet;
  before(async () => {
    oldSet = await makeSet();
    newSet = await makeSet();
  });

  it(`passes an undisturbed rekey whose ledger arrived ${LAG_MS} ms after its commits, judging by the commit instants`, async () => {
    const record = lagged(await simulateRun(oldSet, newSet), { keepCommitInstants: true });
    const r = checkI1(record);
    expect(r.status, r.message).to.equal('passed');
    expect(r.evidence).to.include({ mode: 'exact', instants: 'commit' });
  });

  it('the same lag without commit instants is the false failure this prevents (receive instants against commit instants)', async () => {
    const record = lagged(await simulateRun(oldSet, newSet), { keepCommitInstants: false });
    const r = checkI1(record);
    expect(r.status).to.equal('failed');
    expect(r.evidence).to.include({ mode: 'exact', instants: 'receive', keyInEffect: newSet.keyFp });
  });

  it('still fails, at the rotation, a manager that let Vault rotate before the new shards were stored', async () => {
    const record = lagged(await simulateRun(oldSet, newSet, { sequence: rotateBeforeStoring() }), { keepCommitInstants: true });
    const r = checkI1(record);
    expect(r.status).to.equal('failed');
    expect(r.at).to.equal(record.keyFeed![1]!.t);
    expect(r.evidence).to.include({ mode: 'exact', instants: 'commit', keyInEffect: newSet.keyFp, lastSecretChange: 'cluster-rekey-request' });
  });

  it('keeps the ledger order where entries with and without commit instants mix (a change derived after a watch gap)', async () => {
    const record = lagged(await simulateRun(oldSet, newSet), { keepCommitInstants: true });
    // the first cluster-rekey shard came through a re-list: no commit instant, only its (late) arrival
    const derived = record.ledger.find((e) => e.cause === 'cluster-rekey-0')!;
    delete derived.committedAt;
    const r = checkI1(record);
    expect(r.evidence).to.include({ instants: 'mixed' });
    expect(r.status, r.message).to.equal('passed');
  });

  it('bracketed (no key feed): a whole ledger and its secret events received late still pass', async () => {
    const record = lagged(await simulateRun(oldSet, newSet, { feed: false }), { keepCommitInstants: false });
    const r = checkI1(record);
    expect(r.status, r.message).to.equal('passed');
    expect(r.evidence).to.include({ mode: 'bracketed' });
  });
});

describe('observe/commit-instants reader', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rekey-chaos-commit-reader-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const line = (t: number, rv: number, namespace = 'vault') => JSON.stringify({ t, rv: String(rv), type: 'ADDED', resource: 'secrets', namespace, name: `s${rv}` }) + '\n';

  it('joins by resourceVersion, reading what was appended since (synchronously), and knows nothing before the file exists', async () => {
    const path = join(dir, 'commits.jsonl');
    const reader = new CommitFeedReader(path);
    expect(reader.instantOf('3')).to.equal(undefined);
    await writeFile(path, line(1000.5, 3));
    expect(reader.instantOf('3')).to.equal(1000.5);
    await appendFile(path, line(1010, 7, 'other') + line(1020, 9));
    expect(reader.instantOf('9')).to.equal(1020);
    expect(reader.latestAtOrBefore('vault', '8')).to.equal(1000.5);
    expect(reader.latestAtOrBefore('other', '8')).to.equal(1010);
    expect(reader.latestAtOrBefore('vault', '2')).to.equal(undefined);
  });

  it('waits for the newline of a line being written, counts junk, and starts afresh when the file was replaced by a shorter one', async () => {
    const path = join(dir, 'commits.jsonl');
    const reader = new CommitFeedReader(path);
    const whole = line(2000, 12);
    await writeFile(path, line(1, 1) + line(2, 2) + 'not json\n' + whole.slice(0, 10));
    expect(reader.instantOf('12')).to.equal(undefined);
    expect(reader.badLines).to.equal(1);
    await appendFile(path, whole.slice(10));
    expect(reader.instantOf('12')).to.equal(2000);
    await writeFile(path, line(3000, 1)); // a new API server: versions restart
    expect(reader.instantOf('1')).to.equal(1);
    expect(reader.latestAtOrBefore('vault', '1')).to.equal(3000);
    expect(reader.instantOf('12')).to.equal(undefined);
  });

  it('existedAt: whether a secret existed at an instant, by its last commit at or before it', async () => {
    const path = join(dir, 'commits.jsonl');
    const commit = (t: number, rv: number, type: string, name: string) => JSON.stringify({ t, rv: String(rv), type, resource: 'secrets', namespace: 'vault', name }) + '\n';
    await writeFile(path, commit(100, 1, 'ADDED', 'cluster-rekey-shuffle') + commit(200, 2, 'DELETED', 'cluster-rekey-shuffle') + commit(300, 3, 'ADDED', 'other'));
    const reader = new CommitFeedReader(path);
    expect(reader.existedAt('vault', 'cluster-rekey-shuffle', 99)).to.equal(false);
    expect(reader.existedAt('vault', 'cluster-rekey-shuffle', 100)).to.equal(true);
    expect(reader.existedAt('vault', 'cluster-rekey-shuffle', 150)).to.equal(true);
    expect(reader.existedAt('vault', 'cluster-rekey-shuffle', 250)).to.equal(false);
    expect(reader.existedAt('elsewhere', 'cluster-rekey-shuffle', 150)).to.equal(false);
  });
});
