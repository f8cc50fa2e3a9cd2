/**
 * Polls every Vault server (endpoints resolved each round: pods move) for
 * health — seal state, active — and the active server for its rekey and
 * verification status; records `ServiceSample`s and derives the Vault
 * milestone events (rekey-deriver.ts). Every backend has this; the embedded
 * one also has the exact feed, which the timeline then prefers.
 */
import { delay, nowMs } from '../../common/clock.js';
import type { ServerState, ServiceSample, TimelineEvent } from '../../common/record.js';
import { VaultClient, type RekeyStatus, type RekeyVerifyStatus, type VaultEndpoint } from '../vault-client/client.js';
import { serverState } from '../vault-client/health.js';
import { RekeyDeriver, type DeriverContext } from './rekey-deriver.js';

export interface VaultPollerOptions extends DeriverContext {
  endpoints: () => Promise<VaultEndpoint[]>;
  caCertPem: string;
  /** pause between rounds; default 100 ms */
  intervalMs?: number;
  /** per-request timeout; default 2000 ms */
  requestTimeoutMs?: number;
  /** extra facts about a pod (node name), e.g. from the pod list */
  podInfo?: (pod: string) => { node?: string } | undefined;
}

export class VaultPoller {
  private readonly deriver: RekeyDeriver;
  private readonly samples: ServiceSample[] = [];
  private readonly listeners = new Set<(event: TimelineEvent) => void>();
  private readonly sampleListeners = new Set<(sample: ServiceSample) => void>();
  private controller: AbortController | undefined;
  private loop: Promise<void> | undefined;
  /** rounds whose endpoint list could not be resolved, or whose active's rekey status could not be read */
  failedRounds = 0;

  constructor(private readonly options: VaultPollerOptions) {
    this.deriver = new RekeyDeriver(options);
  }

  onEvent(listener: (event: TimelineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onSample(listener: (sample: ServiceSample) => void): () => void {
    this.sampleListeners.add(listener);
    return () => this.sampleListeners.delete(listener);
  }

  serviceSamples(): ServiceSample[] {
    return this.samples.map((s) => ({ t: s.t, servers: s.servers.map((x) => ({ ...x })) }));
  }

  start(): void {
    if (this.loop) return;
    const controller = new AbortController();
    this.controller = controller;
    this.loop = (async () => {
      while (!controller.signal.aborted) {
        await this.pollOnce();
        await delay(this.options.intervalMs ?? 100, controller.signal).catch(() => undefined);
      }
    })();
  }

  async stop(): Promise<void> {
    this.controller?.abort();
    await this.loop;
    this.loop = undefined;
  }

  /** One round: a service sample and the events it implies. Never throws. */
  async pollOnce(): Promise<ServiceSample | undefined> {
    let endpoints: VaultEndpoint[];
    try {
      endpoints = await this.options.endpoints();
    } catch {
      this.failedRounds++;
      return undefined;
    }
    const clients = endpoints.map((e) => VaultClient.forEndpoint(e, this.options.caCertPem, this.options.requestTimeoutMs ?? 2000));
    const servers = await Promise.all(endpoints.map((e, i) => this.serverState(e, clients[i]!)));
    const sample: ServiceSample = { t: nowMs(), servers };
    this.samples.push(sample);
    for (const l of this.sampleListeners) l(sample);

    const activeIndex = servers.findIndex((s) => s.active === true);
    const active = activeIndex >= 0 ? clients[activeIndex] : undefined;
    let rekey: RekeyStatus | undefined;
    let verify: RekeyVerifyStatus | undefined;
    if (active) {
      try {
        rekey = await active.rekeyStatus();
        if (rekey.started && rekey.verification_nonce) verify = await active.rekeyVerifyStatus();
      } catch {
        this.failedRounds++;
        rekey = undefined;
      }
    }
    const events = this.deriver.observe({ t: nowMs(), active: active?.name, rekey, verify });
    for (const event of events) for (const l of this.listeners) l(event);
    return sample;
  }

  private async serverState(endpoint: VaultEndpoint, client: VaultClient): Promise<ServerState> {
    const node = this.options.podInfo?.(endpoint.pod)?.node;
    return { ...(await serverState(client)), ip: new URL(endpoint.url).hostname, ...(node ? { node } : {}) };
  }
}
