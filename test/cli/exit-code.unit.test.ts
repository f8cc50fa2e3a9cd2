/**
 * One exit-code policy for every command (common/exit-code.ts): what a
 * thrown error becomes, what stderr shows for it, and that `recheck` counts
 * outcomes exactly as `run` does. Commands of the test's own are driven
 * through the real `main()` so the path a user's command takes is the one
 * checked.
 */
import { expect } from 'chai';
import { Command } from 'commander';
import { EXIT, exitCodeForOutcome } from '../../common/exit-code.js';
import { EnvironmentError, exitCodeOf, ScenarioError, TimeoutError, UsageError } from '../../common/errors.js';
import type { Outcome, RunRecord } from '../../common/record.js';
import { recheckExitCode, type RecheckResult } from '../../cli/recheck.js';
import { main } from '../../cli/main.js';
import { runMain } from './cli-helpers.js';

/** main() with one command, `boom`, that throws what it is given. */
async function mainThrowing(thrown: unknown): Promise<{ code: number; stderr: string }> {
  const build = () => {
    const program = new Command('rekey-chaos').exitOverride();
    program.command('boom').action(() => {
      throw thrown;
    });
    return program;
  };
  let stderr = '';
  const original = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    return { code: await main(['boom'], build), stderr };
  } finally {
    process.stderr.write = original;
  }
}

const STACK_LINE = /^\s+at .+[:(]/m;

describe('cli: one exit-code policy', () => {
  it('maps every outcome as the contract says (not-hit and timeout are failures, environment-error is 3)', () => {
    const expected: Record<Outcome, number> = { passed: 0, failed: 1, timeout: 1, 'not-hit': 1, 'environment-error': 3 };
    for (const [outcome, code] of Object.entries(expected)) expect(exitCodeForOutcome(outcome as Outcome), outcome).to.equal(code);
  });

  it('a TimeoutError that reaches a command is the environment not coming up in time: 3, not a finding', async () => {
    const timeout = new TimeoutError('Vault initialized and unsealed on kind', 60_000);
    expect(exitCodeOf(timeout)).to.equal(EXIT.environment);
    const r = await mainThrowing(timeout);
    expect(r.code).to.equal(3);
    expect(r.stderr).to.equal('rekey-chaos: timed out after 60000 ms waiting for Vault initialized and unsealed on kind\n');
  });

  it('a bug in the harness (an untyped error) exits 70 and prints its stack', async () => {
    let bug: unknown;
    try {
      (undefined as unknown as { length: number }).length;
    } catch (err) {
      bug = err;
    }
    expect(bug).to.be.instanceOf(TypeError);
    expect(exitCodeOf(bug)).to.equal(EXIT.harnessBug);
    const r = await mainThrowing(bug);
    expect(r.code).to.equal(70);
    expect(r.stderr).to.match(/^rekey-chaos: internal error \(a bug in rekey-chaos, exit 70/);
    expect(r.stderr).to.match(STACK_LINE);
    expect(r.stderr).to.include('TypeError');
  });

  it('a thrown non-Error is a harness bug too', async () => {
    const r = await mainThrowing('a string');
    expect(r.code).to.equal(70);
    expect(r.stderr).to.include('thrown value: a string');
  });

  it('typed errors print their message only, never a stack, with their own code', async () => {
    const cases: Array<[unknown, number]> = [
      [new UsageError('--out x: is a file, not a folder'), 2],
      [new ScenarioError('s.yaml', 3, 'faults', 'must be a list'), 2],
      [new EnvironmentError('the API is unreachable'), 3],
    ];
    for (const [err, code] of cases) {
      const r = await mainThrowing(err);
      expect(r.code, String(err)).to.equal(code);
      expect(r.stderr).to.not.match(STACK_LINE);
      expect(r.stderr.trim().split('\n')).to.have.length(1);
    }
  });

  it("a command's requested code reaches the caller, and does not leak into the next in-process call", async () => {
    const build = () => {
      const program = new Command('rekey-chaos').exitOverride();
      program.command('one').action(() => {
        process.exitCode = 1;
      });
      program.command('zero').action(() => undefined);
      return program;
    };
    expect(await main(['one'], build)).to.equal(1);
    expect(await main(['zero'], build)).to.equal(0);
    expect(process.exitCode).to.equal(undefined);
  });

  it('recheck counts outcomes as run does: environment-error alone is 3, not-hit is 1, a finding wins', () => {
    const results = (...outcomes: Outcome[]): RecheckResult[] => outcomes.map((outcome) => ({ file: 'record.json', recordedOutcome: outcome, record: { outcome } as RunRecord }));
    expect(recheckExitCode(results('passed'))).to.equal(0);
    expect(recheckExitCode(results('passed', 'environment-error'))).to.equal(3);
    expect(recheckExitCode(results('not-hit'))).to.equal(1);
    expect(recheckExitCode(results('environment-error', 'failed'))).to.equal(1);
  });

  it('a real command given a device as a run dir is bad input (2) with one line, not a crash', async () => {
    for (const target of ['/dev/null', '/proc/self/status']) {
      const r = await runMain(['recheck', target]);
      expect(r.code, r.stderr).to.equal(2);
      expect(r.stderr).to.not.match(STACK_LINE);
      expect(r.stderr).to.match(/^rekey-chaos: RUN_DIR /);
    }
  });
});
