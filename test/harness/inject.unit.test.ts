import { expect } from 'chai';
import type * as k8s from '@kubernetes/client-node';
import { UnsupportedFaultError, type ProcessCapabilities } from '../../harness/backends/backend.js';
import { PodNotFoundError, toTargetSnapshot, type PodApi } from '../../harness/faults/pod-api.js';
import { applyFault } from '../../harness/faults/inject.js';
import { NAMES } from './fixtures.js';

function pod(name: string, labels: Record<string, string>, node: string, terminating = false): k8s.V1Pod {
  return { metadata: { name, labels, uid: `uid-${name}`, ...(terminating ? { deletionTimestamp: new Date() } : {}) }, spec: { nodeName: node, containers: [] }, status: { podIP: '127.46.0.10' } };
}
const srv = (i: number, active: boolean) => pod(`sva-vault-${i}`, { component: 'server', 'app.kubernetes.io/name': 'vault', 'vault-active': String(active), 'vault-sealed': 'false' }, ['controller-0', 'controller-1', 'worker-0'][i]!);
const mgr = () => pod('sva-vault-manager-0', { component: 'manager', 'app.kubernetes.io/name': 'vault-manager' }, 'controller-0');

function fakes(pods: k8s.V1Pod[], gone: string[] = []) {
  const log: string[] = [];
  const api: PodApi = {
    async listPods() {
      return pods;
    },
    async deletePod(ns, name, grace) {
      if (gone.includes(name)) throw new PodNotFoundError(name);
      log.push(`delete ${ns}/${name} grace=${grace}`);
    },
  };
  const processes: ProcessCapabilities = {
    name: 'embedded',
    async killProcess(ns: string, name: string) {
      log.push(`kill ${ns}/${name}`);
      return { at: Date.now() };
    },
    async loseNode(node: string, downMs: number) {
      log.push(`fail ${node} ${downMs}`);
      return { at: Date.now() };
    },
  };
  return { log, ctx: { pods: api, processes, names: NAMES, timescale: 0.02 } };
}

describe('harness/faults injection (fake API and agent)', () => {
  it('classifies pods by the configured selectors', () => {
    const v = toTargetSnapshot([srv(0, false), mgr(), pod('other', { app: 'x' }, 'worker-0', true)], NAMES);
    expect(v.pods.map((p) => [p.name, p.role, p.terminating])).to.deep.equal([
      ['sva-vault-0', 'server', false],
      ['sva-vault-manager-0', 'manager', false],
      ['other', 'other', true],
    ]);
    expect(v.nodes).to.deep.equal(['controller-0', 'worker-0']);
  });

  it('applies a combined fault to every target and reports when the last call returned', async () => {
    const { log, ctx } = fakes([srv(0, false), srv(1, true), srv(2, false), mgr()]);
    const app = await applyFault({ kind: 'delete-pod', targets: ['manager', 'active'], graceS: 0 }, 5, ctx);
    expect(log.sort()).to.deep.equal(['delete vault/sva-vault-1 grace=0', 'delete vault/sva-vault-manager-0 grace=0']);
    expect(app.target).to.equal('sva-vault-manager-0,sva-vault-1');
    expect(app.missing).to.deep.equal([]);
    expect(app.appliedAt).to.equal(Math.max(...app.units.map((u) => u.at!)));
  });

  it('kills processes through the backend and scales node down time by the timescale', async () => {
    const { log, ctx } = fakes([srv(0, false), srv(1, true), srv(2, false), mgr()]);
    await applyFault({ kind: 'kill-process', targets: ['manager', 'node-of:active'] }, 1, ctx);
    await applyFault({ kind: 'node-loss', targets: ['node:worker-0'], downS: 30 }, 1, ctx);
    expect(log).to.deep.equal(['kill vault/sva-vault-manager-0', 'kill vault/sva-vault-1', 'fail worker-0 600']);
  });

  it('a target gone before the call is a miss, not an error', async () => {
    const { ctx } = fakes([srv(0, false), srv(1, true), srv(2, false), mgr()], ['sva-vault-1']);
    const app = await applyFault({ kind: 'delete-pod', targets: ['manager', 'active'] }, 1, ctx);
    expect(app.missing).to.deep.equal(['sva-vault-1: target gone before the call']);
    expect(app.units.find((u) => u.target === 'sva-vault-manager-0')!.ok).to.equal(true);
    const none = await applyFault({ kind: 'delete-pod', targets: ['standby'] }, 1, fakes([srv(0, true), mgr()]).ctx);
    expect(none.appliedAt).to.equal(undefined);
    expect(none.missing).to.deep.equal(['standby: no unsealed standby server']);
  });

  it('a backend without a capability: its targets are reported missed with the reason, nothing is faked', async () => {
    const { log, ctx } = fakes([srv(0, false), srv(1, true), srv(2, false), mgr()]);
    const bare = { ...ctx, processes: { name: 'kubeconfig' as const } };
    const kill = await applyFault({ kind: 'kill-process', targets: ['active'] }, 1, bare);
    expect(kill.appliedAt).to.equal(undefined);
    expect(kill.missing).to.deep.equal(['sva-vault-1: process kill is not supported on the kubeconfig backend']);
    const loss = await applyFault({ kind: 'node-loss', targets: ['node-of:active'] }, 1, bare);
    expect(loss.missing).to.deep.equal(['node/controller-1: node loss is not supported on the kubeconfig backend']);
    expect(log).to.deep.equal([]);
    expect(new UnsupportedFaultError('node loss', 'kind').exitCode).to.equal(2);
  });
});
