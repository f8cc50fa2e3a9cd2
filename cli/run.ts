/**
 * The scenario commands of the CLI (docs/cli.md): `list`, `run`,
 * `replay` and `explore`. This module parses and checks options; the work
 * is in run-exec.ts (items, runner, sinks) and matrix/ (catalogue, plans).
 */
import path from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { UsageError } from '../common/errors.js';
import type { Backend } from '../common/record.js';
import { loadCatalog } from '../matrix/catalog.js';
import { formatListing, listingJson } from '../matrix/listing.js';
import { checkTimescale, defaultTimescale } from '../matrix/plan.js';
import { BACKENDS, decodeReplayToken } from '../matrix/replay.js';
import { expand, parseShardSelector, select, takeShard, type MatrixEntry } from '../matrix/selection.js';
import { statusRateForTimescale, buildItems, checkParallel, dryRunLines, executeItems, type ExecOptions } from './run-exec.js';
import { checkDefect } from './defect-check.js';
import { checkStateDir, refuseFile } from '../platform/state-dir.js';
import { writeFlushed } from './progress.js';
import { checkWritableDir } from './paths.js';
import { parseIpBase } from './lanes.js';
import { loadManagerSpec, MANAGER_SPEC_GRAMMAR, parseManagerSpec, type LoadedManagerSpec } from '../harness/manager-spec/spec.js';
import { planManager, statusRateSecondsFor } from '../harness/manager-spec/index.js';
import { parseVaultVersion } from '../platform/vault/version.js';
import { addKubeconfigFlags, kubeconfigBackendOptions, pickKubeconfigFlags, type KubeconfigFlags } from './kubeconfig-flags.js';

const collect = (value: string, previous: string[]) => [...previous, value];

/**
 * Counts have an upper bound too: an option that sizes a loop or a list
 * (iterations, schedules, faults per schedule) given a huge value would
 * otherwise hang the command or exhaust its memory before anything runs.
 */
function integer(name: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^-?[0-9]+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(max === Number.MAX_SAFE_INTEGER ? `${name} must be an integer >= ${min}` : `${name} must be an integer ${min}..${max}`);
    }
    return n;
  };
}

/** Time scales outside this range make a run that ends in no useful time, or a status rate below a millisecond. */
const TIMESCALE_RANGE = { min: 0.001, max: 100 } as const;

const inTimescaleRange = (n: number) => Number.isFinite(n) && n >= TIMESCALE_RANGE.min && n <= TIMESCALE_RANGE.max;

function timescaleValue(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !inTimescaleRange(n)) throw new InvalidArgumentError(`must be a number ${TIMESCALE_RANGE.min}..${TIMESCALE_RANGE.max}`);
  return n;
}

/** --stall-after: from a tenth of a second (a few manager passes) to an hour (longer than any bound). */
function stallSeconds(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0.1 || n > 3600) throw new InvalidArgumentError('must be a number of seconds 0.1..3600');
  return n;
}

/** The most iterations one scenario may be asked for (the catalogue's largest has 60). */
const MAX_ITERATIONS = 10_000;
/** The most iterations one run may select (the milestone matrix at its own counts is a few thousand). */
const MAX_SELECTED_ITERATIONS = 100_000;
/** explore: schedules per run, faults per schedule, shrink steps. */
const MAX_RUNS = 10_000;
const MAX_FAULTS = 10;
const MAX_SHRINK_BUDGET = 10_000;

interface SharedFlags extends KubeconfigFlags {
  backend: Backend;
  manager: string;
  defect?: string;
  timescale?: number;
  out: string;
  stateDir?: string;
  ipBase?: string;
  vaultVersion?: string;
}

/** Options every command that runs iterations takes. */
function addRunFlags(cmd: Command): Command {
  return addKubeconfigFlags(cmd)
    .addOption(new Option('--backend <name>', 'cluster backend').choices([...BACKENDS]).default('embedded'))
    .option('--manager <spec>', `the manager: ${MANAGER_SPEC_GRAMMAR} (embedded: a chart's manager program runs with this host's bash, kubectl, curl, jq; its container image is not run)`, 'reference')
    .option('--defect <name>', 'run a deliberately broken manager variant (see `rekey-chaos defects`)')
    .option('--timescale <x>', 'scale of procedure seconds, 0.001..100 (default: status rate / 5000 ms; embedded 0.02, kind 1)', timescaleValue)
    .option('--out <dir>', 'where the run writes: allure-results/, runs/, summary.json, junit.xml', 'out')
    .option('--state-dir <dir>', 'embedded cluster state dir')
    .option('--ip-base <a.b.c>', 'embedded: loopback /24 for the cluster (default 127.42.0)', parseIpBase)
    .option('--vault-version <x.y.z>', "embedded: the version the Vault double reports (default: a chart's server.version, else the double's own)", vaultVersion);
}

