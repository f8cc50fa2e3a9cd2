/**
 * `rekey-chaos explore`: drive matrix/explore.ts with real iterations on one
 * cluster, then save the minimal failing schedule as a regression scenario
 * and print its replay command.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { displayPath } from '../matrix/catalog.js';
import { explore, generateSchedules, regressionScenario, type IterationVerdict } from '../matrix/explore.js';
import { stableJson } from '../matrix/plan.js';
import { parseScenarioText } from '../matrix/schema.js';
import { scenarioToYaml } from '../matrix/serialize.js';
import type { Scenario } from '../common/scenario.js';
import { buildItems, openSession, type ExecOptions } from './run-exec.js';
import { writeFlushed } from './progress.js';
import { managerKindOf } from '../common/milestones.js';
import { defaultStallMs } from '../harness/run/stall.js';
import { EXIT, type ExitCode } from '../common/exit-code.js';

export interface ExploreFlags {
  runs: number;
  seed?: number;
  maxFaults: number;
  shrinkBudget: number;
  outDir: string;
  dryRun?: boolean;
  exec: ExecOptions;
}

/** Writes the regression file and proves it loads back to the same scenario before telling anyone about it. */
export function saveRegression(scenario: Scenario, outDir: string, header: string): string {
  mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `${scenario.id}.yaml`);
  const text = scenarioToYaml(scenario, header);
  const shown = displayPath(path.resolve(file));
  const reloaded = parseScenarioText(shown, text);
  if (stableJson({ ...reloaded, source: '' }) !== stableJson({ ...scenario, source: '' })) {
    throw new Error(`internal: the regression scenario ${scenario.id} does not survive its own file format`);
  }
  writeFileSync(file, text);
  return shown;
}

export async function exploreCommand(flags: ExploreFlags): Promise<ExitCode> {
  const seed = flags.seed ?? (Date.now() % 2 ** 31);
  const print = (t: string) => void process.stdout.write(t);
  if (flags.dryRun) {
    await writeFlushed(generateSchedules(seed, flags.runs, flags.maxFaults).map((schedule) => stableJson(schedule) + '\n').join(''));
    return EXIT.pass;
  }
  print(`explore: seed ${seed}, ${flags.runs} schedules of 1-${flags.maxFaults} faults${flags.exec.defect ? `, defect ${flags.exec.defect}` : ''}\n`);
  // Explore trades the full completion bound for time: a stuck schedule is called after a quiet spell
  // (harness/run/stall.ts), which is what keeps each shrink step of a stuck failure short.
  const exec: ExecOptions = { ...flags.exec, stallAfterMs: flags.exec.stallAfterMs ?? defaultStallMs(managerKindOf(flags.exec.manager) === 'reference' ? 'reference' : 'foreign') };
  const session = await openSession(exec);
  let environmentBroken = false;
  let result;
  try {
    result = await explore({
      seed,
      runs: flags.runs,
      maxFaults: flags.maxFaults,
      shrinkBudget: flags.shrinkBudget,
      runOne: async (scenario): Promise<IterationVerdict> => {
        if (environmentBroken) return 'other';
        const [item] = buildItems([{ scenario, iteration: 0 }], { ...exec, seed: scenario.seed });
        const summary = await session.run(item!);
        const outcome = summary.results[0]?.record.outcome;
        if (outcome === 'environment-error' || outcome === undefined) environmentBroken = true;
        // A rekey that never completes is a failure of the manager (exit 1), as in `run`.
        return outcome === 'failed' || outcome === 'timeout' ? 'failed' : outcome === 'passed' ? 'passed' : 'other';
      },
    });
  } finally {
    await session.close();
  }
  if (!result.failure) {
    print(`explore: ${result.executed} iteration(s), no failure found${environmentBroken ? ' (stopped: the environment failed)' : ''}\n`);
    return environmentBroken ? EXIT.environment : EXIT.pass;
  }
  const regression = regressionScenario(result.failure.scenario, seed, result.failure.shrinks);
  const outDir = flags.outDir;
  // Inside scenarios/ the catalogue finds it by id; elsewhere the token carries the file.
  const file = saveRegression(regression, outDir, `Saved by rekey-chaos explore --seed ${seed} --max-faults ${flags.maxFaults}${flags.exec.defect ? ` --defect ${flags.exec.defect}` : ''}.`);
  const [item] = buildItems([{ scenario: { ...regression, source: file }, iteration: 0 }], flags.exec);
  print(`explore: failure found and shrunk to ${regression.faults.length} fault(s) in ${result.failure.shrinks} step(s); saved ${file}\n`);
  await writeFlushed(`replay: ${item!.replay}\n`);
  return EXIT.failure;
}
