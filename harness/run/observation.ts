/**
 * The history of one iteration, assembled from the observers: the secret
 * watch (milestone secrets, the custody ledger), the Vault status poller
 * (service samples on every backend; Vault milestones where there is no
 * feed) and, on the embedded backend, the Vault double's feed (exact Vault
 * milestones and the key in effect, for exact I1). All of them feed one
 * `Timeline`, whose listeners run synchronously so the triggers fire from
 * inside the event that arms them.
 */
import type * as k8s from '@kubernetes/client-node';
import { nowMs } from '../../common/clock.js';
import { COMPLETE_EVENT } from '../../common/milestones.js';
import type { TimelineEvent } from '../../common/record.js';
import { MILESTONE_SECRETS } from '../../common/secrets.js';
import type { ClusterHandle } from '../backends/backend.js';
import { CommitFeedReader } from '../observe/commit-instants.js';
import { CustodyLedger } from '../observe/custody.js';
import { FeedObserver } from '../observe/feed.js';
import { SecretWatch } from '../observe/secret-watch.js';
import { Timeline } from '../observe/timeline.js';
import { VaultPoller } from '../observe/vault-poller.js';
import type { Observation } from './iteration-driver.js';
import { secretValuesOf } from './secret-values.js';

export interface ObservationOptions {
  kubeConfig: k8s.KubeConfig;
  handle: ClusterHandle;
  /** pause between Vault poll rounds; default 50 ms */
  pollIntervalMs?: number;
}

type Subscribable = { onEvent(listener: (event: TimelineEvent) => void): () => void };

/** Only events at or after `since`: the feed file holds every earlier iteration too, which must not trigger this one's faults. */
function eventsSince(source: Subscribable, since: number): Subscribable {
  return { onEvent: (listener) => source.onEvent((e) => e.t >= since && listener(e)) };
}

export async function startObservation(options: ObservationOptions): Promise<Observation> {
  const { handle, kubeConfig } = options;
  const since = nowMs();
  // Commit instants where the API server records them (embedded), so exact I1 does not depend on how late the watch is.
  const commitInstants = handle.secretCommitFeedPath ? new CommitFeedReader(handle.secretCommitFeedPath) : undefined;
  const watch = new SecretWatch({ kubeConfig, namespace: handle.names.namespace, ...(commitInstants ? { commitInstants } : {}) });
  const secretExists = (name: string) => watch.secrets().has(name);
  // Whether a rekey the feed reports is the audit: by commit instants where the API server records them
  // (the watch may lag the feed), else by what the watch has seen.
  const shuffleExisted = (t: number) =>
    commitInstants ? commitInstants.existedAt(handle.names.namespace, 'cluster-rekey-shuffle', t) : secretExists('cluster-rekey-shuffle');
  const feed = handle.keyFeedPath ? new FeedObserver({ path: handle.keyFeedPath, isAudit: shuffleExisted }) : undefined;
  const timeline = new Timeline(feed ? 'vault-feed' : 'vault-poll');
  const poller = new VaultPoller({
    endpoints: () => handle.vaultEndpoints(),
    caCertPem: handle.caCertPem,
    intervalMs: options.pollIntervalMs ?? 50,
    isAudit: () => secretExists('cluster-rekey-shuffle'),
    verifiedExists: () => secretExists('cluster-rekey-verified'),
  });
  const ledger = new CustodyLedger();
  const seen = new Set<string>(); // secret values seen, for the run dir's leak scan

  watch.onChange((c) => {
    for (const [name, v] of c.secrets) for (const value of secretValuesOf(name, v)) seen.add(value);
  });
  timeline.attach(watch);
  // Completion: all four milestone secrets gone after the request appeared (the original plan waits
  // for the request alone to go; a rekey is only done when audit, the last one, is gone too).
  let requestSeen = false;
  let complete = false;
  watch.onEvent((e) => {
    if (e.name === 'cluster-rekey-request') requestSeen = true;
    if (requestSeen && !complete && e.source === 'secret' && MILESTONE_SECRETS.every((m) => !secretExists(m))) {
      complete = true;
      timeline.add({ t: nowMs(), name: COMPLETE_EVENT, source: 'secret' });
    }
  });
  timeline.attach(eventsSince(poller, since));
  if (feed) timeline.attach(eventsSince(feed, since));
  ledger.follow(watch);

  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
  };
  try {
    await watch.start();
    stops.push(async () => {
      await watch.stop();
      ledger.stopFollowing();
      await ledger.flush();
    });
    if (feed) {
      await feed.start();
      stops.push(() => feed.stop());
    }
    poller.start();
    stops.push(() => poller.stop());
  } catch (err) {
    await stopAll();
    timeline.close();
    throw err;
  }

  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      // The feed is flushed before it stops, so the key history is complete up to now.
      await stopAll();
      timeline.close();
    })());
  return {
    timeline,
    ledger: () => ledger.snapshot(),
    keyFeed: () => (feed ? feed.keyHistory() : null),
    service: () => poller.serviceSamples(),
    secretValues: () => [...seen],
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
