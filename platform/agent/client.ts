/**
 * A small client for the agent API (harness-only, `/rekey-chaos/v1/` on the
 * embedded API server): what the faults, the runner and the tests use for
 * the things Kubernetes has no API for.
 */
import https from 'node:https';
import { EnvironmentError, RekeyChaosError } from '../../common/errors.js';
import type { ExecResult } from './exec-runner.js';
import type { ProcessInfo, WorkloadSpec } from './types.js';

export class AgentApiError extends RekeyChaosError {
  readonly httpStatus: number;
  readonly reason: string;
  constructor(httpStatus: number, reason: string, message: string, context: Record<string, unknown>) {
    super(message, 1, { ...context, httpStatus, reason });
    this.httpStatus = httpStatus;
    this.reason = reason;
  }
}

export class AgentClient {
  constructor(
    private readonly apiUrl: string,
    private readonly token: string,
    /** CA of the API server's certificate (state.json `apiCaPem`) */
    private readonly caPem: string,
  ) {}

  private request(method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
    const url = new URL(`${this.apiUrl}/rekey-chaos/v1/${path}`);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = https.request(
        url,
        {
          method,
          ca: this.caPem,
          headers: {
            authorization: `Bearer ${this.token}`,
            ...(payload !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: { status: number; text: string };
    try {
      res = await this.request(method, path, body);
    } catch (err) {
      throw new EnvironmentError(`agent API unreachable at ${this.apiUrl}: ${(err as Error).message}`, { method, path }, { cause: err });
    }
    let parsed: unknown;
    try {
      parsed = res.text === '' ? undefined : JSON.parse(res.text);
    } catch {
      parsed = undefined;
    }
    if (res.status < 200 || res.status > 299) {
      const status = (parsed ?? {}) as { message?: string; reason?: string };
      throw new AgentApiError(res.status, status.reason ?? 'Unknown', `agent API ${method} ${path}: ${status.message ?? res.text}`, { method, path });
    }
    return parsed as T;
  }

  putWorkload(spec: WorkloadSpec): Promise<WorkloadSpec> {
    return this.call('PUT', `workloads/${encodeURIComponent(spec.name)}`, spec);
  }
  deleteWorkload(name: string): Promise<void> {
    return this.call<unknown>('DELETE', `workloads/${encodeURIComponent(name)}`).then(() => undefined);
  }
  workloads(): Promise<WorkloadSpec[]> {
    return this.call('GET', 'workloads');
  }
  killProcess(namespace: string, pod: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<{ pid: number; at: number }> {
    return this.call('POST', `namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/kill`, { signal });
  }
  /** Runs a command in a pod's view (its sandbox, env, cwd), like `kubectl exec`; resolves with its exit and output. */
  exec(namespace: string, pod: string, command: string[], timeoutMs?: number): Promise<ExecResult> {
    return this.call('POST', `namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/exec`, { command, ...(timeoutMs ? { timeoutMs } : {}) });
  }
  failNode(node: string, downMs: number): Promise<{ at: number; until: number; pods: string[] }> {
    return this.call('POST', `nodes/${encodeURIComponent(node)}/fail`, { downMs });
  }
  nodes(): Promise<Array<{ name: string; ready: boolean; downUntil?: number }>> {
    return this.call('GET', 'nodes');
  }
  processes(): Promise<ProcessInfo[]> {
    return this.call('GET', 'processes');
  }
}
