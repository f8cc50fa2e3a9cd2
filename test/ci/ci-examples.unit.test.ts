/**
 * The nightly CI examples under ci/ (GitHub Actions and Zuul) agree with
 * themselves and with the CLI: shard jobs and `--shard i/N`, the report job
 * after every shard, the merged single-file report, and every rekey-chaos,
 * `npm run` and `bash` command they run exists — options checked by the
 * CLI's own commander program, built in this process. Each check is shown
 * to fail on a planted fault.
 */
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../matrix/catalog.js';
import { checkCommand, scriptCommands, shellWords } from './command-check.js';
import { validateGithubWorkflow, validateZuul, type ZuulFiles } from './ci-validate.js';

const CI = path.join(REPO_ROOT, 'ci');
const workflowText = readFileSync(path.join(CI, 'github', 'nightly.yml'), 'utf8');

function zuulFiles(): ZuulFiles {
  const dir = path.join(CI, 'zuul', 'playbooks', 'rekey-chaos');
  const playbooks = Object.fromEntries(readdirSync(dir).map((f) => [`playbooks/rekey-chaos/${f}`, readFileSync(path.join(dir, f), 'utf8')]));
  return { jobs: readFileSync(path.join(CI, 'zuul', 'zuul.d', 'jobs.yaml'), 'utf8'), playbooks };
}

/** Replaces exactly one occurrence (a planted fault must land where meant). */
function plant(text: string, from: string, to: string): string {
  expect(text.split(from).length - 1, `"${from}" occurs once`).to.equal(1);
  return text.replace(from, to);
}

describe('ci: nightly examples (GitHub Actions, Zuul)', () => {
  describe('command lines against the CLI', () => {
    it('splits shell words and script lines as sh would (quotes, continuations, &&)', () => {
      expect(shellWords(`npx rekey-chaos report --name "a b" --out 'x y'`)).to.deep.equal(['npx', 'rekey-chaos', 'report', '--name', 'a b', '--out', 'x y']);
      expect(scriptCommands('set -e\n# note\nnpm ci \\\n  --no-audit && bash scripts/setup.sh')).to.deep.equal(['set -e', 'npm ci --no-audit', 'bash scripts/setup.sh']);
    });

    it('accepts real commands and refuses unknown subcommands, options, option values, scripts and files', () => {
      expect(checkCommand('npx rekey-chaos run --matrix standard --backend kind --shard ${{ matrix.shard }}/8 --out out/x', REPO_ROOT)?.options).to.include({ '--backend': 'kind', '--matrix': 'standard' });
      expect(checkCommand('npm run typecheck', REPO_ROOT)?.tool).to.equal('npm-run');
      expect(checkCommand('curl -fsSL https://example.invalid', REPO_ROOT)).to.equal(undefined);
      const refused = (line: string, why: RegExp) => expect(() => checkCommand(line, REPO_ROOT), line).to.throw(why);
      refused('npx rekey-chaos runn --matrix quick', /no command "runn"/);
      refused('npx rekey-chaos run --matrix quick --shards 1/8', /has no option --shards/);
      refused('rekey-chaos run --backend docker', /--backend/);
      refused('npx rekey-chaos report --out', /argument missing|--out/);
      refused('npx rekey-chaos replay', /needs 1 argument/);
      refused('npm run test:nightly', /no script "test:nightly"/);
      refused('bash scripts/nope.sh', /no file scripts\/nope\.sh/);
    });
  });

  describe('GitHub Actions: ci/github/nightly.yml', () => {
    it('is consistent: a shard matrix matching --shard i/N, a report job after all shards merging them into one single-file HTML, JUnit', () => {
      const v = validateGithubWorkflow(workflowText, REPO_ROOT);
      expect(v.problems).to.deep.equal([]);
      const summary = v.commands.map((c) => `${c.tool}:${c.name}`);
      expect(summary).to.include.members(['rekey-chaos:run', 'rekey-chaos:report', 'bash-script:scripts/setup.sh']);
    });

    it('fails on a planted unknown option, a missing --single-file, a shard count that disagrees, a report that does not wait', () => {
      const cases: [string, string, string, RegExp][] = [
        ['--single-file', '--single-file --no-such-option', 'unknown option', /has no option --no-such-option/],
        [' --single-file', '', 'multi-file report', /not --single-file/],
        ['shard: [1, 2, 3, 4, 5, 6, 7, 8]', 'shard: [1, 2, 3, 4, 5, 6, 7]', 'matrix of 7', /does not match the 7-entry matrix/],
        ['needs: shard', 'needs: []', 'report not after the shards', /does not need shard/],
        ['bash scripts/setup.sh', 'bash scripts/set-up.sh', 'missing script', /no file scripts\/set-up\.sh/],
        ['merge-multiple: true', 'merge-multiple: false', 'shards not merged', /no download merges/],
      ];
      for (const [from, to, what, why] of cases) {
        const v = validateGithubWorkflow(plant(workflowText, from, to), REPO_ROOT);
        expect(v.problems.join('\n'), what).to.match(why);
      }
    });
  });

  describe('Zuul: ci/zuul', () => {
    it('is consistent: shard jobs 1..shard_total in the periodic pipeline, the report depending on each, playbooks present, commands real', () => {
      const v = validateZuul(zuulFiles(), REPO_ROOT);
      expect(v.problems).to.deep.equal([]);
      expect(v.commands.map((c) => `${c.tool}:${c.name}`)).to.include.members(['rekey-chaos:run', 'rekey-chaos:report', 'bash-script:scripts/setup.sh']);
    });

    it('fails on a planted unknown option, a missing --single-file, a shard job too few, a missing playbook', () => {
      const files = zuulFiles();
      const runPlaybook = 'playbooks/rekey-chaos/run.yaml';
      const reportPlaybook = 'playbooks/rekey-chaos/report.yaml';
      const withPlaybook = (file: string, from: string, to: string): ZuulFiles => ({ ...files, playbooks: { ...files.playbooks, [file]: plant(files.playbooks[file]!, from, to) } });
      expect(validateZuul(withPlaybook(runPlaybook, '--backend kind', '--backend kind --kind-node v1'), REPO_ROOT).problems.join('\n')).to.match(/has no option --kind-node/);
      expect(validateZuul(withPlaybook(reportPlaybook, ' --single-file', ''), REPO_ROOT).problems.join('\n')).to.match(/not --single-file/);
      expect(validateZuul({ ...files, jobs: plant(files.jobs, 'shard_total: 8', 'shard_total: 9') }, REPO_ROOT).problems.join('\n')).to.match(/are not 1\.\.shard_total \(9\)/);
      const { [runPlaybook]: _dropped, ...others } = files.playbooks;
      expect(validateZuul({ ...files, playbooks: others }, REPO_ROOT).problems.join('\n')).to.match(/run playbooks\/rekey-chaos\/run\.yaml does not exist/);
    });
  });
});
