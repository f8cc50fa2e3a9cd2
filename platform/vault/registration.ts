/**
 * Kubernetes service registration: this server JSON-patches its own
 * pod's labels through the API server of `KUBECONFIG`. Each state change is
 * one patch, sent in order and asynchronously; a failed patch is retried
 * every `labelRetryMs`, so labels lag the real state as in Vault. A small raw
 * HTTP client keeps the server process light (no client-node).
 */
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { parse } from 'yaml';
import { delay } from '../../common/clock.js';
import { EnvironmentError } from '../../common/errors.js';
import { warn } from './log.js';

export { VAULT_VERSION } from './version.js';
export type LabelName = 'vault-active' | 'vault-sealed' | 'vault-initialized' | 'vault-version' | 'vault-perf-standby';

interface ApiTarget {
  server: URL;
  token?: string;
  ca?: string;
  insecure: boolean;
}

/** Reads the server URL, bearer token and CA of the current context of a kubeconfig file. */
export function readKubeconfig(path: string): ApiTarget {
  type Named<T> = { name: string } & T;
  let doc: {
    'current-context'?: string;
    contexts?: Named<{ context: { cluster: string; user: string } }>[];
    clusters?: Named<{ cluster: { server: string; 'certificate-authority-data'?: string; 'certificate-authority'?: string; 'insecure-skip-tls-verify'?: boolean } }>[];
    users?: Named<{ user: { token?: string; tokenFile?: string } }>[];
  };
  try {
    doc = parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new EnvironmentError(`cannot read kubeconfig ${path}`, { path }, { cause });
  }
  const ctx = doc.contexts?.find((c) => c.name === doc['current-context']) ?? doc.contexts?.[0];
  const cluster = doc.clusters?.find((c) => c.name === ctx?.context.cluster) ?? doc.clusters?.[0];
  const user = doc.users?.find((u) => u.name === ctx?.context.user) ?? doc.users?.[0];
  if (!cluster?.cluster.server) throw new EnvironmentError(`kubeconfig ${path} names no cluster server`, { path });
  const c = cluster.cluster;
  const ca = c['certificate-authority-data'] ? Buffer.from(c['certificate-authority-data'], 'base64').toString('utf8') : c['certificate-authority'] ? readFileSync(c['certificate-authority'], 'utf8') : undefined;
  const token = user?.user.token ?? (user?.user.tokenFile ? readFileSync(user.user.tokenFile, 'utf8').trim() : undefined);
  return { server: new URL(c.server), token, ca, insecure: c['insecure-skip-tls-verify'] === true };
}

function call(target: ApiTarget, method: string, path: string, body?: string, contentType?: string): Promise<{ status: number; body: string }> {
  const url = new URL(path, target.server);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (target.token) headers.authorization = `Bearer ${target.token}`;
  if (body !== undefined) {
    headers['content-type'] = contentType ?? 'application/json';
    headers['content-length'] = String(Buffer.byteLength(body));
  }
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, { method, headers, ca: target.ca, rejectUnauthorized: !target.insecure, timeout: 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('API server request timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

export class Registration {
  private readonly target: ApiTarget | undefined;
  private readonly podPath: string;
  private readonly retryMs: number;
  /** Labels as last successfully written (so later patches can `replace`). */
  private written: Partial<Record<LabelName, string>> | undefined;
  private readonly queue: Partial<Record<LabelName, string>>[] = [];
  private running = false;
  private stopped = false;

  constructor(kubeconfigPath: string | undefined, namespace: string, pod: string, retryMs: number) {
    this.target = kubeconfigPath ? readKubeconfig(kubeconfigPath) : undefined;
    this.podPath = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}`;
    this.retryMs = retryMs;
  }

  get enabled(): boolean {
    return this.target !== undefined;
  }

  /** Queues one patch setting these labels; patches go out in call order. */
  set(labels: Partial<Record<LabelName, boolean | string>>): void {
    if (!this.target) return;
    const values: Partial<Record<LabelName, string>> = {};
    for (const [k, v] of Object.entries(labels)) values[k as LabelName] = String(v);
    this.queue.push(values);
    if (!this.running) void this.drain();
  }

  stop(): void {
    this.stopped = true;
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0 && !this.stopped) {
        try {
          await this.send(this.queue[0]!);
          this.queue.shift();
        } catch (err) {
          warn(`label patch failed, retrying in ${this.retryMs} ms: ${(err as Error).message}`);
          await delay(this.retryMs);
        }
      }
    } finally {
      this.running = false;
    }
  }

  private async send(labels: Partial<Record<LabelName, string>>): Promise<void> {
    const target = this.target!;
    if (!this.written) {
      // First patch: learn which labels exist, because `replace` needs an existing path.
      const res = await call(target, 'GET', this.podPath);
      if (res.status !== 200) throw new Error(`GET own pod answered ${res.status}`);
      const pod = JSON.parse(res.body) as { metadata?: { labels?: Record<string, string> } };
      this.written = { ...(pod.metadata?.labels ?? {}) } as Partial<Record<LabelName, string>>;
      if (!pod.metadata?.labels || Object.keys(pod.metadata.labels).length === 0) {
        const ops = [{ op: 'add', path: '/metadata/labels', value: labels }];
        await this.patch(ops);
        this.written = { ...labels };
        return;
      }
    }
    const ops = Object.entries(labels).map(([k, v]) => ({ op: k in this.written! ? 'replace' : 'add', path: `/metadata/labels/${k}`, value: v }));
    await this.patch(ops);
    Object.assign(this.written, labels);
  }

  private async patch(ops: unknown[]): Promise<void> {
    const res = await call(this.target!, 'PATCH', this.podPath, JSON.stringify(ops), 'application/json-patch+json');
    if (res.status < 200 || res.status >= 300) throw new Error(`PATCH own pod answered ${res.status}`);
  }
}
