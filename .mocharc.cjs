// Mocha runs the TypeScript specs through tsx (Node 20 has no type stripping).
// The spec glob lives in package.json's test script, not here, so that
// `npx mocha test/<area>/x.test.ts` runs just that file.
const config = {
  extension: ['ts'],
  // Specs load through import(), not require(esm): Node 20.19 lets mocha require() them, and tsx then
  // compiles the static graph to CommonJS while every dynamic import() (lazily loaded backends, the
  // runner's cluster driver) loads a second, ESM copy of the same files - two errors.ts classes, and
  // `instanceof` fails across them. Without require(esm), mocha imports and there is one module graph.
  'node-option': ['import=tsx', 'no-experimental-require-module'],
  timeout: 60000,
  reporter: './test/support/spec-with-summary.cjs',
  exit: true,
};

// Opt-in: ALLURE_MOCHA=1 also writes the suite's results for Allure (out/mocha-allure-results,
// or ALLURE_MOCHA_RESULTS); the spec reporter still prints to the terminal, "N passing" included.
if (process.env.ALLURE_MOCHA === '1') {
  config.reporter = 'allure-mocha';
  config['reporter-option'] = [`resultsDir=${process.env.ALLURE_MOCHA_RESULTS || 'out/mocha-allure-results'}`, 'extraReporters=spec'];
}

module.exports = config;
