/**
 * Reaches a pod's port from the harness through the Kubernetes API
 * (the port-forward subresource), for clusters whose pod IPs are not routable
 * from where the harness runs (kind, most remote clusters).
 *
 * One local listener per pod on 127.0.0.1. Each TCP connection accepted
 * there costs one WebSocket upgrade to the API server (one stream to the
 * pod), so each forward comes with a keep-alive HTTP agent: the harness's
 * requests to that pod share a few long-lived connections instead of
 * upgrading once per request. Forwards are keyed by pod uid: a replaced pod
 * (same name, new uid) gets a new forward and the old one is closed; callers
 * asking at the same time share one forward; terminating pods get none.
 */
import net from 'node:net';
import { Agent } from 'node:https';
import * as k8s from '@kubernetes/client-node';
import { EnvironmentError } from '../../common/errors.js';

export interface ForwardedPort {
  pod: string;
  uid: string;
  localPort: number;
  /** keep-alive agent for requests through this forward (destroyed on close) */
  agent: Agent;
  /** WebSocket streams opened so far (one per accepted connection) */
  streams(): number;
  close(): Promise<void>;
}

/** What opens one stream to the pod: client-node's PortForward, or a stand-in in tests. */
export interface StreamOpener {
  portForward(namespace: string, podName: string, targetPorts: number[], output: NodeJS.WritableStream, err: NodeJS.WritableStream | null, input: NodeJS.ReadableStream): Promise<unknown>;
}

/** Few sockets per pod: the harness's callers are a poller and a settle loop, not a load test. */
const SOCKETS_PER_POD = 4;

export async function forwardPodPort(opener: StreamOpener, namespace: string, pod: string, uid: string, remotePort: number): Promise<ForwardedPort> {
  const sockets = new Set<net.Socket>();
  let streams = 0;
  const server = net.createServer((socket) => {
    sockets.add(socket);
    streams += 1;
    socket.on('close', () => sockets.delete(socket));
    // A stream that fails to open (pod gone) ends the local connection: the caller sees a reset, not a hang.
    opener.portForward(namespace, pod, [remotePort], socket, null, socket).catch(() => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  const agent = new Agent({ keepAlive: true, maxSockets: SOCKETS_PER_POD, maxFreeSockets: SOCKETS_PER_POD });
  return {
    pod,
    uid,
    localPort: port,
    agent,
    streams: () => streams,
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A pod as the forwards need it. */
export interface ForwardTarget {
  name: string;
  uid: string;
  terminating: boolean;
}

export function forwardTargetOf(pod: k8s.V1Pod): ForwardTarget | undefined {
  const name = pod.metadata?.name;
  const uid = pod.metadata?.uid;
  if (!name || !uid) return undefined;
  return { name, uid, terminating: pod.metadata?.deletionTimestamp !== undefined && pod.metadata?.deletionTimestamp !== null };
}

/** One forward per live pod, shared by every caller; replaced pods' forwards are closed. */
export class PodPortForwards {
  /** uid → the forward (or its opening, shared by concurrent callers) */
  private readonly byUid = new Map<string, { pod: string; forward: Promise<ForwardedPort> }>();
  private closed = false;

  private readonly opener: StreamOpener;

  /** `source`: the cluster's kubeconfig (streams through client-node), or a stream opener of its own. */
  constructor(
    source: k8s.KubeConfig | StreamOpener,
    private readonly namespace: string,
    private readonly remotePort: number,
  ) {
    this.opener = source instanceof k8s.KubeConfig ? new k8s.PortForward(source, true) : source;
  }

  /** The forward to a live pod by name and uid (the caller has left out terminating pods). */
  async forPod(pod: string, uid: string): Promise<ForwardedPort> {
    return (await this.forTarget({ name: pod, uid, terminating: false }))!;
  }

  /** The forward to a pod, or undefined for a terminating pod (it is about to go; a stream to it would die with it). */
  async forTarget(target: ForwardTarget): Promise<ForwardedPort | undefined> {
    if (this.closed) throw new EnvironmentError(`port-forward to ${target.name}: the forwards are closed (the backend is down)`, { pod: target.name });
    if (target.terminating) return undefined;
    const known = this.byUid.get(target.uid);
    if (known) return known.forward;
    const forward = forwardPodPort(this.opener, this.namespace, target.name, target.uid, this.remotePort);
    this.byUid.set(target.uid, { pod: target.name, forward });
    forward.catch(() => this.byUid.delete(target.uid));
    // The pod's earlier incarnations are gone: their forwards only hold listeners now.
    for (const [uid, entry] of this.byUid) {
      if (uid !== target.uid && entry.pod === target.name) this.drop(uid);
    }
    return forward;
  }

  /** Closes the forwards of pods that no longer exist (by uid), e.g. after a node came back with new pod addresses. */
  async retain(liveUids: ReadonlySet<string>): Promise<void> {
    await Promise.all([...this.byUid.keys()].filter((uid) => !liveUids.has(uid)).map((uid) => this.drop(uid)));
  }

  /** How many forwards are open (or opening). */
  get size(): number {
    return this.byUid.size;
  }

  private async drop(uid: string): Promise<void> {
    const entry = this.byUid.get(uid);
    this.byUid.delete(uid);
    const fwd = await entry?.forward.catch(() => undefined);
    await fwd?.close();
  }

  async closeAll(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.byUid.keys()].map((uid) => this.drop(uid)));
  }
}
