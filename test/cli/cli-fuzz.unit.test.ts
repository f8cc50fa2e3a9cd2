/**
 * Property: whatever a user types, the CLI answers with an exit code 0–3
 * (never 70, a harness bug, and never a throw), prints no stack trace,
 * spends under a second of CPU on it, and writes nothing outside the test's
 * temp folder. Random option values for every command (from commander's own
 * definitions), random bytes as scenario files, random and mutated replay
 * tokens, random bytes and mutated JSON as run records; all through `main()`
 * in process (the unit lane allows no process). Commands that could start a
 * cluster are cut off with `--dry-run` or a value no check lets through
 * (fuzz-inputs.ts).
 *
 * CPU time, not wall time, is what is bounded: a command that spins shows
 * there, while a machine shared with other test runs only stretches the wall
 * clock. A command that never returns (as `explore --runs 1000000000` and
 * `run --out /proc/x` once did) stalls the property instead, and the suite's
 * own timeout (or CI's) ends it.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../../matrix/catalog.js';
import type { RunRecord } from '../../common/record.js';
import { makeSet } from '../observe/shard-fixtures.js';
import { simulateRun } from '../invariants/simulate.js';
import { runMain, type CliResult } from './cli-helpers.js';
import { commandLine, commandShapes, mutatedJson, mutatedText, mutatedToken, optionValue, pathValues, type FuzzPlaces } from './fuzz-inputs.js';

const STACK_FRAME = /^\s+at .+:\d+:\d+\)?$/m;
const CPU_BUDGET_MS = 1000;
/** REKEY_CHAOS_FUZZ_SCALE=10 tries ten times as many inputs (a soak run by hand; the unit lane keeps ~220). */
const SCALE = Math.max(1, Number(process.env['REKEY_CHAOS_FUZZ_SCALE'] ?? 1) || 1);
const runs = (n: number) => ({ numRuns: n * SCALE });

/** mtime and size of every file of the checkout (node_modules and git aside): what "nothing written outside" compares. */
function snapshotRepo(): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.name === 'node_modules' || e.name === '.git') continue;
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const s = statSync(p);
        out.set(p, `${s.mtimeMs}:${s.size}`);
      }
    }
  };
  walk(REPO_ROOT);
  return out;
}

interface Tally {
  tried: number;
  rejected: number;
  byCode: Record<number, number>;
  maxCpuMs: number;
  maxWallMs: number;
  slowest: string;
}