function vaultVersion(value: string): string {
  try {
    return parseVaultVersion(value, '--vault-version');
  } catch (err) {
    throw new InvalidArgumentError(err instanceof Error ? err.message : String(err));
  }
}

/** A chart's or script's manager counts its status rate in whole seconds: 1 s, so a time scale of 0.2. */
const FOREIGN_MANAGER_TIMESCALE = 0.2;

async function execOptions(flags: SharedFlags, extra: { bail?: boolean; parallel?: number; seed?: number; stallAfterS?: number }): Promise<ExecOptions> {
  // kind lets helm resolve a chart repository reference; elsewhere the spec's files must exist now.
  const spec = flags.backend === 'kind' ? parseManagerSpec(flags.manager) : loadManagerSpec(flags.manager);
  const foreignOnEmbedded = spec.kind !== 'reference' && flags.backend === 'embedded';
  const timescale = flags.timescale ?? (foreignOnEmbedded ? FOREIGN_MANAGER_TIMESCALE : defaultTimescale(flags.backend));
  checkTimescale(timescale);
  if (flags.defect !== undefined) {
    if (spec.kind !== 'reference') throw new UsageError(`--defect applies to the reference manager only (--manager ${flags.manager})`);
    await checkDefect(flags.defect);
  }
  // The chart is rendered now, so a template the renderer cannot read is bad input before any cluster starts.
  if (foreignOnEmbedded) await checkManagerPlan(spec as LoadedManagerSpec, timescale, flags.vaultVersion);
  checkWritableDir('--out', flags.out);
  const opts: ExecOptions = {
    backend: flags.backend,
    manager: flags.manager,
    timescale,
    // A foreign manager's status rate always follows the time scale (it has no default of ours).
    timescaleExplicit: flags.timescale !== undefined || foreignOnEmbedded,
    outDir: flags.out,
    bail: extra.bail ?? false,
    parallel: extra.parallel ?? 1,
  };
  if (flags.defect !== undefined) opts.defect = flags.defect;
  if (flags.stateDir !== undefined) opts.stateDir = flags.stateDir;
  if (flags.ipBase !== undefined) opts.ipBase = flags.ipBase;
  if (flags.vaultVersion !== undefined) opts.vaultVersion = flags.vaultVersion;
  if (extra.seed !== undefined) opts.seed = extra.seed;
  if (extra.stallAfterS !== undefined) opts.stallAfterMs = Math.round(extra.stallAfterS * 1000);
  const kubeconfigOptions = kubeconfigBackendOptions(flags, flags.backend);
  if (kubeconfigOptions !== undefined) opts.backendOptions = kubeconfigOptions;
  checkParallel(opts.parallel, opts.backend, opts.ipBase);
  // A folder rekey-chaos did not make is refused before anything runs (--parallel lanes get subfolders of it).
  if (opts.backend === 'embedded' && opts.stateDir !== undefined) {
    if (opts.parallel === 1) checkStateDir(path.resolve(opts.stateDir));
    else refuseFile(path.resolve(opts.stateDir));
    checkWritableDir('--state-dir', opts.stateDir);
  }
  // A state dir whose cluster belongs to another run still going (the default one included) is refused
  // here, before anything starts, rather than stopping that run's cluster under it.
  if (opts.backend === 'embedded' && opts.parallel === 1) {
    const { refuseStateDirInUse } = await import('../platform/cluster.js');
    refuseStateDirInUse(opts.stateDir);
  }
  return opts;
}

/** Renders a chart's (or reads a script's) manager plan with the embedded cluster's names: exit 2 on what it cannot run. */
async function checkManagerPlan(spec: LoadedManagerSpec, timescale: number, vaultVersion: string | undefined): Promise<void> {
  await planManager(spec, {
    namespace: 'vault',
    releaseName: 'sva-vault',
    vaultName: 'vault',
    vaultFullname: 'sva-vault',
    haReplicas: 3,
    statusCheckRateS: statusRateSecondsFor(statusRateForTimescale(timescale)),
    ...(vaultVersion !== undefined ? { vaultVersion } : {}),
  });
}

