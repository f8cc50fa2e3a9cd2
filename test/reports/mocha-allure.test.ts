import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import type { TestResult } from 'allure-js-commons';
import { tempDir } from './helpers.js';

/** The .mocharc.cjs settings under a given environment, read in a child so the env applies at load time. */
async function mochaConfig(env: Record<string, string>): Promise<Record<string, unknown>> {
  const r = await execa(process.execPath, ['-e', 'process.stdout.write(JSON.stringify(require("./.mocharc.cjs")))'], { env, extendEnv: true });
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

describe('reports: the mocha suite can report to Allure (opt-in)', function () {
  this.timeout(120_000);
  let tmp: ReturnType<typeof tempDir>;
  before(() => (tmp = tempDir('mocha-allure')));
  after(() => tmp.remove());

  it('by default uses the spec reporter, closing with a plain "N passed, N failed, N skipped" line', async () => {
    const cfg = await mochaConfig({ ALLURE_MOCHA: '' });
    expect(cfg.reporter).to.equal('./test/support/spec-with-summary.cjs');
    const args = [join('node_modules', 'mocha', 'bin', 'mocha.js'), '--no-config', '--node-option', 'import=tsx', '--extension', 'ts', '--reporter', String(cfg.reporter)];
    args.push('test/reports/sample/allure-sample.spec.ts');
    const r = await execa(process.execPath, args, { reject: false, all: true });
    expect(r.exitCode, r.all).to.equal(0);
    expect(r.stdout).to.match(/^\s+2 passing/m);
    expect(r.stdout.trimEnd().split('\n').at(-1)).to.equal('mocha: 2 passed, 0 failed, 0 skipped');
  });

  it('with ALLURE_MOCHA=1 writes Allure results and still prints "N passing"', async () => {
    const results = join(tmp.path, 'mocha-allure-results');
    const cfg = await mochaConfig({ ALLURE_MOCHA: '1', ALLURE_MOCHA_RESULTS: results });
    expect(cfg.reporter).to.equal('allure-mocha');
    const reporterOptions = cfg['reporter-option'] as string[];
    expect(reporterOptions).to.include('extraReporters=spec');
    // run the sample spec alone with exactly the reporter settings the config chose (not the whole suite)
    const args = [join('node_modules', 'mocha', 'bin', 'mocha.js'), '--no-config', '--node-option', 'import=tsx', '--extension', 'ts', '--reporter', String(cfg.reporter)];
    for (const o of reporterOptions) args.push('--reporter-option', o);
    args.push('test/reports/sample/allure-sample.spec.ts');
    const r = await execa(process.execPath, args, { reject: false, all: true, env: { ALLURE_TEST_MODE: '' } });
    expect(r.exitCode, r.all).to.equal(0);
    expect(r.stdout).to.match(/^\s+2 passing/m);
    const written = readdirSync(results).filter((f) => f.endsWith('-result.json')).map((f) => JSON.parse(readFileSync(join(results, f), 'utf8')) as TestResult);
    expect(written.map((t) => t.name).sort()).to.deep.equal(['passes a second time', 'reports labels and a step to Allure']);
    const labelled = written.find((t) => t.name === 'reports labels and a step to Allure')!;
    expect(labelled.labels).to.deep.include({ name: 'epic', value: 'Vault rekey' });
    expect(labelled.steps.map((s) => s.name)).to.deep.equal(['add']);
    expect(labelled.status).to.equal('passed');
  });
});
