/**
 * Port-forwards shared by every caller: one per live pod, keyed by uid;
 * concurrent callers share its opening; a replaced pod's forward is closed;
 * terminating pods get none; requests reuse the forward's connections
 * instead of opening a stream (a WebSocket upgrade) each. The stream opener
 * stands in for client-node's PortForward and pipes to a local TLS server
 * that answers like Vault's health endpoint.
 */
import { expect } from 'chai';
import net from 'node:net';
import https from 'node:https';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PodPortForwards, type StreamOpener } from '../../harness/backends/port-forward.js';
import { createCa, issueServerCertificate } from '../../platform/pki.js';
import { VaultClient } from '../../harness/vault-client/client.js';

class CountingOpener implements StreamOpener {
  opened: string[] = [];
  constructor(private readonly port: number) {}
  async portForward(_ns: string, pod: string, _ports: number[], output: NodeJS.WritableStream, _err: NodeJS.WritableStream | null, input: NodeJS.ReadableStream): Promise<unknown> {
    this.opened.push(pod);
    const upstream = net.connect(this.port, '127.0.0.1');
    input.pipe(upstream);
    upstream.pipe(output);
    upstream.on('error', () => (input as net.Socket).destroy());
    (input as net.Socket).on('error', () => upstream.destroy());
    return upstream;
  }
}

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

describe('port-forwards under concurrent callers', function () {
  this.timeout(30_000);
  let dir: string;
  let server: https.Server;
  let caPem: string;
  let opener: CountingOpener;
  let forwards: PodPortForwards;
  const sockets = new Set<net.Socket>();

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'rekey-chaos-pf-'));
    const ca = await createCa(path.join(dir, 'pki'));
    caPem = ca.certPem;
    const leaf = await issueServerCertificate({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, commonName: 'vault', dnsNames: ['10-244-1-5.vault.pod.cluster.local'], ipAddresses: [] });
    server = https.createServer({ cert: leaf.certPem, key: leaf.keyPem, keepAliveTimeout: 30_000 }, (_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ initialized: true, sealed: false, standby: false, version: '1.14.0' }));
    });
    // Every raw connection, including those that never finished a TLS handshake (a probe that hung up).
    server.on('connection', (socket: net.Socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  });
  after(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((r) => server.close(r));
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    opener = new CountingOpener((server.address() as net.AddressInfo).port);
    forwards = new PodPortForwards(opener, 'vault', 8200);
  });
  afterEach(() => forwards.closeAll());

  it('callers asking at the same time for one pod share one forward', async () => {
    const target = { name: 'sva-vault-0', uid: 'uid-a', terminating: false };
    const [a, b, c] = await Promise.all([forwards.forTarget(target), forwards.forTarget(target), forwards.forTarget(target)]);
    expect(a!.localPort).to.equal(b!.localPort);
    expect(b!.localPort).to.equal(c!.localPort);
    expect(forwards.size).to.equal(1);
  });

  it('a replaced pod (same name, new uid) gets a new forward and the old listener is closed', async () => {
    const old = (await forwards.forTarget({ name: 'sva-vault-1', uid: 'uid-old', terminating: false }))!;
    const replacement = (await forwards.forTarget({ name: 'sva-vault-1', uid: 'uid-new', terminating: false }))!;
    expect(replacement.localPort).to.not.equal(old.localPort);
    await forwards.retain(new Set(['uid-new']));
    expect(await listening(old.localPort)).to.equal(false);
    expect(await listening(replacement.localPort)).to.equal(true);
    expect(forwards.size).to.equal(1);
  });

  it('a terminating pod gets no forward', async () => {
    expect(await forwards.forTarget({ name: 'sva-vault-2', uid: 'uid-t', terminating: true })).to.equal(undefined);
    expect(forwards.size).to.equal(0);
  });

  it("requests through a forward reuse its connection: one stream for several requests", async () => {
    const fwd = (await forwards.forTarget({ name: 'sva-vault-0', uid: 'uid-r', terminating: false }))!;
    const client = VaultClient.forEndpoint({ pod: 'sva-vault-0', url: `https://127.0.0.1:${fwd.localPort}`, servername: '10-244-1-5.vault.pod.cluster.local', agent: fwd.agent }, caPem);
    for (let i = 0; i < 3; i++) expect((await client.health()).sealed).to.equal(false);
    expect(opener.opened).to.deep.equal(['sva-vault-0']);
    expect(fwd.streams()).to.equal(1);
  });

  it('closed forwards refuse new callers with a typed error', async () => {
    await forwards.closeAll();
    const err = await forwards.forTarget({ name: 'sva-vault-0', uid: 'u', terminating: false }).then(() => undefined, (e: unknown) => e);
    expect((err as Error).message).to.equal('port-forward to sva-vault-0: the forwards are closed (the backend is down)');
  });
});