describe('cli: property test over hostile input', function () {
  this.timeout(300_000);
  let places: FuzzPlaces;
  let cwd: string;
  let repoBefore: Map<string, string>;
  let validRecord: RunRecord;
  let validScenario: string;
  let counter = 0;
  const tally: Tally = { tried: 0, rejected: 0, byCode: {}, maxCpuMs: 0, maxWallMs: 0, slowest: '' };

  before(async () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'rekey-chaos-fuzz-'));
    places = { tmp, file: path.join(tmp, 'a-file'), emptyDir: path.join(tmp, 'empty'), missing: path.join(tmp, 'missing', 'deeper'), underFile: path.join(tmp, 'a-file', 'x') };
    writeFileSync(places.file, 'just a file\n');
    mkdirSync(places.emptyDir);
    validRecord = await simulateRun(await makeSet(), await makeSet());
    validScenario = readFileSync(path.join(REPO_ROOT, 'scenarios', 'families', 'F3.yaml'), 'utf8').replace(/^id: F3$/m, 'id: fuzz-copy');
    repoBefore = snapshotRepo();
    cwd = process.cwd();
    // Relative defaults (out/, .rekey-chaos/, scenarios/regressions) then land in the temp folder.
    process.chdir(tmp);
    // Module loading is paid once here, not charged to the first generated command.
    for (const warm of [['list', '--json'], ['run', '--dry-run'], ['defects'], ['replay', '--dry-run', 'F3:2:seed=2120:ts=0.02:backend=embedded:manager=reference'], ['explore', '--dry-run', '--runs', '1']]) await runMain(warm);
  });

  after(() => {
    process.chdir(cwd);
    rmSync(places.tmp, { recursive: true, force: true });
    const codes = Object.entries(tally.byCode).map(([c, n]) => `${n}×${c}`).join(', ');
    console.log(`      fuzz: ${tally.tried} inputs tried, ${tally.rejected} rejected cleanly as bad input (exit 2); codes ${codes}; max CPU ${tally.maxCpuMs.toFixed(0)} ms, max wall ${tally.maxWallMs.toFixed(0)} ms (${tally.slowest})`);
  });

  /** Runs one command line and checks the property on its answer. */
  async function answer(args: string[]): Promise<CliResult> {
    const cpu = process.cpuUsage();
    const wall = performance.now();
    const r = await runMain(args);
    const used = process.cpuUsage(cpu);
    const cpuMs = (used.user + used.system) / 1000;
    const wallMs = performance.now() - wall;
    tally.tried++;
    tally.byCode[r.code] = (tally.byCode[r.code] ?? 0) + 1;
    if (r.code === 2) tally.rejected++;
    if (wallMs > tally.maxWallMs) tally.slowest = JSON.stringify(args).slice(0, 120);
    tally.maxCpuMs = Math.max(tally.maxCpuMs, cpuMs);
    tally.maxWallMs = Math.max(tally.maxWallMs, wallMs);
    const shown = `${JSON.stringify(args)} → exit ${r.code}\n${r.stderr.slice(0, 2000)}`;
    expect([0, 1, 2, 3], shown).to.include(r.code);
    expect(r.stderr, shown).to.not.match(STACK_FRAME);
    expect(r.stdout, shown).to.not.match(STACK_FRAME);
    expect(cpuMs, `${shown}\nCPU ${cpuMs} ms`).to.be.below(CPU_BUDGET_MS);
    return r;
  }

  /** A fresh file in the temp folder holding `bytes`. */
  function tempFile(name: string, bytes: Uint8Array | string): string {
    const dir = path.join(places.tmp, `case-${counter++}`);
    mkdirSync(dir);
    const file = path.join(dir, name);
    writeFileSync(file, bytes);
    return file;
  }

  it('random option values for every command', async () => {
    const shapes = commandShapes();
    expect(shapes.map((s) => s.path.join(' '))).to.include.members(['run', 'replay', 'explore', 'list', 'recheck', 'report', 'defects', 'cluster up', 'cluster down', 'cluster status']);
    const positional = fc.oneof({ weight: 2, arbitrary: pathValues(places) }, { weight: 1, arbitrary: mutatedToken(places) }, { weight: 1, arbitrary: optionValue(places) });
    const line = fc.constantFrom(...shapes).chain((shape) => commandLine(shape, places, positional));
    await fc.assert(fc.asyncProperty(line, async (args) => void (await answer(args))), runs(110));
  });

  it('random bytes and edited scenarios as scenario files', async () => {
    await fc.assert(
      fc.asyncProperty(mutatedText(validScenario), fc.constantFrom('s.yaml', 's.yml'), async (bytes, name) => {
        const file = tempFile(name, bytes);
        await answer(['run', '--scenario', file, '--iterations', '1', '--dry-run']);
      }),
      runs(35),
    );
  });

  it('random and mutated replay tokens', async () => {
    const token = fc.oneof(mutatedToken(places), fc.string({ maxLength: 60 }), fc.string({ unit: 'binary', maxLength: 30 }));
    await fc.assert(fc.asyncProperty(token, async (t) => void (await answer(['replay', t, '--dry-run']))), runs(35));
  });

  it('random bytes and mutated records as run records for recheck', async () => {
    const valid = JSON.stringify(validRecord);
    const record = fc.oneof(mutatedText(valid), mutatedJson(validRecord));
    await fc.assert(
      fc.asyncProperty(record, async (bytes) => {
        const file = tempFile('record.json', bytes);
        await answer(['recheck', path.dirname(file)]);
      }),
      runs(40),
    );
  });

  // Counterexamples the property found, kept as plain cases.
  it('regression: a record whose instants no Date can hold is rechecked, not a crash (RangeError in the report)', async () => {
    // As found: the policy check fails (no threshold before) and dates its failure with an instant that is an object.
    const record = structuredClone(validRecord) as unknown as { policy: { before: { threshold?: number }; after: { t: unknown } } };
    delete record.policy.before.threshold;
    record.policy.after.t = { t: 'x' };
    const file = tempFile('record.json', JSON.stringify(record));
    const r = await answer(['recheck', path.dirname(file)]);
    expect(r.stdout).to.match(/ at \[object Object\] ms \(not a valid instant\)/);
  });

  it('regression: a replay token with a broken percent escape is bad input', async () => {
    expect((await answer(['replay', '%3:2:seed=2120:ts=0.02:backend=embedded:manager=reference', '--dry-run'])).code).to.equal(2);
  });

  it('wrote nothing outside its temp folder', () => {
    const after = snapshotRepo();
    const changed = [...after].filter(([p, s]) => repoBefore.get(p) !== s).map(([p]) => p);
    const removed = [...repoBefore.keys()].filter((p) => !after.has(p));
    expect({ changed, removed }).to.deep.equal({ changed: [], removed: [] });
  });
});
