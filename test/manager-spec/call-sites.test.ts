/** The callers of the one --manager parser: the CLI's early check and the kind backend's chart install. */
import { expect } from 'chai';
import { execa } from 'execa';
import path from 'node:path';
import { UsageError } from '../../common/errors.js';
import { REPO_ROOT } from '../../common/repo-root.js';
import { chartManagerOf } from '../../harness/backends/kind/manager-deploy.js';
import { caught } from './helpers.js';

describe('manager-spec: its call sites', () => {
  it('kind installs a chart with its values file and set= pairs, and refuses a script', async () => {
    expect(chartManagerOf('reference')).to.equal(undefined);
    expect(chartManagerOf('chart:starlingx/vault-manager,values=v.yaml,set=manager.statusCheckRate=1,set=a.b=c')).to.deep.equal({
      chart: 'starlingx/vault-manager',
      valuesFile: 'v.yaml',
      sets: ['manager.statusCheckRate=1', 'a.b=c'],
    });
    const err = await caught(() => chartManagerOf('script:/tmp/init.sh'));
    expect(err).to.be.instanceOf(UsageError);
    expect(err.message).to.equal('the kind backend installs the reference manager or a chart, not a rendered script (script:/tmp/init.sh)');
  });

  it('`run` refuses a bad --manager before anything runs (exit 2, one line)', async () => {
    const cli = path.join(REPO_ROOT, 'cli', 'main.ts');
    const missing = await execa(process.execPath, ['--import', 'tsx', cli, 'run', '--manager', 'chart:/nonexistent/chart', '--dry-run'], { reject: false, cwd: REPO_ROOT });
    expect(missing.exitCode).to.equal(2);
    expect(String(missing.stderr).trim()).to.equal('rekey-chaos: --manager chart:/nonexistent/chart: chart directory /nonexistent/chart does not exist');
    expect(String(missing.stdout)).to.equal('');
  });
});
