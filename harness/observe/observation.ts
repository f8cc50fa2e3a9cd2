/**
 * One iteration's history, wired: the secret watch, the custody ledger that
 * follows it, the Vault poller (service samples; Vault events where there is
 * no feed), the feed observer (embedded), and the merged timeline, which
 * also gets `rekey-complete` when every milestone secret is gone after a
 * request was seen. The runner starts one per iteration and collects the
 * record's history parts from it.
 */
import type * as k8s from '@kubernetes/client-node';
import { nowMs } from '../common/clock.js';
import { COMPLETE_EVENT } from '../common/milestones.js';
import type { CustodyEntry, KeyInEffect, ServiceSample } from '../common/record.js';
import { MILESTONE_SECRETS } from '../common/secrets.js';
import type { VaultEndpoint } from '../cluster/backend.js';
import { CustodyLedger } from './custody.js';
import { FeedObserver } from './feed.js';
import { SecretWatch } from './secret-watch.js';
import { Timeline } from './timeline.js';
import { VaultPoller } from './vault-poller.js';

export interface ObservationOptions {
  kubeConfig: k8s.KubeConfig;
  namespace: string;
  endpoints: () => Promise<VaultEndpoint[]>;
  caCertPem: string;
  /** the Vault double's feed (embedded); absent elsewhere */
  feedPath?: string;
  pollIntervalMs?: number;
  podInfo?: (pod: string) => { node?: string } | undefined;
}

export class Observation {
  readonly timeline: Timeline;
  readonly watch: SecretWatch;
  readonly ledger = new CustodyLedger();
  readonly poller: VaultPoller;
  readonly feed: FeedObserver | undefined;
  private requestSeen = false;
  private completed = false;
  private stopped: Promise<void> | undefined;

  constructor(options: ObservationOptions) {
    this.watch = new SecretWatch({ kubeConfig: options.kubeConfig, namespace: options.namespace });
    const has = (name: string) => this.watch.secrets().has(name);
    this.feed = options.feedPath ? new FeedObserver({ path: options.feedPath, isAudit: () => has('cluster-rekey-shuffle') }) : undefined;
    this.poller = new VaultPoller({
      endpoints: options.endpoints,
      caCertPem: options.caCertPem,
      intervalMs: options.pollIntervalMs,
      isAudit: () => has('cluster-rekey-shuffle'),
      verifiedExists: () => has('cluster-rekey-verified'),
      podInfo: options.podInfo,
    });
    this.timeline = new Timeline(this.feed ? 'vault-feed' : 'vault-poll');
    this.timeline.attach(this.watch);
    this.timeline.attach(this.poller);
    if (this.feed) this.timeline.attach(this.feed);
    this.ledger.follow(this.watch);
    this.watch.onEvent((event) => {
      if (event.name === 'cluster-rekey-request') {
        this.requestSeen = true;
        this.completed = false;
      }
      if (this.requestSeen && !this.completed && event.source === 'secret' && MILESTONE_SECRETS.every((m) => !has(m))) {
        this.completed = true;
        this.timeline.add({ t: nowMs(), name: COMPLETE_EVENT, source: 'secret', detail: { after: event.name } });
      }
    });
  }

  /** Resolves once the secret list is known and the poller and feed are running. */
  async start(): Promise<void> {
    await this.feed?.start();
    await this.watch.start();
    this.poller.start();
  }

  /** Stops every observer and waits for the ledger to finish its last entries. */
  async stop(): Promise<void> {
    if (this.stopped) return this.stopped;
    this.stopped = this.stopAll();
    return this.stopped;
  }

  private async stopAll(): Promise<void> {
    await this.poller.stop();
    await this.feed?.stop();
    await this.watch.stop();
    this.ledger.stopFollowing();
    this.timeline.close();
    await this.ledger.flush();
  }

  ledgerEntries(): CustodyEntry[] {
    return this.ledger.snapshot();
  }

  keyFeed(): KeyInEffect[] | null {
    return this.feed ? this.feed.keyHistory() : null;
  }

  service(): ServiceSample[] {
    return this.poller.serviceSamples();
  }
}
