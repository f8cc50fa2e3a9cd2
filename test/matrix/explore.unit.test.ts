import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Scenario } from '../../common/scenario.js';
import { isMilestoneEvent } from '../../common/milestones.js';
import { explore, generateSchedules, regressionScenario, scheduleScenario } from '../../matrix/explore.js';
import { makePlan, stableJson } from '../../matrix/plan.js';
import { parseScenarioText } from '../../matrix/schema.js';
import { scenarioToYaml } from '../../matrix/serialize.js';
import { saveRegression } from '../../cli/explore-command.js';

describe('matrix: explore mode', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'rekey-chaos-explore-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('the same seed gives the same schedules byte for byte; another seed gives others', () => {
    const a = stableJson(generateSchedules(42, 50, 3));
    expect(stableJson(generateSchedules(42, 50, 3))).to.equal(a);
    expect(stableJson(generateSchedules(43, 50, 3))).to.not.equal(a);
  });

  it('generates valid schedules of 1..K faults that the scenario schema accepts', () => {
    for (const schedule of generateSchedules(7, 100, 4)) {
      expect(schedule.length).to.be.within(1, 4);
      for (const s of schedule) if ('after' in s.trigger) expect(isMilestoneEvent(s.trigger.after)).to.equal(true);
      const scenario = scheduleScenario(schedule, 7);
      expect(parseScenarioText('x.yaml', scenarioToYaml(scenario))).to.deep.equal({ ...scenario, source: 'x.yaml' });
    }
  });

  it('shrinks a failure to a minimal schedule, and the saved file replays the identical plan', async () => {
    // A stand-in for the cluster: the "system" fails whenever the manager is killed after the rotation.
    const ran: Scenario[] = [];
    const kills = (s: Scenario) =>
      s.faults.some((f) => f.fault.kind === 'kill-process' && f.fault.targets.includes('manager') && 'after' in f.trigger && f.trigger.after.startsWith('cluster-key'));
    const result = await explore({ seed: 3, runs: 200, maxFaults: 4, shrinkBudget: 1000, runOne: async (s) => (ran.push(s), kills(s) ? 'failed' : 'passed') });
    expect(result.failure, 'a failing schedule exists among 200').to.not.equal(undefined);
    const minimal = result.failure!.scenario;
    expect(kills(minimal)).to.equal(true);
    expect(minimal.faults.length, 'shrunk to one fault').to.equal(1);
    expect(minimal.faults[0]!.fault.targets).to.deep.equal(['manager']);
    expect(ran.some((s) => s.id === minimal.id), 'the minimal schedule was itself run').to.equal(true);

    const regression = regressionScenario(minimal, 3, result.failure!.shrinks);
    const file = saveRegression(regression, dir, 'test');
    const reloaded = parseScenarioText(file, readFileSync(file, 'utf8'));
    expect(reloaded.id).to.equal(minimal.id);
    expect(JSON.stringify(makePlan(reloaded, 0, { timescale: 0.02 }))).to.equal(JSON.stringify(makePlan(minimal, 0, { timescale: 0.02 })));
  });

  it('reports no failure when nothing fails, and stops spending iterations past the shrink budget', async () => {
    let n = 0;
    const none = await explore({ seed: 1, runs: 15, maxFaults: 2, runOne: async () => (n++, 'passed') });
    expect([none.failure, none.executed, n]).to.deep.equal([undefined, 15, 15]);
    const capped = await explore({ seed: 1, runs: 50, maxFaults: 3, shrinkBudget: 3, runOne: async () => 'failed' });
    expect(capped.failure).to.not.equal(undefined);
    expect(capped.executed).to.be.at.most(1 + 3);
  });
});
