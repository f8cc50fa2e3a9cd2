/** The callers of the one --manager parser: the CLI's early check and the kind backend's chart rendering. */
import { expect } from 'chai';
import { execa } from 'execa';
import path from 'node:path';
import { UsageError } from '../../common/errors.js';
import { REPO_ROOT } from '../../common/repo-root.js';
import { chartManager } from '../../harness/backends/kind/manager-deploy.js';
import { caught } from './helpers.js';

describe('manager-spec: its call sites', () => {
  it('kind renders a chart directory through the same loader, and refuses a script or a chart with --defect', async () => {
    const harness = { namespace: 'vault', releaseName: 'sva-vault', vaultName: 'vault', vaultFullname: 'sva-vault', haReplicas: 3 as const, statusCheckRateS: 1 };
    const script = await caught(() => chartManager({ kind: 'script:/tmp/init.sh' }, harness));
    expect(script).to.be.instanceOf(UsageError);
    const missing = await caught(() => chartManager({ kind: 'chart:/nonexistent/chart' }, harness));
    expect(missing.message).to.equal('--manager chart:/nonexistent/chart: chart directory /nonexistent/chart does not exist');
    const defect = await caught(() => chartManager({ kind: 'chart:/nonexistent/chart', defect: 'skip-verify' }, harness));
    expect(defect).to.be.instanceOf(UsageError);
    expect(defect.message).to.match(/^--defect applies to the reference manager only/);
  });

  it('`run` refuses a bad --manager before anything runs (exit 2, one line)', async () => {
    const cli = path.join(REPO_ROOT, 'cli', 'main.ts');
    const missing = await execa(process.execPath, ['--import', 'tsx', cli, 'run', '--manager', 'chart:/nonexistent/chart', '--dry-run'], { reject: false, cwd: REPO_ROOT });
    expect(missing.exitCode).to.equal(2);
    expect(String(missing.stderr).trim()).to.equal('rekey-chaos: --manager chart:/nonexistent/chart: chart directory /nonexistent/chart does not exist');
    expect(String(missing.stdout)).to.equal('');
  });
});
