import { expect } from 'chai';
import { nowMs } from '../../common/clock.js';
import type { TimelineEvent } from '../../common/record.js';
import { progressKey, stallAt, watchForStall } from '../../harness/run/stall.js';
import { podSignature, podsSteady } from '../../harness/faults/watched-pods.js';
import type { V1Pod } from '@kubernetes/client-node';

describe('harness/run/stall: a stuck procedure is recognised after a quiet spell, and only then', () => {
  const quiet = { lastEventAt: 1000, podsQuietSince: 500, faultsPending: false };

  it('calls a stall once nothing moved for the quiet time, with every container running and no fault due', () => {
    expect(stallAt(1999, quiet, 1000)).to.equal(undefined);
    expect(stallAt(2000, quiet, 1000)).to.deep.equal({ at: 2000, lastProgressAt: 1000, quietMs: 1000 });
  });

  it('a pod change counts as progress, like a timeline event', () => {
    expect(stallAt(2500, { ...quiet, podsQuietSince: 1800 }, 1000)).to.equal(undefined);
    expect(stallAt(2800, { ...quiet, podsQuietSince: 1800 }, 1000)).to.deep.include({ lastProgressAt: 1800 });
  });

  it('never while a container is not running (a restart or back-off under way) or a fault is still due', () => {
    expect(stallAt(1_000_000, { ...quiet, podsQuietSince: undefined }, 1000)).to.equal(undefined);
    expect(stallAt(1_000_000, { ...quiet, faultsPending: true }, 1000)).to.equal(undefined);
  });

  it('the watch resolves with its verdict; runner notes do not count as progress, other events do', async () => {
    const listeners = new Set<(e: TimelineEvent) => void>();
    const emit = (e: TimelineEvent) => listeners.forEach((l) => l(e));
    const start = nowMs();
    const watch = watchForStall({ onEvent: (l) => (listeners.add(l), () => listeners.delete(l)), podsQuietSince: () => start, faultsPending: () => false }, 150, start);
    emit({ t: nowMs(), name: 'runner:requested', source: 'runner' });
    const verdict = await watch.stalled;
    expect(verdict.lastProgressAt).to.equal(start);
    expect(verdict.at - verdict.lastProgressAt).to.be.at.least(150);
    expect(watch.verdict()).to.deep.equal(verdict);
    expect(listeners.size).to.equal(0); // unsubscribed once decided

    const moved = watchForStall({ onEvent: (l) => (listeners.add(l), () => listeners.delete(l)), podsQuietSince: () => start, faultsPending: () => false }, 150, start);
    const secretAt = nowMs();
    emit({ t: secretAt, name: 'cluster-rekey-0', source: 'secret' });
    expect((await moved.stalled).lastProgressAt).to.be.at.least(secretAt);
  });

  it('stop() ends the watch without a verdict', () => {
    const watch = watchForStall({ onEvent: () => () => undefined, podsQuietSince: () => undefined, faultsPending: () => false }, 100);
    watch.stop();
    expect(watch.verdict()).to.equal(undefined);
  });

  it('pods are steady when every container runs, ready or not (a sealed server), and not while one is created, restarting or terminating', () => {
    const pod = (state: object, extra: Partial<V1Pod['metadata']> = {}, ready = true): V1Pod => ({ metadata: { name: 'p', ...extra }, status: { containerStatuses: [{ name: 'c', image: 'i', imageID: '', ready, restartCount: 0, state }] } });
    const running = { running: { startedAt: new Date() } };
    expect(podsSteady([pod(running), pod(running, {}, false)])).to.equal(true);
    expect(podsSteady([pod(running), pod({ waiting: { reason: 'CrashLoopBackOff' } })])).to.equal(false);
    expect(podsSteady([pod({ terminated: { exitCode: 137 } })])).to.equal(false);
    expect(podsSteady([pod(running, { deletionTimestamp: new Date() })])).to.equal(false);
    expect(podsSteady([{ metadata: { name: 'no-status' } }])).to.equal(false);
  });

  it('an event repeated on the same server is not progress (a rejected unseal retried for ever); the same event on another server is', async () => {
    const listeners = new Set<(e: TimelineEvent) => void>();
    const emit = (e: TimelineEvent) => listeners.forEach((l) => l(e));
    const start = nowMs();
    const watch = watchForStall({ onEvent: (l) => (listeners.add(l), () => listeners.delete(l)), podsQuietSince: () => start, faultsPending: () => false }, 200, start);
    const rejected = (server: string): TimelineEvent => ({ t: nowMs(), name: 'vault-unseal-rejected', source: 'vault-feed', detail: { server } });
    emit(rejected('sva-vault-2'));
    const firstAt = nowMs();
    // the same rejection again and again: the watch must still call the stall, dated from the first one
    const again = setInterval(() => emit(rejected('sva-vault-2')), 20);
    const verdict = await watch.stalled;
    clearInterval(again);
    expect(verdict.lastProgressAt).to.be.at.most(firstAt);
    expect(progressKey(rejected('sva-vault-1'))).to.not.equal(progressKey(rejected('sva-vault-2')));
    expect(progressKey({ t: 0, name: 'cluster-rekey-0', source: 'secret', detail: { resourceVersion: '7' } })).to.equal('cluster-rekey-0');
  });

  it("a pod's signature changes with its labels, readiness, restarts and state, not with an update that changes none of them", () => {
    const base: V1Pod = { metadata: { name: 'sva-vault-0', uid: 'u', labels: { 'vault-sealed': 'true' }, resourceVersion: '1' }, status: { phase: 'Running', podIP: '127.42.0.10', containerStatuses: [{ name: 'vault', image: 'i', imageID: '', ready: false, restartCount: 0, state: { running: {} } }] } };
    const same = { ...base, metadata: { ...base.metadata, resourceVersion: '2' } };
    expect(podSignature(same)).to.equal(podSignature(base));
    expect(podSignature({ ...base, metadata: { ...base.metadata, labels: { 'vault-sealed': 'false' } } })).to.not.equal(podSignature(base));
    const restarted = structuredClone(base);
    restarted.status!.containerStatuses![0]!.restartCount = 1;
    expect(podSignature(restarted)).to.not.equal(podSignature(base));
  });
});

