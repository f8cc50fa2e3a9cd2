/**
 * Test fixture playing the node agent's role in-process: runs the Vault
 * double's servers as real OS processes on loopback addresses with a shared
 * temporary store, and can kill -9, restart (same IP) or recreate (new IP)
 * any of them. Every process is stopped by `stop()`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createCa } from '../../../../platform/pki.js';
import { VaultClient, waitFor } from './client.js';
import type { ConformanceTarget } from './target.js';

/**
 * Small lease/election timings so the suites stay fast (correctness, not speed, is asserted) — but a
 * lease long enough that an active whose event loop is starved for a moment keeps it: on a fresh clone
 * a restarted server compiles through a cold tsx cache, and on 2 busy cores an 800 ms lease could lapse
 * then, failing over and dropping the rekey a test was in the middle of.
 */
export const FAST_OPTIONS = { electionMs: 2500, leaseRenewMs: 150, followerUnsealDelayMs: 100, stepDownCooldownMs: 2000, labelRetryMs: 100 };

const MAIN = resolve(import.meta.dirname, '../../../../platform/vault/main.ts');

export interface DoubleClusterOptions {
  ipBase: string;
  /** VAULT_DOUBLE_OPTIONS */
  options?: Record<string, unknown>;
  kubeconfig?: string;
  namespace?: string;
  /** Enable the feed (written to <dir>/feed.jsonl). */
  feed?: boolean;
  /** Extra environment of every server (e.g. VAULT_DOUBLE_HARNESS_API=1 for the gate suites). */
  env?: Record<string, string>;
}

interface ServerSlot {
  pod: string;
  ip: string;
  child?: ChildProcess;
  exited?: Promise<void>;
}

export class DoubleCluster implements ConformanceTarget {
  readonly name = 'vault double';
  dir = '';
  caPem = '';
  private caKeyPath = '';
  private caCertPath = '';
  private readonly slots: ServerSlot[] = [];
  private readonly lines: string[] = [];
  private nextIp = 13;

  constructor(private readonly opts: DoubleClusterOptions) {
    for (let i = 0; i < 3; i++) this.slots.push({ pod: `sva-vault-${i}`, ip: `${opts.ipBase}.${10 + i}` });
  }

  get feedPath(): string {
    return join(this.dir, 'feed.jsonl');
  }

  get storeDir(): string {
    return join(this.dir, 'store');
  }

  get leaderApiAddr(): string {
    return `https://${this.slots[0]!.ip}:8200`;
  }

  get leaderCaCert(): string {
    return this.caPem;
  }

  pod(i: number): string {
    return this.slots[i]!.pod;
  }

  async setup(): Promise<void> {
    this.dir = await mkdtemp(join(tmpdir(), 'rekey-chaos-vault-'));
    const ca = await createCa(join(this.dir, 'pki'));
    this.caPem = ca.certPem;
    this.caCertPath = ca.certPath;
    this.caKeyPath = ca.keyPath;
    await Promise.all([0, 1, 2].map((i) => this.start(i)));
  }

  server(i: number): VaultClient {
    return new VaultClient(`https://${this.slots[i]!.ip}:8200`, this.caPem);
  }

  logs(): string[] {
    return this.lines;
  }

  async start(i: number): Promise<void> {
    const slot = this.slots[i]!;
    if (slot.child) throw new Error(`${slot.pod} is already running`);
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      POD_NAME: slot.pod,
      POD_NAMESPACE: this.opts.namespace ?? 'vault',
      POD_IP: slot.ip,
      NODE_NAME: `node-${i}`,
      VAULT_K8S_POD_NAME: slot.pod,
      VAULT_K8S_NAMESPACE: this.opts.namespace ?? 'vault',
      VAULT_DOUBLE_STORE: this.storeDir,
      VAULT_DOUBLE_CA_CERT: this.caCertPath,
      VAULT_DOUBLE_CA_KEY: this.caKeyPath,
      VAULT_DOUBLE_OPTIONS: JSON.stringify(this.opts.options ?? {}),
      REKEY_CHAOS_PARENT_PID: String(process.pid),
    };
    if (this.opts.feed) env.VAULT_DOUBLE_FEED = this.feedPath;
    if (this.opts.kubeconfig) env.KUBECONFIG = this.opts.kubeconfig;
    Object.assign(env, this.opts.env ?? {});
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    slot.child = child;
    slot.exited = new Promise((r) => child.once('exit', () => r()));
    let pending = '';
    const listening = new Promise<void>((resolveListening, reject) => {
      const onData = (chunk: Buffer) => {
        pending += chunk.toString('utf8');
        let nl: number;
        while ((nl = pending.indexOf('\n')) >= 0) {
          const line = pending.slice(0, nl);
          pending = pending.slice(nl + 1);
          this.lines.push(`${slot.pod}: ${line}`);
          if (line.includes('listening on')) resolveListening();
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => reject(new Error(`${slot.pod} exited with ${code} before listening`)));
    });
    await listening;
  }

  /** SIGKILL the server's process group and wait until it is gone. */
  async kill(i: number): Promise<void> {
    const slot = this.slots[i]!;
    if (!slot.child) return;
    try {
      process.kill(-slot.child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
    await slot.exited;
    slot.child = undefined;
  }

  async restart(i: number): Promise<void> {
    await this.kill(i);
    await this.start(i);
  }

  /** Pod recreation: a fresh process of the same pod on a new address. */
  async recreate(i: number): Promise<void> {
    await this.kill(i);
    this.slots[i]!.ip = `${this.opts.ipBase}.${this.nextIp++}`;
    await this.start(i);
  }

  async stop(): Promise<void> {
    await Promise.all(this.slots.map((_, i) => this.kill(i)));
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }

  /** Index of the server whose health says active, waiting for an election if needed. */
  async activeIndex(exclude: number[] = [], timeoutMs = 15_000): Promise<number> {
    return waitFor(
      'an active server',
      async () => {
        for (let i = 0; i < 3; i++) {
          if (exclude.includes(i) || !this.slots[i]!.child) continue;
          const h = await this.server(i).get('sys/health').catch(() => undefined);
          if (h?.status === 200) return i;
        }
        return undefined;
      },
      timeoutMs,
    );
  }
}
