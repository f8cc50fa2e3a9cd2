/**
 * A `PodApi` whose pod list comes from a watch (client-node informer) kept
 * in memory, so resolving a fault's targets costs no API round trip: that
 * list call was most of the trigger-to-injection latency, and in embedded
 * mode the window between two milestones can be a few milliseconds.
 *
 * The cache is exactly as fresh as the watch stream; whenever the informer
 * is not synced (starting, or after a stream error, while it re-lists) the
 * list goes to the API server directly. Deletes always go to the API.
 */
import * as k8s from '@kubernetes/client-node';
import { delay, nowMs } from '../../common/clock.js';
import type { PodApi } from './pod-api.js';

const RESTART_DELAY_MS = 200;

export class WatchedPods implements PodApi {
  private readonly informer: k8s.Informer<k8s.V1Pod> & k8s.ObjectCache<k8s.V1Pod>;
  private synced = false;
  private stopped = false;
  private errored = false;
  private restarting = false;
  /** list calls answered from the cache / from the API (for tests and the bench) */
  readonly stats = { cached: 0, direct: 0 };
  /** when the watch last saw a pod added, changed or removed (nowMs clock) */
  private lastChangeAt = nowMs();
  /** pod uid → its last signature, to tell a change from an update that changes nothing */
  private readonly signatures = new Map<string, string>();

  constructor(
    kc: k8s.KubeConfig,
    private readonly namespace: string,
    private readonly direct: PodApi,
  ) {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    this.informer = k8s.makeInformer(kc, `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`, () => core.listNamespacedPod({ namespace }));
    // The informer reports a failed list or watch here and stops; lists go direct until a restart syncs again.
    // A change is a change of what a pod is (podSignature), not any update: a re-patch that sets the same
    // labels again, or a status write that changes nothing, is not progress.
    for (const verb of [k8s.ADD, k8s.UPDATE, k8s.DELETE] as const) {
      this.informer.on(verb, (pod) => {
        const key = pod.metadata?.uid ?? '';
        const signature = verb === k8s.DELETE ? undefined : podSignature(pod);
        if (this.signatures.get(key) === signature) return;
        if (signature === undefined) this.signatures.delete(key);
        else this.signatures.set(key, signature);
        this.lastChangeAt = nowMs();
      });
    }
    this.informer.on(k8s.ERROR, () => {
      this.errored = true;
      this.synced = false;
      void this.restart();
    });
  }

  /** Resolves once the first list is in the cache (or failed: then lists go direct while it retries). */
  async start(): Promise<void> {
    this.stopped = false;
    await this.sync();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.synced = false;
    await this.informer.stop();
  }

  private async sync(): Promise<void> {
    this.errored = false;
    await this.informer.start(); // lists, then starts the watch; a failure goes to the ERROR handler
    this.synced = !this.errored && !this.stopped;
  }

  private async restart(): Promise<void> {
    if (this.restarting) return;
    this.restarting = true;
    try {
      while (!this.stopped && !this.synced) {
        await delay(RESTART_DELAY_MS);
        if (!this.stopped) await this.sync();
      }
    } finally {
      this.restarting = false;
    }
  }

  async listPods(namespace: string): Promise<k8s.V1Pod[]> {
    if (this.synced && namespace === this.namespace) {
      this.stats.cached++;
      return [...this.informer.list(namespace)];
    }
    this.stats.direct++;
    return this.direct.listPods(namespace);
  }

  deletePod(namespace: string, name: string, graceS?: number): Promise<void> {
    return this.direct.deletePod(namespace, name, graceS);
  }

  /**
   * When the pods last changed, or undefined while that cannot be vouched for:
   * the cache is not synced, or some pod is terminating or has a container
   * that is not running (being created, restarting, in back-off). Readiness is
   * not asked for: a sealed Vault server runs but is not ready, and a server
   * left sealed for good is exactly the stuck state to recognise.
   */
  quietSince(): number | undefined {
    if (!this.synced) return undefined;
    return podsSteady(this.informer.list(this.namespace)) ? this.lastChangeAt : undefined;
  }
}

/** Every pod is in place with all its containers running (ready or not), none terminating. */
export function podsSteady(pods: readonly k8s.V1Pod[]): boolean {
  return pods.every((pod) => {
    const containers = pod.status?.containerStatuses ?? [];
    return !pod.metadata?.deletionTimestamp && containers.length > 0 && containers.every((c) => c.state?.running !== undefined);
  });
}

/** What a pod is, for telling progress: its labels, phase, address and each container's readiness, restarts and state. */
export function podSignature(pod: k8s.V1Pod): string {
  const containers = (pod.status?.containerStatuses ?? []).map((c) => [c.name, c.ready, c.restartCount, Object.keys(c.state ?? {}).sort().join()]);
  return JSON.stringify([pod.metadata?.labels ?? {}, pod.status?.phase, pod.status?.podIP, !!pod.metadata?.deletionTimestamp, containers]);
}

