import { expect } from 'chai';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decodeReplayToken } from '../../matrix/replay.js';
import { expectedMessage, MALFORMED_CASES, MALFORMED_DIR } from '../matrix/malformed-cases.js';
import { limited, runCli, runMain } from './cli-helpers.js';
import { quickCoverageIds } from '../../matrix/quick-coverage.js';
import { milestoneMatrix, unsealMatrix } from '../../matrix/milestone-matrix.js';

/** F1–F10 one iteration each, the milestone coverage list (matrix/quick-coverage.ts) and the two trouble scenarios. */
const QUICK_SIZE = 12 + quickCoverageIds().length;

interface DryRunLine {
  scenario: string;
  iteration: number;
  plan: { scenarioId: string; iteration: number };
  replay: string;
}

const parseLines = (stdout: string): DryRunLine[] =>
  stdout
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as DryRunLine);

describe('cli: list, run, replay, explore (no cluster)', function () {
  this.timeout(120000);
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'rekey-chaos-cli-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const args = (c: (typeof MALFORMED_CASES)[number]) => ['run', '--scenario', `${MALFORMED_DIR}/${c[0]}`, '--out', dir];
  const checkRejected = (r: { code: number; stdout: string; stderr: string }, c: (typeof MALFORMED_CASES)[number]) => {
    expect(r.stderr, c[0]).to.equal(`rekey-chaos: ${expectedMessage(c)}\n`);
    expect(r.code, c[0]).to.equal(2);
    expect(r.stdout, c[0]).to.equal('');
  };

  it('rejects each malformed file with its one-line error and exit 2, running nothing', async () => {
    for (const c of MALFORMED_CASES) checkRejected(await runMain(args(c)), c);
    expect(readdirSync(dir), 'no results, runs or summary written').to.deep.equal([]);
  });

  // Every case is checked through main() above; the binary adds only its own error-to-exit mapping, so two
  // spawns (one per error source: the YAML parser, the catalogue-wide schema check) prove it, side by side.
  it('the spawned binary gives the same errors and exit 2 (YAML syntax error, duplicate id)', async () => {
    const picked = MALFORMED_CASES.filter((c) => /^(01|12)-/.test(c[0]));
    expect(picked).to.have.length(2);
    const results = await limited(picked, 2, (c) => runCli(args(c)));
    results.forEach((r, i) => checkRejected(r, picked[i]!));
    expect(readdirSync(dir)).to.deep.equal([]);
  });

  it('exit 2 for unknown scenario ids, families, matrices, options, shards and defects', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['run', '--scenario', 'F42'], /unknown scenario "F42"/],
      [['run', '--family', 'F11'], /unknown family "F11"/],
      [['run', '--matrix', 'everything'], /unknown matrix "everything"/],
      [['run', '--frobnicate'], /unknown option '--frobnicate'/],
      [['run', '--shard', '4/3'], /--shard must be I\/N/],
      [['run', '--iterations', '0'], /--iterations must be an integer 1\.\.10000/],
      [['run', '--backend', 'docker'], /Allowed choices are embedded, kind, kubeconfig/],
      [['run', '--family', 'F3', '--defect', 'no-such-defect'], /unknown defect "no-such-defect"/],
      [['run', '--parallel', '2', '--backend', 'kind'], /--parallel needs the embedded backend/],
      [['replay', 'F3:1:seed=1'], /not a replay token/],
      [['list', '--family', 'F0'], /unknown family "F0"/],
    ];
    const results: Array<{ code: number; stderr: string }> = [];
    for (const [a] of cases) results.push(await runMain(a[0] === 'list' ? a : [...a, '--out', path.join(dir, 'r')]));
    results.forEach((r, i) => {
      expect(r.code, cases[i]![0].join(' ')).to.equal(2);
      expect(r.stderr, cases[i]![0].join(' ')).to.match(cases[i]![1]);
    });
    expect(existsSync(path.join(dir, 'r'))).to.equal(false);
  });

  it('--shard 1/3, 2/3 and 3/3 together select exactly the full list once', async () => {
    const args = ['run', '--matrix', 'quick', '--family', 'F4', '--iterations', '4', '--dry-run'];
    const [full, ...shards] = await limited([[], ['--shard', '1/3'], ['--shard', '2/3'], ['--shard', '3/3']], 1, (extra) => runMain([...args, ...extra]));
    for (const r of [full!, ...shards]) expect(r.code, r.stderr).to.equal(0);
    const key = (l: DryRunLine) => `${l.scenario}#${l.iteration}`;
    const all = parseLines(full!.stdout).map(key);
    expect(all.length).to.equal(QUICK_SIZE * 4); // F4 is already part of quick
    const union = shards.flatMap((s) => parseLines(s.stdout).map(key));
    expect(union.length).to.equal(all.length);
    expect([...union].sort()).to.deep.equal([...all].sort());
  });

  it('a printed replay command reproduces the identical plan JSON', async () => {
    const run = await runMain(['run', '--family', 'F8', '--iterations', '3', '--seed', '77', '--defect', 'finalize-clears-milestones-first', '--dry-run']);
    expect(run.code, run.stderr).to.equal(0);
    const lines = parseLines(run.stdout);
    expect(lines.length).to.equal(3);
    for (const line of lines) {
      const spec = decodeReplayToken(line.replay);
      expect([spec.scenario, spec.iteration, spec.seed, spec.defect, spec.backend, spec.timescale]).to.deep.equal(['F8', line.iteration, 77, 'finalize-clears-milestones-first', 'embedded', 0.02]);
      const replay = await runMain(['replay', line.replay, '--dry-run']);
      expect(replay.code, replay.stderr).to.equal(0);
      const [replayed] = parseLines(replay.stdout);
      expect(JSON.stringify(replayed!.plan)).to.equal(JSON.stringify(line.plan));
      expect(replayed!.replay).to.equal(line.replay);
    }
    // The whole printed line, as pasted from a CI log with single quotes, works as well.
    const pasted = `npx ${lines[1]!.replay.replace(/"/g, "'")}`;
    const again = await runCli(['replay', pasted, '--dry-run']); // through the binary once
    expect(again.code, again.stderr).to.equal(0);
    expect(JSON.stringify(parseLines(again.stdout)[0]!.plan)).to.equal(JSON.stringify(lines[1]!.plan));
  });

  it('list shows the families and the size of the generated matrix, as text and JSON', async () => {
    // The JSON listing is large: spawned, it also proves stdout is flushed before the CLI exits.
    const [text, json, quick] = [await runMain(['list']), await runCli(['list', '--json', '--matrix', 'milestones']), await runMain(['list', '--matrix', 'quick'])];
    expect(text!.code).to.equal(0);
    expect(text!.stdout).to.match(/^F3 +F3 +60x +at k\.rr s \(sweep\): delete-pod active$/m);
    // F1–F10 (60 iterations each), the milestone matrix, the unseal matrix and the two trouble scenarios: one iteration each
    const generated = milestoneMatrix().length + unsealMatrix().length + 2;
    expect(text!.stdout).to.match(new RegExp(`\\n${10 + generated} scenarios, ${600 + generated} iterations\\n$`));
    const parsed = JSON.parse(json!.stdout) as { total: { scenarios: number; iterations: number } };
    expect(parsed.total).to.deep.equal({ scenarios: 1248, iterations: 1248 });
    expect(quick!.stdout).to.match(new RegExp(`\\n${QUICK_SIZE} scenarios, ${QUICK_SIZE} iterations\\n$`));
  });

  it('--help works for every command', async () => {
    const results = await limited(['list', 'run', 'replay', 'explore'], 1, (c) => runMain([c, '--help']));
    results.forEach((r) => {
      expect(r.code).to.equal(0);
      expect(r.stdout).to.match(/^Usage: rekey-chaos /);
    });
  });

  it('explore --dry-run prints the same schedules for the same seed', async () => {
    const [a, b, c] = await limited([['9'], ['9'], ['10']], 1, (seed) => runMain(['explore', '--seed', seed[0]!, '--runs', '5', '--max-faults', '3', '--dry-run']));
    expect(a!.code, a!.stderr).to.equal(0);
    expect(a!.stdout.trim().split('\n').length).to.equal(5);
    expect(b!.stdout).to.equal(a!.stdout);
    expect(c!.stdout).to.not.equal(a!.stdout);
  });
});
