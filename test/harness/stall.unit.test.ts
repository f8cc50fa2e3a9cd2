import { expect } from 'chai';
import { nowMs } from '../../common/clock.js';
import type { TimelineEvent } from '../../common/record.js';
import { stallAt, watchForStall } from '../../harness/run/stall.js';
import { podsSteady } from '../../harness/faults/watched-pods.js';
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
});
