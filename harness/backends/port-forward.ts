/**
 * Reaches a pod's port from the harness through the Kubernetes API
 * (the port-forward subresource), for clusters whose pod IPs are not routable
 * from where the harness runs (kind, most remote clusters). One local
 * listener per pod on 127.0.0.1; each accepted connection gets its own
 * forwarding stream, as `kubectl port-forward` does.
 */
import net from 'node:net';
import * as k8s from '@kubernetes/client-node';

export interface ForwardedPort {
  pod: string;
  localPort: number;
  close(): Promise<void>;
}

export async function forwardPodPort(kc: k8s.KubeConfig, namespace: string, pod: string, remotePort: number): Promise<ForwardedPort> {
  const forwarder = new k8s.PortForward(kc, true);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    forwarder.portForward(namespace, pod, [remotePort], socket, null, socket).catch(() => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  return {
    pod,
    localPort: port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Keeps one forward per pod name, re-created when the pod it pointed at was replaced. */
export class PodPortForwards {
  private readonly forwards = new Map<string, { uid: string; fwd: ForwardedPort }>();
  constructor(
    private readonly kc: k8s.KubeConfig,
    private readonly namespace: string,
    private readonly remotePort: number,
  ) {}

  async forPod(pod: string, uid: string): Promise<ForwardedPort> {
    const known = this.forwards.get(pod);
    if (known && known.uid === uid) return known.fwd;
    if (known) await known.fwd.close();
    const fwd = await forwardPodPort(this.kc, this.namespace, pod, this.remotePort);
    this.forwards.set(pod, { uid, fwd });
    return fwd;
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.forwards.values()].map((f) => f.fwd.close()));
    this.forwards.clear();
  }
}
