/**
 * Cleanup on kind: a cluster is deleted only when the state dir records that
 * rekey-chaos created it; `cluster up` deletes the cluster it created when
 * the deploy fails; `cluster down --backend kind` deletes it later; a stop
 * signal during a deploy ends the tool running then, so the caller's down()
 * comes at once.
 */
import { expect } from 'chai';
import { EnvironmentError } from '../../common/errors.js';
import { kindClusterDown, kindClusterUp } from '../../harness/backends/kind/lifecycle.js';
import { ownsCluster } from '../../harness/backends/kind/state.js';
import { startFakeKind, waitForCall, type FakeKind } from './fake-cluster.js';

describe('kind: cleanup deletes only what it created', function () {
  this.timeout(60_000);
  let k: FakeKind;
  beforeEach(async () => {
    k = await startFakeKind();
  });
  afterEach(() => k.stop());
  const deletes = async () => (await k.calls()).filter((x) => x.tool === 'kind' && x.args[0] === 'delete').map((x) => x.args.join(' '));

  it('down() deletes a cluster up() created, and forgets it', async () => {
    const b = k.backend();
    await b.up();
    expect(ownsCluster(k.stateDir, 'rekey-chaos')).to.equal(true);
    await b.down();
    expect(await deletes()).to.deep.equal(['delete cluster --name rekey-chaos']);
    expect(ownsCluster(k.stateDir, 'rekey-chaos')).to.equal(false);
  });

  it('down() never deletes a cluster it only reused', async () => {
    const b = k.backend({}, { FAKE_KIND_CLUSTERS: 'rekey-chaos' });
    await b.up();
    await b.down();
    expect(await deletes()).to.deep.equal([]);
  });

  it('cluster up deletes the cluster it created when the deploy throws, and rethrows', async () => {
    const said: string[] = [];
    const err = await kindClusterUp({
      backendOptions: { stateDir: k.stateDir, env: k.env({ FAKE_FAIL: 'helm upgrade=Error: INSTALLATION FAILED: timed out' }), buildManagerImage: false, handleStopSignals: false, readyTimeoutMs: 5000 },
      vault: true,
      say: (l) => said.push(l),
      stopRequested: () => new Promise(() => {}),
    }).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(EnvironmentError);
    expect(await deletes()).to.deep.equal(['delete cluster --name rekey-chaos']);
    expect(said).to.include('deleting the kind cluster this command created…');
  });

  it('cluster up --detach leaves the cluster; cluster down --backend kind deletes it; a second down deletes nothing', async () => {
    const said: string[] = [];
    await kindClusterUp({ backendOptions: { stateDir: k.stateDir, env: k.env(), handleStopSignals: false }, vault: false, detach: true, say: (l) => said.push(l), stopRequested: () => new Promise(() => {}) });
    expect(await deletes()).to.deep.equal([]);
    await kindClusterDown({ stateDir: k.stateDir, env: k.env(), say: (l) => said.push(l) });
    expect(await deletes()).to.deep.equal(['delete cluster --name rekey-chaos']);
    await kindClusterDown({ stateDir: k.stateDir, env: k.env(), say: (l) => said.push(l) });
    expect(await deletes()).to.have.length(1);
    expect(said[said.length - 1]).to.match(/^no kind cluster created by rekey-chaos is recorded in /);
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} during a deploy ends the running tool and the deploy; down() then deletes the cluster`, async () => {
      const b = k.backend({ handleStopSignals: true, buildManagerImage: false }, { FAKE_HANG: 'helm upgrade' });
      await b.up();
      const deploying = b.deploy({ manager: { kind: 'reference' } }).then(() => undefined, (e: unknown) => e);
      await waitForCall(k, (x) => x.tool === 'helm' && x.args[0] === 'upgrade');
      // Something must listen, or the signal would end this test process; the backend's own listener is the one under test.
      const keepAlive = () => {};
      process.on(signal, keepAlive);
      try {
        process.kill(process.pid, signal);
        const err = await deploying;
        expect(err).to.be.instanceOf(EnvironmentError);
        expect((err as Error).message).to.match(new RegExp(`^kind backend interrupted: interrupted \\(${signal}\\)`));
      } finally {
        process.off(signal, keepAlive);
      }
      await b.down();
      expect(await deletes()).to.deep.equal(['delete cluster --name rekey-chaos']);
    });
  }
});
