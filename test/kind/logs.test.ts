/**
 * Logs on kind: collectLogs reads each pod's log since the iteration's mark
 * through `kubectl logs --since-time`, the previous container's too when it
 * restarted, redacts them, and hands the manager's problem lines to I6.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startFakeKind, storeFreshClusterKey, verb, waitForCall, type FakeKind } from './fake-cluster.js';

describe('kind: logs for I6', function () {
  this.timeout(60_000);
  let k: FakeKind;
  let runDir: string;
  beforeEach(async () => {
    k = await startFakeKind();
    runDir = await mkdtemp(path.join(tmpdir(), 'rekey-chaos-run-'));
  });
  afterEach(async () => {
    await k.stop();
    await rm(runDir, { recursive: true, force: true });
  });

  const pod = (name: string, labels: Record<string, string>, restarts = 0) =>
    k.fx.store.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'vault', labels }, spec: { containers: [{ name: 'c', image: 'x' }] }, status: { containerStatuses: [{ name: 'c', restartCount: restarts, ready: true, image: 'x', imageID: '', started: true }] } } as any);

  it("collects every pod's lines since the mark, the restarted container's previous log too, and the manager's problems", async () => {
    // made up per run: a token-shaped fixture is never committed
    const token = `hvs.${randomBytes(18).toString('base64url')}`;
    const logs = {
      'sva-vault-manager-0': '2030-01-01T00:00:01.000000001Z 2030-01-01T00:00:01.000Z INFO rekey: started\n2030-01-01T00:00:02.000000001Z 2030-01-01T00:00:02.000Z WARNING rekey: server sva-vault-1 unreachable',
      'sva-vault-manager-0 --previous': `2030-01-01T00:00:00.000000001Z 2030-01-01T00:00:00.000Z ERROR killed mid-write token ${token}`,
      'sva-vault-0': '2030-01-01T00:00:01Z core: vault is unsealed',
    };
    const b = k.backend({ buildManagerImage: false }, { FAKE_POD_LOGS: JSON.stringify(logs) });
    await b.up();
    const deploying = b.deploy({ manager: { kind: 'reference' } });
    await waitForCall(k, (x) => x.tool === 'helm' && x.args[0] === 'upgrade');
    await storeFreshClusterKey(k.fx);
    await deploying;
    pod('sva-vault-manager-0', { component: 'manager', 'app.kubernetes.io/name': 'vault-manager', 'app.kubernetes.io/instance': 'sva-vault' }, 1);
    pod('sva-vault-0', { component: 'server', 'app.kubernetes.io/name': 'vault' });
    const since = Date.parse('2020-01-01T00:00:00Z');
    await b.markLogs();
    const collected = await b.collectLogs(runDir, since);
    expect(Object.keys(collected.logs).sort()).to.deep.equal(['sva-vault-0', 'sva-vault-manager-0']);
    expect(collected.unavailable).to.equal(undefined);
    expect(collected.managerProblems).to.have.length(2);
    expect(collected.managerProblems[1]).to.equal('2030-01-01T00:00:02.000Z WARNING rekey: server sva-vault-1 unreachable');
    const managerLog = await readFile(path.join(runDir, collected.logs['sva-vault-manager-0']!), 'utf8');
    expect(managerLog).to.contain('killed mid-write');
    expect(managerLog).to.not.contain(token);
    const calls = (await k.calls()).filter((x) => x.tool === 'kubectl' && verb(x)[0] === 'logs').map(verb);
    const sinceArg = calls[0]!.find((a) => a.startsWith('--since-time='))!;
    // The mark (now) is later than `since`: lines from before the iteration's mark are not its.
    expect(Date.parse(sinceArg.split('=')[1]!)).to.be.greaterThan(since);
    expect(calls.some((a) => a.includes('--previous') && a.includes('sva-vault-manager-0'))).to.equal(true);
    expect(calls.some((a) => a.includes('--previous') && a.includes('sva-vault-0'))).to.equal(false);
  });

  it('says the log is unavailable when no manager pod exists (I6 is then not vacuous)', async () => {
    const b = k.backend({ buildManagerImage: false });
    await b.up();
    const deploying = b.deploy({ manager: { kind: 'reference' } });
    await waitForCall(k, (x) => x.tool === 'helm' && x.args[0] === 'upgrade');
    await storeFreshClusterKey(k.fx);
    await deploying;
    const collected = await b.collectLogs(runDir, Date.now());
    expect(collected.unavailable).to.match(/^no manager pod in vault/);
  });
});