function registerList(program: Command): void {
  program
    .command('list')
    .description('list the known scenarios (files under scenarios/ and the generated milestone matrix): id, family, trigger, faults, size')
    .option('--json', 'machine-readable output')
    .option('--family <F>', 'only this family (repeatable)', collect, [] as string[])
    .option('--matrix <name>', 'only the scenarios of a named matrix: quick, standard, milestones')
    .action(async (opts: { json?: boolean; family: string[]; matrix?: string }) => {
      const catalog = loadCatalog();
      const filtered = opts.family.length > 0 || opts.matrix !== undefined;
      const entries: MatrixEntry[] = filtered ? select(catalog, { families: opts.family, ...(opts.matrix !== undefined ? { matrix: opts.matrix } : {}) }) : catalog.all().map((scenario) => ({ scenario }));
      await writeFlushed(opts.json ? listingJson(entries) : formatListing(entries));
    });
}

interface RunFlags extends SharedFlags {
  scenario: string[];
  family: string[];
  matrix?: string;
  iterations?: number;
  seed?: number;
  shard?: string;
  bail?: boolean;
  parallel: number;
  stallAfter?: number;
  dryRun?: boolean;
}

const STALL_HELP = 'stop waiting for a rekey after <s> seconds in which nothing moved (no milestone, Vault event, fault or pod change; every container running): reported as a stall under I5, instead of waiting the whole bound';

/** Counted before the list is built: a selection of millions of iterations would exhaust memory building it. */
function checkSelectionSize(entries: MatrixEntry[], iterations: number | undefined, shards: number): void {
  const total = entries.reduce((n, e) => n + (iterations ?? e.iterations?.length ?? e.scenario.iterations), 0);
  // The whole list is built before it is sharded, so it has a bound of its own.
  const perShard = total > MAX_SELECTED_ITERATIONS * 10 ? total : Math.ceil(total / shards);
  if (perShard > MAX_SELECTED_ITERATIONS) {
    throw new UsageError(`${perShard} iterations selected${perShard < total ? ' per shard' : ''}, more than the ${MAX_SELECTED_ITERATIONS} one run takes: narrow the selection, lower --iterations, or split it with --shard`, { total, shards });
  }
}

function registerRun(program: Command): void {
  addRunFlags(
    program
      .command('run')
      .description('run scenarios; prints one line per iteration and a replay command for every failure (exit 0 pass, 1 failure, 2 bad input, 3 environment)')
      .option('--scenario <id|file>', 'a scenario id or YAML file (repeatable)', collect, [] as string[])
      .option('--family <F>', 'every scenario of a family F1..F10 (repeatable)', collect, [] as string[])
      .option('--matrix <name>', 'a named matrix: quick, standard, milestones (default quick when nothing is selected)'),
  )
    .option('--iterations <n>', "run n iterations of each scenario (overrides the scenarios' own count)", integer('--iterations', 1, MAX_ITERATIONS))
    .option('--seed <n>', "seed for every plan (overrides the scenarios' seeds)", integer('--seed', 0))
    .option('--shard <i/n>', 'run only shard i of n of the expanded iteration list (round robin over a stable order)')
    .option('--bail', 'stop at the first failure')
    .option('--parallel <n>', 'embedded only: n separate clusters (1..20), the list split among them; lane k on --ip-base with its second number raised by k (default from 127.60.0)', integer('--parallel', 1, 20), 1)
    .option('--stall-after <s>', `${STALL_HELP} (default: off)`, stallSeconds)
    .option('--dry-run', 'print the plan and replay command of every selected iteration (JSON lines) and run nothing')
    .action(async (flags: RunFlags) => {
      // Everything is validated (files, ids, options) before anything runs.
      const opts = await execOptions(flags, { bail: flags.bail ?? false, parallel: flags.parallel, ...(flags.seed !== undefined ? { seed: flags.seed } : {}), ...(flags.stallAfter !== undefined ? { stallAfterS: flags.stallAfter } : {}) });
      const catalog = loadCatalog();
      const nothingChosen = flags.scenario.length === 0 && flags.family.length === 0 && flags.matrix === undefined;
      const entries = select(catalog, { scenarios: flags.scenario, families: flags.family, matrix: nothingChosen ? 'quick' : flags.matrix });
      const shard = flags.shard !== undefined ? parseShardSelector(flags.shard) : undefined;
      checkSelectionSize(entries, flags.iterations, shard?.count ?? 1);
      let refs = expand(entries, flags.iterations);
      if (shard !== undefined) refs = takeShard(refs, shard);
      const items = buildItems(refs, opts);
      if (flags.dryRun) {
        await writeFlushed(dryRunLines(items));
        return;
      }
      if (items.length === 0) throw new UsageError('nothing selected to run (an empty shard?)');
      process.exitCode = (await executeItems(items, opts)).exitCode;
    });
}

