import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StepResult, TestResult } from 'allure-js-commons';
import type { RunRecord } from '../../common/record.js';
import { executorFromEnv } from '../../reports/allure/executor.js';
import { FIXTURE_KINDS, makeRecord, makeWorld, type FixtureWorld } from './fixtures.js';
import { readResults, tempDir, writeResults } from './helpers.js';

const label = (t: TestResult, name: string) => t.labels.filter((l) => l.name === name).map((l) => l.value);
const param = (t: TestResult, name: string) => t.parameters.find((p) => p.name === name);
const allSteps = (steps: StepResult[]): StepResult[] => steps.flatMap((s) => [s, ...allSteps(s.steps)]);
const stepNamed = (t: TestResult, re: RegExp) => allSteps(t.steps).find((s) => re.test(s.name ?? ''));

describe('reports: Allure results', function () {
  let world: FixtureWorld;
  let tmp: ReturnType<typeof tempDir>;
  let results: TestResult[];
  let records: Record<string, RunRecord>;
  let resultsDir: string;

  before(async () => {
    world = await makeWorld();
    tmp = tempDir('allure');
    resultsDir = join(tmp.path, 'allure-results');
    const items = FIXTURE_KINDS.map((k) => makeRecord(world, k, tmp.path));
    records = Object.fromEntries(items.map((it) => [it.record.outcome, it.record]));
    writeResults(resultsDir, items);
    results = readResults(resultsDir);
  });
  after(() => tmp.remove());

  const byOutcome = (outcome: string) => {
    const r = records[outcome]!;
    const t = results.find((x) => x.fullName === `rekey-chaos/${r.scenario.family}/${r.scenario.id}#${r.plan.iteration}`);
    if (!t) throw new Error(`no result for ${outcome}`);
    return t;
  };

  it('writes one result per iteration with the mapped status and category message', () => {
    expect(results).to.have.length(4);
    expect(byOutcome('passed').status).to.equal('passed');
    const failed = byOutcome('failed');
    expect(failed.status).to.equal('failed');
    expect(failed.statusDetails.message).to.match(/^Invariant violated: I1/);
    expect(failed.statusDetails.message).to.contain('at +250 ms');
    expect(failed.statusDetails.trace).to.contain('keyInEffect');
    expect(byOutcome('timeout').status).to.equal('broken');
    expect(byOutcome('timeout').statusDetails.message).to.match(/^Timeout: timed out after 12000 ms/);
    expect(byOutcome('not-hit').status).to.equal('skipped');
    expect(byOutcome('not-hit').statusDetails.message).to.match(/^Fault did not land: .*cluster-rekey-audit never observed/);
  });

  it('labels epic, feature = family, story = trigger, tags = fault kinds and targets, severity', () => {
    const t = byOutcome('failed');
    expect(label(t, 'epic')).to.deep.equal(['Vault rekey']);
    expect(label(t, 'feature')).to.deep.equal(['F3']);
    expect(label(t, 'story')).to.deep.equal(['after vault-auth-complete']);
    expect(label(t, 'severity')).to.deep.equal(['critical']);
    expect(label(t, 'tag')).to.include.members(['kill-process', 'target:active', 'hit:sva-vault-0', 'defect:delete-before-rotate', 'quick']);
    expect(label(byOutcome('not-hit'), 'story')).to.deep.equal(['after cluster-rekey-audit']);
  });

  it('parameters: seed, time scale and run id excluded from history; backend, manager, defect, iteration kept', () => {
    const t = byOutcome('failed');
    expect(param(t, 'seed')).to.include({ value: '1001', excluded: true });
    expect(param(t, 'time scale')).to.include({ value: '0.02', excluded: true });
    expect(param(t, 'run id')?.excluded).to.equal(true);
    expect(param(t, 'iteration')).to.include({ value: 'e18b5b44-eb88-e860-4d9f-ed000000000001' });
    expect(param(t, 'iteration')?.excluded).to.not.equal(true);
    expect(param(t, 'backend')?.value).to.equal('embedded');
    expect(param(t, 'manager')?.value).to.equal('reference');
    expect(param(t, 'defect')?.value).to.equal('delete-before-rotate');
    expect(param(byOutcome('passed'), 'defect')?.value).to.equal('none');
  });

  it('keeps historyId stable across runs of the same scenario iteration, distinct between iterations', async () => {
    const again = tempDir('allure-again');
    try {
      const base = makeRecord(world, 'failed-i1', again.path);
      const reseeded = { ...base.record, runId: 'another-run', plan: { ...base.record.plan, seed: 99_999, timescale: 0.05 } };
      const otherIteration = { ...base.record, runId: 'other-iter', plan: { ...base.record.plan, iteration: 2, requestId: 'e18b5b44-eb88-e860-4d9f-ed000000000002' } };
      writeResults(join(again.path, 'r'), [
        { record: reseeded, runDir: base.runDir },
        { record: otherIteration, runDir: base.runDir },
      ]);
      const rerun = readResults(join(again.path, 'r'));
      const first = byOutcome('failed');
      const same = rerun.find((t) => t.fullName === first.fullName)!;
      expect(first.historyId).to.be.a('string').and.not.equal('');
      expect(same.historyId).to.equal(first.historyId);
      const other = rerun.find((t) => t.fullName !== first.fullName)!;
      expect(other.fullName).to.match(/#2$/);
      expect(other.historyId).to.not.equal(first.historyId);
    } finally {
      again.remove();
    }
  });

  it('steps: deploy, request, each milestone and fault with its offset, completion, each invariant with evidence', () => {
    const t = byOutcome('failed');
    const r = records.failed!;
    const top = t.steps.map((s) => s.name);
    expect(top[0]).to.match(/^deploy \(embedded, manager reference, defect delete-before-rotate\)/);
    expect(top[1]).to.match(/^request rekey/);
    expect(top.some((n) => /^procedure: 7 milestones, 1 faults/.test(n ?? ''))).to.equal(true);
    expect(top).to.include('rekey complete at +600 ms');
    const procedure = t.steps.find((s) => /^procedure/.test(s.name ?? ''))!;
    const milestoneNames = procedure.steps.map((s) => s.name);
    expect(milestoneNames).to.include('vault-auth-complete at +90 ms');
    expect(milestoneNames).to.include('cluster-rekey-4 at +160 ms');
    // the fault sits between the milestones, on the record's clock
    const faultIdx = milestoneNames.findIndex((n) => /^fault #0 kill-process → sva-vault-0 after vault-auth-complete at \+95 ms: landed$/.test(n ?? ''));
    expect(faultIdx).to.be.greaterThan(milestoneNames.indexOf('vault-auth-complete at +90 ms'));
    expect(faultIdx).to.be.lessThan(milestoneNames.indexOf('cluster-rekey-4 at +160 ms'));
    expect(procedure.steps[faultIdx]!.start).to.equal(r.faults[0]!.appliedAt);
    const i1 = stepNamed(t, /^I1 failed at \+250 ms/)!;
    expect(i1.status).to.equal('failed');
    expect(i1.attachments.map((a) => a.name)).to.deep.equal(['I1 evidence']);
    const evidence = JSON.parse(readFileSync(join(resultsDir, i1.attachments[0]!.source), 'utf8'));
    expect(evidence.evidence.keyInEffect).to.equal(world.oldSet.keyFp);
    expect(stepNamed(t, /^I2 passed/)?.status).to.equal('passed');
    const notHitFault = stepNamed(byOutcome('not-hit'), /^fault #0/)!;
    expect(notHitFault.status).to.equal('skipped');
    expect(notHitFault.name).to.contain('did not land');
    expect(stepNamed(byOutcome('timeout'), /^rekey did not complete \(timeout\)/)?.status).to.equal('broken');
  });

  it('attaches the timeline picture, plan, timeline, ledger, logs and the replay command; files exist', () => {
    const t = byOutcome('failed');
    const names = t.attachments.map((a) => a.name);
    expect(names).to.include.members(['timeline.svg', 'replay command', 'fault plan', 'timeline', 'custody ledger (fingerprints)', 'key in effect', 'sva-vault-manager-0 log', 'sva-vault-0 log', 'manager warnings and errors']);
    for (const a of t.attachments) expect(existsSync(join(resultsDir, a.source)), a.name).to.equal(true);
    const svg = t.attachments.find((a) => a.name === 'timeline.svg')!;
    expect(svg.type).to.equal('image/svg+xml');
    expect(readFileSync(join(resultsDir, svg.source), 'utf8')).to.contain('data-invariant="I1"');
    const replay = t.attachments.find((a) => a.name === 'replay command')!;
    expect(readFileSync(join(resultsDir, replay.source), 'utf8').trim()).to.equal(records.failed!.replay);
    const ledger = JSON.parse(readFileSync(join(resultsDir, t.attachments.find((a) => a.name === 'custody ledger (fingerprints)')!.source), 'utf8'));
    expect(ledger[0].sets['cluster-key'].shardFps['0']).to.equal(world.oldSet.shardFps[0]);
    expect(t.descriptionHtml).to.contain('data:image/svg+xml;base64,');
    expect(t.description).to.contain(records.failed!.replay);
  });

  it('writes categories.json, environment.properties and executor.json', () => {
    const categories = JSON.parse(readFileSync(join(resultsDir, 'categories.json'), 'utf8')) as { name: string; matchedStatuses: string[] }[];
    expect(categories.map((c) => c.name)).to.deep.equal(['Invariant violated', 'Timeout', 'Environment', 'Fault did not land']);
    expect(categories.find((c) => c.name === 'Fault did not land')!.matchedStatuses).to.deep.equal(['skipped']);
    const env = readFileSync(join(resultsDir, 'environment.properties'), 'utf8');
    expect(env).to.match(/^backend=embedded$/m);
    expect(env).to.match(/^suite=test\/reports$/m);
    expect(JSON.parse(readFileSync(join(resultsDir, 'executor.json'), 'utf8')).name).to.be.a('string');
  });

  it('maps an environment error to broken with an "Environment" message, redacting what it quotes', () => {
    const envDir = tempDir('allure-env');
    try {
      const base = makeRecord(world, 'timeout', envDir.path);
      const leaked = Buffer.from(world.oldSet.shards[1]!).toString('hex');
      const record: RunRecord = { ...base.record, outcome: 'environment-error', error: `cluster could not be brought up: bad strdata ${leaked}` };
      writeResults(join(envDir.path, 'r'), [{ record, runDir: base.runDir }]);
      const [t] = readResults(join(envDir.path, 'r'));
      expect(t!.status).to.equal('broken');
      expect(t!.statusDetails.message).to.equal('Environment: cluster could not be brought up: bad strdata [REDACTED]');
      expect(stepNamed(t!, /^rekey did not complete \(environment-error\)/)?.status).to.equal('broken');
    } finally {
      envDir.remove();
    }
  });

  it('reads CI executor info from the environment', () => {
    const gh = executorFromEnv({ GITHUB_ACTIONS: 'true', GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'o/r', GITHUB_RUN_ID: '77', GITHUB_RUN_NUMBER: '12', GITHUB_WORKFLOW: 'nightly' });
    expect(gh).to.include({ type: 'github', buildOrder: 12, buildName: 'nightly #12', buildUrl: 'https://github.com/o/r/actions/runs/77' });
    expect(executorFromEnv({ JENKINS_URL: 'https://ci', BUILD_NUMBER: '5', JOB_NAME: 'rekey' })).to.include({ type: 'jenkins', buildOrder: 5 });
    expect(executorFromEnv({}).type).to.equal('local');
  });
});
