/**
 * The active-service proxy: a TCP forwarder on `<ipBase>.2:8200` standing in
 * for the `sva-vault-active` Service. Each NEW connection goes to the pod
 * that, at that instant, carries `vault-active=true` among the server pods of
 * the namespace; connections already open stay where they are (like
 * kube-proxy's conntrack entries).
 *
 * The target is read from the API server's store at connect time, so a label
 * change is followed by the very next connection (no watch lag to wait out).
 * Rules, like a Service's endpoints: terminating pods and pods without an
 * address are skipped; readiness is not required (Vault's chart publishes
 * not-ready addresses). When several pods carry the label (a failover
 * window), the one with the lowest name (ordinal) wins, deterministically.
 * With no target the connection is reset at once, as a Service with no
 * endpoints rejects it.
 */
import net from 'node:net';
import type { PodObject, PodStorePort } from './types.js';

export interface ServiceProxyOptions {
  host: string;
  port?: number;
  targetPort?: number;
  store: PodStorePort;
  namespace: string;
  /** labels a pod must carry to be a server pod (the Service's base selector) */
  serverSelector: Record<string, string>;
  /** the label=value that marks the active server */
  activeLabel?: { key: string; value: string };
  log?: (line: string) => void;
}

export const VAULT_SERVER_SELECTOR = { 'app.kubernetes.io/name': 'vault', component: 'server' };

export class ServiceProxy {
  private server?: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private readonly options: Required<Omit<ServiceProxyOptions, 'log'>> & { log: (line: string) => void };
  /** connections forwarded / refused, per target pod name (diagnostics) */
  readonly counts = { forwarded: new Map<string, number>(), refused: 0 };

  constructor(options: ServiceProxyOptions) {
    this.options = {
      port: 8200,
      targetPort: 8200,
      activeLabel: { key: 'vault-active', value: 'true' },
      log: () => {},
      ...options,
    };
  }

  get address(): string {
    return `${this.options.host}:${this.options.port}`;
  }

  /** The pod a new connection would go to now, or undefined. */
  currentTarget(): { pod: string; ip: string } | undefined {
    const { key, value } = this.options.activeLabel;
    const candidates = this.options.store
      .listPods(this.options.namespace)
      .filter((pod) => isTarget(pod, { ...this.options.serverSelector, [key]: value }))
      .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0));
    const chosen = candidates[0];
    return chosen ? { pod: chosen.metadata.name, ip: chosen.status.podIP as string } : undefined;
  }

  async start(): Promise<void> {
    const server = net.createServer((client) => this.forward(client));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  private forward(client: net.Socket): void {
    const target = this.currentTarget();
    if (!target) {
      this.counts.refused++;
      client.resetAndDestroy();
      return;
    }
    this.counts.forwarded.set(target.pod, (this.counts.forwarded.get(target.pod) ?? 0) + 1);
    const upstream = net.connect({ host: target.ip, port: this.options.targetPort });
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    }
    client.pipe(upstream);
    upstream.pipe(client);
    // An upstream that refuses or dies resets the client, as a dead endpoint would.
    upstream.once('error', () => client.resetAndDestroy());
    client.once('error', () => upstream.destroy());
    // A clean close is left to pipe(): it ends the other side once what was read
    // is written. Destroying here instead could drop the last bytes still queued
    // for the other socket (a large answer to a slow reader).
    upstream.once('close', (hadError) => hadError && client.resetAndDestroy());
    client.once('close', (hadError) => hadError && upstream.destroy());
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function isTarget(pod: PodObject, selector: Record<string, string>): boolean {
  const labels = pod.metadata.labels ?? {};
  if (!Object.entries(selector).every(([k, v]) => labels[k] === v)) return false;
  if (pod.metadata.deletionTimestamp) return false;
  return typeof pod.status?.podIP === 'string' && pod.status.podIP !== '';
}
