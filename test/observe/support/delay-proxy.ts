/**
 * A TCP proxy that hands every byte from the server to the client `delayMs`
 * late (client → server bytes pass at once): a harness whose view of the API
 * server lags behind the cluster, as on a busy machine. TLS passes through
 * untouched, so the client still verifies the server's certificate; listen
 * on the server's own host name so the name in the URL still matches.
 */
import net from 'node:net';

export interface DelayProxy {
  host: string;
  port: number;
  close(): Promise<void>;
}

export async function startDelayProxy(target: { host: string; port: number }, delayMs: number): Promise<DelayProxy> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    // Timers of one duration fire in the order they were set, so the stream keeps its byte order.
    upstream.on('data', (chunk) => setTimeout(() => client.writable && client.write(chunk), delayMs));
    upstream.on('end', () => setTimeout(() => client.end(), delayMs));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, target.host, () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    host: target.host,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
