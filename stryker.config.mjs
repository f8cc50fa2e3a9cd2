// StrykerJS over the reference manager: which of its behaviours can change without the
// model-based unit tests (test/manager/model-based.unit.test.ts) noticing. Run it with
// `npm run mutation:manager`; docs/mutation.md explains the score and how to read a survivor.
//
// Test runner: Stryker's `command` runner, not @stryker-mutator/mocha-runner. The mocha runner
// that installs on Node 20 (9.x) loads mocha's CLI helpers by extension-less require
// (`lib/cli/run-helpers`), which mocha 12 ships as .cjs only, so it fails to load; the release
// that supports mocha 12 (10.x) requires Node >= 22, and .npmrc sets engine-strict. The command
// runner starts one mocha process per mutant (the active mutant goes in through the
// environment), so it cannot report per-test coverage: coverageAnalysis is "off", and every
// mutant runs the whole spec file. That is why `mutate` leaves out code the unit lane never
// reaches — a mutant there would show as "survived" when it is really "not covered".
//
// Run counts: the model-based properties read theirs from MANAGER_MODEL_RUNS (600 by default,
// what `npm test` runs) and MANAGER_MODEL_PREMATURE_RUNS (200). Here they are 100 and 40, so a
// mutant costs a few seconds; a mutant those runs miss but the full counts would catch counts as
// survived, so the score is a lower bound of what the full unit lane finds.
//
// Scope: by default the procedure core - the rekey steps (manager/rekey/) and the unseal
// machine (manager/unseal.ts): ~690 mutants after the ignored log lines, close to an hour on two
// cores shared with other test runs. STRYKER_MANAGER_SCOPE=all widens it to everything the unit
// lane reaches (also the pass, shard-set reading, bootstrap, Vault answer parsing: ~1150).

const CORE = ['manager/rekey/**/*.ts', 'manager/unseal.ts'];
const ALL = [
  'manager/**/*.ts',
  // The planted defects are the subject of the matrix-level score (bench/mutation.ts), not this one.
  '!manager/defects/**',
  // The deployment manifests are data for the cluster, checked by test/manager/deploy.unit.test.ts.
  '!manager/deploy/**',
  // Process start-up: environment parsing, the timer loop and signal wiring. Only the
  // cluster-starting tests (test/manager/process.test.ts) run them.
  '!manager/main.ts',
  '!manager/loop.ts',
  '!manager/config.ts',
  // The real ports (Kubernetes API, Vault over HTTPS, name resolution): the model replaces
  // them with in-memory implementations of manager/ports.ts, so the unit lane never runs them.
  '!manager/kube/**',
  '!manager/vault/https-api.ts',
  '!manager/vault/resolve.ts',
];

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
const config = {
  packageManager: 'npm',
  testRunner: 'command',
  commandRunner: {
    // One node process per mutant: tsx and the options of .mocharc.cjs given directly (mocha's
    // own launcher would start a second process for them). --bail: the first failing test kills
    // the mutant; the rest would only cost time.
    // timeout(1): when Stryker gives up on a mutant it ends its own worker, not the shell's
    // children; a mutant that spins synchronously must not outlive the run on a shared machine.
    command:
      'MANAGER_MODEL_RUNS=100 MANAGER_MODEL_PREMATURE_RUNS=40 timeout -k 5 150 ' +
      'node --import tsx --no-experimental-require-module node_modules/mocha/bin/mocha.js ' +
      '--no-config --extension ts --timeout 60000 --exit --bail --reporter dot test/manager/model-based.unit.test.ts',
  },
  coverageAnalysis: 'off',
  mutate: process.env.STRYKER_MANAGER_SCOPE === 'all' ? ALL : CORE,
  plugins: ['@stryker-mutator/*', './stryker.log-ignorer.mjs'],
  ignorers: ['manager-log-lines'],
  // The sandbox needs the sources and the test support, not run output or cluster state.
  ignorePatterns: ['out', 'reports/bench', '.rekey-chaos', '.tmp', '.ci', 'docs', '*.log'],
  concurrency: 2,
  // A mutant that loops forever (a retry that never ends) is stopped after the dry run's time
  // x timeoutFactor + timeoutMS; generous, because the machine is shared and loaded.
  timeoutMS: 30000,
  timeoutFactor: 2,
  // Incremental: a rerun after a small change to manager/ or its tests only tests what changed.
  incremental: true,
  incrementalFile: 'out/stryker/incremental.json',
  tempDirName: 'out/stryker/tmp',
  cleanTempDir: true,
  reporters: ['clear-text', 'progress-append-only', 'json', 'html'],
  jsonReporter: { fileName: 'out/stryker/mutation.json' },
  htmlReporter: { fileName: 'out/stryker/mutation.html' },
  clearTextReporter: { allowColor: false, logTests: false, maxTestsToLog: 0 },
  thresholds: { high: 80, low: 60, break: null },
};

export default config;
