/**
 * One embedded cluster for the whole bench (ipBase 127.49.0), driven through
 * the runner exactly as `rekey-chaos run` drives it, with two differences the
 * bench needs: the cluster start and each (re)deploy are timed on their own,
 * and the manager variant can change between batches (a redeploy from a fresh
 * Vault) without paying a new control plane each time.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ClusterBackend, ClusterHandle, ManagerChoice } from '../harness/backends/backend.js';
import { createBackend } from '../harness/backends/index.js';
import { DeployedClusterDriver } from '../harness/run/deployed-cluster.js';
import { borrowedCluster } from '../harness/run/iteration-driver.js';
import { runItemsWith, type RunItem, type RunResults } from '../harness/run/runner.js';
import type { ResultSink } from '../common/record.js';

export const BENCH_IP_BASE = '127.49.0';

export interface BatchResult {
  summary: RunResults;
  /** ms spent deploying before this batch (0 when the deployment was reused) */
  deployMs: number;
  /** ms from the first iteration's start to the last one's end, the runner's between-iteration work included */
  elapsedMs: number;
}

export interface BatchOptions {
  bail?: boolean;
  sinks?: ResultSink[];
}

export class BenchSession {
  /** ms to bring the control plane up (daemon, API server, agent) */
  upMs = 0;
  readonly deployMs: number[] = [];
  private backend: ClusterBackend | undefined;
  private handle: ClusterHandle | undefined;
  private deployedFor: string | undefined;
  private driver: DeployedClusterDriver | undefined;

  private constructor(
    readonly dir: string,
    readonly stateDir: string,
    readonly runsDir: string,
    private readonly signal: AbortSignal,
  ) {}

  static async open(signal: AbortSignal, baseDir?: string, ipBase: string = BENCH_IP_BASE): Promise<BenchSession> {
    const dir = baseDir ?? (await mkdtemp(path.join(tmpdir(), 'rekey-chaos-bench-')));
    const session = new BenchSession(dir, path.join(dir, 'state'), path.join(dir, 'runs'), signal);
    const backend = await createBackend('embedded', { stateDir: session.stateDir, ipBase });
    session.backend = backend;
    const t0 = performance.now();
    try {
      session.handle = await backend.up();
    } catch (err) {
      await backend.down().catch(() => undefined);
      throw err;
    }
    session.upMs = performance.now() - t0;
    return session;
  }

  /** The backend, for measurements that use its capabilities beside the runner. */
  get clusterBackend(): ClusterBackend {
    if (!this.backend) throw new Error('bench session: the cluster is not up');
    return this.backend;
  }

  /** The cluster as the harness sees it (kubeconfig, names), for measurements beside the runner. */
  get clusterHandle(): ClusterHandle {
    if (!this.handle) throw new Error('bench session: the cluster is not up');
    return this.handle;
  }

  private async ensureDeployed(manager: ManagerChoice): Promise<number> {
    const key = JSON.stringify(manager);
    if (this.deployedFor === key && this.driver) return 0;
    const t0 = performance.now();
    await this.backend!.deploy({ manager });
    const ms = performance.now() - t0;
    this.deployMs.push(ms);
    this.deployedFor = key;
    this.driver = new DeployedClusterDriver(this.backend!, this.handle!, manager);
    return ms;
  }

  /** Runs the items on the cluster with this manager, redeploying first only when the manager changed. */
  async run(items: RunItem[], manager: ManagerChoice, options: BatchOptions = {}): Promise<BatchResult> {
    const deployMs = await this.ensureDeployed(manager);
    const driver = this.driver!;
    const t0 = performance.now();
    const summary = await runItemsWith(
      items,
      { backend: 'embedded', manager, runsDir: this.runsDir, sinks: options.sinks ?? [], bail: options.bail ?? false, signal: this.signal },
      { open: async () => borrowedCluster(driver) },
    );
    // The runner recovers after a failure, except after the one --bail stops at, and an environment
    // error may mean recovery itself failed: then the next batch starts from a fresh deployment.
    const last = summary.results.at(-1)?.record.outcome;
    const stoppedOnFailure = (options.bail ?? false) && (last === 'failed' || last === 'timeout');
    if (stoppedOnFailure || summary.counts['environment-error'] > 0) this.deployedFor = undefined;
    return { summary, deployMs, elapsedMs: performance.now() - t0 };
  }

  /** Stops every process of the cluster and removes the bench's temporary files (unless kept). */
  async close(keepFiles = false): Promise<void> {
    const backend = this.backend;
    this.backend = undefined;
    await backend?.down();
    if (!keepFiles) await rm(this.dir, { recursive: true, force: true });
  }
}
