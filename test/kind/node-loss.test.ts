/**
 * Node loss on kind with the fake docker: the node container is killed and
 * started again; a failed `docker start` is a NodeRestartError the backend
 * holds (never an unhandled rejection) and reports from its next deploy;
 * the node counts as back only when Ready at the address Docker gave the
 * restarted container.
 */
import { expect } from 'chai';
import { NodeRestartError, failNodeContainer, type ToolRunner } from '../../harness/backends/kind/node-faults.js';
import { runTool } from '../../harness/backends/tools.js';
import { startFakeKind, verb, type FakeKind } from './fake-cluster.js';

describe('kind: node loss and return', function () {
  this.timeout(60_000);
  let k: FakeKind;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  beforeEach(async () => {
    k = await startFakeKind();
    unhandled.length = 0;
    process.on('unhandledRejection', onUnhandled);
  });
  afterEach(async () => {
    process.off('unhandledRejection', onUnhandled);
    await k.stop();
  });
  const runner = (env: NodeJS.ProcessEnv): ToolRunner => (tool, args, input) => runTool(tool, args, { env, ...(input !== undefined ? { input } : {}) });

  it('kills the node container, starts it after the down time, waits for Ready at its new address', async () => {
    const run = runner(k.env());
    const { restored } = await failNodeContainer(run, 'rekey-chaos-worker2', 10, {
      readyTimeoutMs: 10_000,
      nodeInternalIp: async (node) => (await run('kubectl', ['get', 'node', node])).stdout.trim(),
    });
    const back = await restored;
    expect(back).to.include({ node: 'rekey-chaos-worker2', ipBefore: '172.18.0.10', ipAfter: '172.18.0.11' });
    const c = (await k.calls()).map((x) => `${x.tool} ${verb(x).join(' ')}`);
    const at = (p: string) => c.findIndex((l) => l.startsWith(p));
    expect(at('docker kill rekey-chaos-worker2')).to.be.lessThan(at('docker start rekey-chaos-worker2'));
    expect(at('docker start rekey-chaos-worker2')).to.be.lessThan(at('kubectl wait --for=condition=Ready node/rekey-chaos-worker2'));
  });

  it('a node whose kubelet keeps reporting the old address is not back (NodeRestartError)', async () => {
    const run = runner(k.env({ FAKE_NODE_STALE_IP: '1' }));
    const { restored } = await failNodeContainer(run, 'rekey-chaos-worker', 10, {
      readyTimeoutMs: 1500,
      nodeInternalIp: async (node) => (await run('kubectl', ['get', 'node', node])).stdout.trim(),
    });
    const err = await restored.then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(NodeRestartError);
    expect((err as Error).message).to.equal('kind node rekey-chaos-worker did not come back after node loss: its Node still reports address 172.18.0.10 instead of 172.18.0.11');
  });

  it('through the backend: a failed docker start is held as a NodeRestartError, reported by the next deploy, never unhandled', async () => {
    const b = k.backend({ buildManagerImage: false }, { FAKE_FAIL: 'docker start=Error response from daemon: failed to create task for container: OCI runtime create failed' });
    await b.up();
    await b.loseNode('controller-1', 10);
    const err = await b.nodesBack().then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(NodeRestartError);
    expect((err as NodeRestartError).exitCode).to.equal(3);
    expect((err as Error).message).to.match(/^kind node rekey-chaos-worker2 did not come back after node loss: docker start failed: .*OCI runtime create failed/);
    const deployErr = await b.deploy({ manager: { kind: 'reference' } }).then(() => undefined, (e: unknown) => e);
    expect(deployErr).to.be.instanceOf(NodeRestartError);
    // Give any stray rejection the turn it would need to surface.
    await new Promise((r) => setImmediate(r));
    expect(unhandled).to.deep.equal([]);
    await b.down();
  });
});