function registerReplay(program: Command): void {
  addRunFlags(program.command('replay').description('re-run exactly one iteration from its replay token or the whole printed replay command').argument('<token>', 'the replay token or command'))
    .option('--dry-run', 'print the plan (JSON) instead of running it')
    .action(async (token: string, flags: SharedFlags & { dryRun?: boolean }, cmd: Command) => {
      const spec = decodeReplayToken(token);
      if (!inTimescaleRange(spec.timescale)) throw new UsageError(`the replay token's ts=${spec.timescale} is outside ${TIMESCALE_RANGE.min}..${TIMESCALE_RANGE.max}, the range --timescale takes`);
      // The token pins backend, manager, defect and time scale; flags given explicitly override where runs go only.
      const given = (name: string) => cmd.getOptionValueSource(name) === 'cli';
      for (const name of ['backend', 'manager', 'defect', 'timescale']) {
        if (given(name)) throw new UsageError(`--${name} cannot be combined with a replay token: the token fixes it`);
      }
      const shared: SharedFlags = { backend: spec.backend, manager: spec.manager, timescale: spec.timescale, out: flags.out, ...(spec.defect !== undefined ? { defect: spec.defect } : {}), ...(flags.stateDir !== undefined ? { stateDir: flags.stateDir } : {}), ...(flags.ipBase !== undefined ? { ipBase: flags.ipBase } : {}), ...(flags.vaultVersion !== undefined ? { vaultVersion: flags.vaultVersion } : {}), ...pickKubeconfigFlags(flags) };
      const opts = await execOptions(shared, { seed: spec.seed });
      opts.timescaleExplicit = spec.timescale !== defaultTimescale(spec.backend);
      const catalog = loadCatalog();
      const scenario = spec.file !== undefined ? catalog.resolve(spec.file) : catalog.resolve(spec.scenario);
      if (scenario.id !== spec.scenario) throw new UsageError(`the token names scenario "${spec.scenario}" but ${spec.file} defines "${scenario.id}"`);
      const items = buildItems([{ scenario, iteration: spec.iteration }], opts);
      if (flags.dryRun) {
        await writeFlushed(dryRunLines(items));
        return;
      }
      process.exitCode = (await executeItems(items, opts)).exitCode;
    });
}

function registerExplore(program: Command): void {
  addRunFlags(program.command('explore').description('random fault schedules (fast-check), shrunk on failure; saves the minimal failing schedule under scenarios/regressions/ and prints its replay command'))
    .option('--runs <n>', `schedules to try (1..${MAX_RUNS})`, integer('--runs', 1, MAX_RUNS), 20)
    .option('--seed <n>', 'generator seed (default: from the clock, printed)', integer('--seed', 0))
    .option('--max-faults <k>', `at most k faults per schedule (1..${MAX_FAULTS})`, integer('--max-faults', 1, MAX_FAULTS), 3)
    .option('--shrink-budget <n>', `at most n iterations spent shrinking a failure (0..${MAX_SHRINK_BUDGET})`, integer('--shrink-budget', 0, MAX_SHRINK_BUDGET), 40)
    .option('--out-dir <dir>', 'where the regression file goes', 'scenarios/regressions')
    .option('--stall-after <s>', `${STALL_HELP} (default: 10 s for the reference manager, 60 s for others)`, stallSeconds)
    .option('--dry-run', 'print the generated schedules (JSON lines) and run nothing')
    .action(async (flags: SharedFlags & { runs: number; seed?: number; maxFaults: number; shrinkBudget: number; outDir: string; stallAfter?: number; dryRun?: boolean }) => {
      const opts = await execOptions(flags, { ...(flags.stallAfter !== undefined ? { stallAfterS: flags.stallAfter } : {}) });
      checkWritableDir('--out-dir', flags.outDir);
      const { exploreCommand } = await import('./explore-command.js');
      process.exitCode = await exploreCommand({ ...flags, exec: opts });
    });
}

export function registerRunCommands(program: Command): void {
  registerList(program);
  registerRun(program);
  registerReplay(program);
  registerExplore(program);
}
