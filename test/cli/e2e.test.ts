/**
 * The CLI end to end on the embedded cluster (ipBase 127.47.0): a family
 * passes with the reference manager and fails with a broken variant, a
 * printed replay command reproduces plan and verdict, and explore finds,
 * shrinks and saves a failure that its regression file replays. Few
 * iterations on purpose — the full matrices are `npm run matrix:*`.
 *
 * The commands run through `main()` of cli/main.ts in this process (the
 * binary's code path minus a node+tsx start per command); the clusters they
 * start are real daemons and pod processes all the same. One command, the
 * replay of the printed line, still goes through the real binary so its
 * exit code 1 is proven end to end.
 */
import { expect } from 'chai';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RunRecord } from '../../common/record.js';
import { stopEmbeddedCluster } from '../../platform/cluster.js';
import { loadScenarioFile } from '../../matrix/catalog.js';
import { decodeReplayToken, extractToken } from '../../matrix/replay.js';
import { runCli, runMain, type CliResult } from './cli-helpers.js';

/**
 * Deterministic failure that leaves a clean cluster: Vault rotates as authentication
 * completes, before the new shards can be stored, so the exact I1 (the key feed) fails
 * on every iteration whatever the faults; the shards are then stored and shuffled
 * normally, so the runner's recovery finds nothing to redeploy. (A defect that
 * garbles cluster-key costs a full Vault redeploy per failed iteration; recovery by
 * redeploy is proven in test/harness.)
 */
const DEFECT = 'no-require-verification';

describe('cli end to end on the embedded cluster', function () {
  this.timeout(600000);
  let dir: string;
  let stateDir: string;
  const cluster = () => ['--state-dir', stateDir, '--ip-base', '127.47.0'];
  const results = (name: string) => ['--out', path.join(dir, name)];
  const records = (name: string): RunRecord[] => {
    const runs = path.join(dir, name, 'runs');
    return readdirSync(runs)
      .sort()
      .map((id) => JSON.parse(readFileSync(path.join(runs, id, 'record.json'), 'utf8')) as RunRecord);
  };
  const replayLines = (r: CliResult) => r.stdout.split('\n').filter((l) => /^\s*replay: rekey-chaos replay "/.test(l)).map((l) => l.replace(/^\s*replay: /, ''));

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'rekey-chaos-e2e-'));
    stateDir = path.join(dir, 'state');
  });
  after(async () => {
    // Each command stops its own cluster; this only catches one left by a crash.
    if (existsSync(stateDir)) await stopEmbeddedCluster(stateDir).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('run --family F3 --iterations 3 passes with the reference manager', async () => {
    const r = await runMain(['run', '--family', 'F3', '--iterations', '3', ...cluster(), ...results('reference')]);
    // A fault that missed its moment is "not hit": never a failure of an invariant, but never green either.
    expect(r.stdout.match(/^\[\d\/3\] (PASS|NOT-HIT) +F3#\d/gm), r.stdout).to.have.length(3);
    const outcomes = records('reference').map((rec) => rec.outcome);
    expect(outcomes.every((o) => o === 'passed' || o === 'not-hit'), outcomes.join()).to.equal(true);
    expect(outcomes).to.include('passed');
    expect(r.code, r.stdout + r.stderr).to.equal(outcomes.includes('not-hit') ? 1 : 0);
  });

  describe(`with the ${DEFECT} variant`, () => {
    // The failing run is shared setup: both tests below read it, neither depends on the other.
    let run: CliResult;
    before(async () => {
      run = await runMain(['run', '--family', 'F3', '--iterations', '3', '--defect', DEFECT, ...cluster(), ...results('defect')]);
    });

    it('run --family F3 --iterations 3 fails (exit 1) and prints replay commands', () => {
      expect(run.code, run.stdout + run.stderr).to.equal(1);
      const recs = records('defect');
      expect(recs.map((rec) => rec.outcome)).to.deep.equal(['failed', 'failed', 'failed']);
      for (const rec of recs) expect(rec.invariants.find((i) => i.id === 'I1')?.status, rec.runId).to.equal('failed');
      const replays = replayLines(run);
      expect(replays).to.have.length(3);
      expect(replays).to.deep.equal(recs.map((rec) => rec.replay));
      expect(decodeReplayToken(replays[1]!)).to.include({ scenario: 'F3', iteration: recs[1]!.plan.iteration, defect: DEFECT });
    });

    it('the printed replay command reproduces the same plan JSON and the same verdict', async () => {
      const failedRecord = records('defect')[1]!;
      const failedReplay = replayLines(run).find((line) => line === failedRecord.replay);
      expect(failedReplay, run.stdout).to.be.a('string');
      const r = await runCli(['replay', failedReplay!, ...cluster(), ...results('replay')]); // the real binary: exit 1 end to end
      expect(r.code, r.stdout + r.stderr).to.equal(1);
      const [rec] = records('replay');
      expect(JSON.stringify(rec!.plan)).to.equal(JSON.stringify(failedRecord.plan));
      expect(rec!.outcome).to.equal('failed');
      const failedIds = (x: RunRecord) => x.invariants.filter((i) => i.status === 'failed').map((i) => i.id);
      expect(failedIds(rec!)).to.deep.equal(failedIds(failedRecord));
    });
  });

  it('explore finds and shrinks a failure of the broken variant, and the saved regression file replays it', async () => {
    const outDir = path.join(dir, 'regressions');
    // Seed 7's first schedule is two pod deletions (see `explore --seed 7 --dry-run`): it fails, and one
    // shrink step drops a fault; the budget keeps shrinking to two more real iterations.
    const r = await runMain(['explore', '--seed', '7', '--runs', '2', '--max-faults', '3', '--shrink-budget', '2', '--defect', DEFECT, '--out-dir', outDir, ...cluster(), ...results('explore')]);
    expect(r.code, r.stdout + r.stderr).to.equal(1);
    const saved = readdirSync(outDir);
    expect(saved).to.have.length(1);
    const scenario = loadScenarioFile(path.join(outDir, saved[0]!)).scenario;
    expect(scenario.family).to.equal('regression');
    const shrunk = /failure found and shrunk to (\d) fault\(s\) in (\d+) step\(s\)/.exec(r.stdout);
    expect(shrunk, r.stdout).to.not.equal(null);
    expect(Number(shrunk![2]), 'shrink steps').to.be.greaterThan(0);
    const firstFailing = Math.max(...records('explore').map((rec) => rec.scenario.faults.length));
    expect(Number(shrunk![1])).to.equal(scenario.faults.length).and.to.be.lessThan(firstFailing);
    // Every failing run prints its replay line as it goes; the saved minimal schedule's comes last.
    const replay = replayLines(r).at(-1);
    expect(replay, r.stdout).to.not.equal(undefined);
    const spec = decodeReplayToken(extractToken(replay!));
    expect([spec.scenario, spec.defect]).to.deep.equal([scenario.id, DEFECT]);
    const explored = records('explore').filter((rec) => rec.scenario.id === scenario.id);
    expect(explored.length, 'the saved schedule is one that ran and failed').to.be.greaterThan(0);
    expect(explored.every((rec) => rec.outcome === 'failed')).to.equal(true);

    const again = await runMain(['replay', replay!, ...cluster(), ...results('regression')]);
    expect(again.code, again.stdout + again.stderr).to.equal(1);
    const [rec] = records('regression');
    expect(JSON.stringify(rec!.plan)).to.equal(JSON.stringify(explored[0]!.plan));
    expect(rec!.outcome).to.equal('failed');
  });
});
