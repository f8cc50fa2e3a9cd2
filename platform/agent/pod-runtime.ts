/**
 * The life of one pod object: its container's runs, restarts in place with
 * back-off (kill, crash, node loss), and graceful or forced termination.
 * The pod's address and uid never change here; a recreated pod is a new
 * PodRuntime (see agent.ts).
 */
import net from 'node:net';
import os from 'node:os';
import { nowMs } from '../../common/clock.js';
import { RestartBackoff } from './backoff.js';
import { ContainerProcess, type ContainerExit } from './container.js';
import { runToCompletion, type ExecResult, type RunningExec } from './exec-runner.js';
import { PodLauncher, type LaunchContext } from './pod-launcher.js';
import { applyContainerStatus, type ContainerState, type ContainerView, type PodIdentity } from './pod-object.js';
import { VolumeNotReady } from './pod-volumes.js';
import { ProbeWorker, type ProbeAttempt } from './probe-worker.js';
import type { BackoffOptions, Probe } from './types.js';

export interface PodContext extends LaunchContext {
  backoff: BackoffOptions;
  nodeIsUp(node: string): boolean;
  log(line: string): void;
}

const READINESS_POLL_MS = 50;
/** how often a pod waiting for a configMap / secret looks again (kubelet retries its volume setup too) */
const VOLUME_RETRY_MS = 200;
const SANDBOX_READY_POLL_MS = 20;

export class PodRuntime {
  private container?: ContainerProcess;
  private state: ContainerState = { kind: 'creating' };
  private lastTerminated?: Extract<ContainerState, { kind: 'terminated' }>;
  private restartCount = 0;
  private everStarted = false;
  private probePassed = false;
  private restartTimer?: NodeJS.Timeout;
  private probeTimer?: NodeJS.Timeout;
  private terminating = false;
  private readonly backoff: RestartBackoff;
  private readonly launcher: PodLauncher;
  private readiness?: ProbeWorker;
  private liveness?: ProbeWorker;
  private livenessKillTimer?: NodeJS.Timeout;
  private probeStartTimer?: NodeJS.Timeout;
  /** probes and agent-API execs still running: they end before the pod's folders are removed */
  private readonly execs = new Set<RunningExec>();

  constructor(
    private readonly ctx: PodContext,
    readonly id: PodIdentity,
  ) {
    this.backoff = new RestartBackoff(ctx.backoff);
    this.launcher = new PodLauncher(ctx, id);
  }

  get name(): string {
    return this.id.name;
  }
  get namespace(): string {
    return this.id.workload.namespace;
  }
  get isTerminating(): boolean {
    return this.terminating;
  }
  get pid(): number | undefined {
    return this.container?.running ? this.container.pid : undefined;
  }
  get currentRestartCount(): number {
    return this.restartCount;
  }

  /** Starts the container of the (already stored) pod object, or waits when its node is down. */
  start(): void {
    if (this.ctx.nodeIsUp(this.id.node)) this.launch();
    else this.setState({ kind: 'node-down' });
  }

  private get ready(): boolean {
    const alive = this.state.kind === 'running' && !this.terminating && this.ctx.nodeIsUp(this.id.node);
    const tcpReady = this.id.workload.readiness === undefined || this.probePassed;
    return alive && tcpReady && (this.id.workload.readinessProbe === undefined || this.readiness?.current === 'success');
  }

  private view(): ContainerView {
    return { state: this.state, lastTerminated: this.lastTerminated, ready: this.ready, restartCount: this.restartCount, everStarted: this.everStarted };
  }

  private setState(state: ContainerState): void {
    this.state = state;
    this.publish();
  }

  /** Writes the current container status to the pod object. */
  publish(): void {
    const view = this.view();
    this.ctx.store.updatePod(this.namespace, this.name, this.id.uid, (pod) => applyContainerStatus(pod, this.id, view, nowMs()));
  }

  private launch(): void {
    if (this.terminating) return;
    if (!this.prepared()) return;
    const start = this.launcher.container();
    const container = new ContainerProcess({
      stateDir: this.ctx.stateDir,
      podName: this.name,
      containerName: this.id.containerName,
      restartCount: this.restartCount,
      command: start.argv,
      env: start.env,
      cwd: start.cwd,
    });
    this.container = container;
    this.probePassed = false;
    void container.exited.then((exit) => this.onExit(container, exit));
    if (container.pid > 0) {
      this.everStarted = true;
      this.setState({ kind: 'running', startedAt: container.startedAt, pid: container.pid });
      if (this.id.workload.readiness) this.probe(container, this.id.workload.readiness.tcpPort);
      this.startProbes(container);
    }
  }

  /**
   * Volumes and folders for the next container run. While a configMap / secret is
   * missing the pod stays in ContainerCreating and looks again shortly; any other
   * setup failure is a CreateContainerError retried with the restart back-off.
   */
  private prepared(): boolean {
    let waitMs: number;
    try {
      this.launcher.prepareRun();
      return true;
    } catch (err) {
      const message = (err as Error).message;
      if (err instanceof VolumeNotReady) {
        if (this.state.kind !== 'creating' || this.state.message !== message) this.setState({ kind: 'creating', message });
        waitMs = VOLUME_RETRY_MS;
      } else {
        waitMs = this.backoff.nextDelay(0);
        this.ctx.log(`pod ${this.name}: cannot create the container: ${message}`);
        this.setState({ kind: 'creating', reason: 'CreateContainerError', message });
      }
    }
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (!this.terminating && this.ctx.nodeIsUp(this.id.node)) this.launch();
    }, waitMs);
    return false;
  }

  // ---- exec probes -----------------------------------------------------------------------

  /** Runs a command in the pod's view (sandbox, env, cwd), like `kubectl exec`. */
  exec(command: string[], timeoutMs: number): Promise<ExecResult> | undefined {
    if (!this.container?.running || this.terminating) return undefined;
    const start = this.launcher.exec(command, this.container.pid);
    const run = runToCompletion(start.argv, { env: start.env, cwd: start.cwd, timeoutMs });
    this.execs.add(run);
    void run.done.then(() => this.execs.delete(run));
    return run.done;
  }

  /** Kills every exec still running and waits until they are gone. */
  private async endExecs(): Promise<void> {
    const running = [...this.execs];
    for (const run of running) run.kill();
    await Promise.all(running.map((r) => r.done));
  }

  private async attempt(probe: Probe, timeoutMs: number): Promise<ProbeAttempt> {
    const run = this.exec(probe.exec.command, timeoutMs);
    if (!run) return { ok: false, detail: 'container not running' };
    const r = await run;
    if (r.spawnError) return { ok: false, detail: `cannot start: ${r.spawnError}` };
    if (r.timedOut) return { ok: false, detail: `timed out after ${timeoutMs} ms` };
    return { ok: r.exitCode === 0, detail: r.exitCode !== null ? `exit code ${r.exitCode}` : `signal ${r.signal}` };
  }

  private startProbes(container: ContainerProcess): void {
    const { readinessProbe, livenessProbe } = this.id.workload;
    if (!readinessProbe && !livenessProbe) return;
    if (!this.launcher.containerReady(container.pid)) {
      // the sandbox is still being built: initialDelaySeconds counts from the program's start
      this.probeStartTimer = setTimeout(() => {
        if (this.container === container && container.running && !this.terminating) this.startProbes(container);
      }, SANDBOX_READY_POLL_MS);
      return;
    }
    if (readinessProbe) {
      this.readiness = new ProbeWorker(readinessProbe, 'failure', (t) => this.attempt(readinessProbe, t), () => {
        if (this.container === container) this.publish();
      });
      this.readiness.start();
    }
    if (livenessProbe) {
      this.liveness = new ProbeWorker(livenessProbe, 'success', (t) => this.attempt(livenessProbe, t), (result, last) => {
        if (result === 'failure' && this.container === container) this.killForLiveness(container, livenessProbe, last.detail);
      });
      this.liveness.start();
    }
  }

  private stopProbes(): void {
    clearTimeout(this.probeStartTimer);
    this.readiness?.stop();
    this.liveness?.stop();
    this.readiness = undefined;
    this.liveness = undefined;
  }

  /** Liveness failed failureThreshold times in a row: kubelet kills the container (SIGTERM, grace, SIGKILL); it restarts as after a crash. */
  private killForLiveness(container: ContainerProcess, probe: Probe, detail: string): void {
    this.stopProbes();
    if (this.terminating || !container.running) return;
    const graceSeconds = probe.terminationGracePeriodSeconds ?? this.id.workload.terminationGracePeriodSeconds ?? 30;
    this.ctx.log(`pod ${this.name}: liveness probe failed ${probe.failureThreshold} time(s) (${detail}), killing the container`);
    container.signalGroup('SIGTERM');
    this.livenessKillTimer = setTimeout(() => container.signalGroup('SIGKILL'), graceSeconds * 1000);
  }

  /** One-shot TCP readiness: the container becomes ready once its port accepts a connection. */
  private probe(container: ContainerProcess, port: number): void {
    const attempt = () => {
      if (this.container !== container || !container.running) return;
      const socket = net.connect({ host: this.id.ip, port });
      socket.once('connect', () => {
        socket.destroy();
        if (this.container !== container || !container.running) return;
        this.probePassed = true;
        this.publish();
      });
      socket.once('error', () => {
        socket.destroy();
        this.probeTimer = setTimeout(attempt, READINESS_POLL_MS);
      });
    };
    attempt();
  }

  private onExit(container: ContainerProcess, exit: ContainerExit): void {
    if (this.container !== container) return;
    clearTimeout(this.probeTimer);
    clearTimeout(this.livenessKillTimer);
    this.stopProbes();
    const terminated: Extract<ContainerState, { kind: 'terminated' }> = {
      kind: 'terminated',
      exitCode: exit.code ?? 128 + signalNumber(exit.signal),
      signal: exit.signal,
      reason: exit.spawnError ? 'StartError' : exit.code === 0 ? 'Completed' : 'Error',
      startedAt: container.startedAt,
      finishedAt: nowMs(),
    };
    if (this.terminating) {
      this.setState(terminated);
      return;
    }
    this.lastTerminated = terminated;
    this.restartCount++;
    if (!this.ctx.nodeIsUp(this.id.node)) {
      this.setState({ kind: 'node-down' });
      return;
    }
    const delayMs = this.backoff.nextDelay(exit.ranForMs);
    this.ctx.log(`pod ${this.name}: container exited (${exit.signal ?? `code ${exit.code}`}), restart ${this.restartCount} in ${delayMs} ms`);
    this.setState({ kind: 'backoff', delayMs });
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (!this.terminating && this.ctx.nodeIsUp(this.id.node)) this.launch();
    }, delayMs);
  }

  /** Sends a signal to the container's process group (the agent API's process kill). */
  signal(signal: NodeJS.Signals): { pid: number; at: number } | undefined {
    const container = this.container;
    if (!container?.running || this.terminating) return undefined;
    const at = nowMs();
    return container.signalGroup(signal) ? { pid: container.pid, at } : undefined;
  }

  /** Node loss: the container dies and stays down until `nodeRecovered()`. */
  nodeLost(): void {
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    if (this.container?.running) this.container.signalGroup('SIGKILL');
    else if (!this.terminating) this.setState({ kind: 'node-down' });
    else this.publish();
  }

  nodeRecovered(): void {
    if (this.terminating || this.container?.running) return;
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    this.backoff.reset();
    this.launch();
  }

  /** Stops the pod for good: SIGTERM to the group, up to `graceMs`, then SIGKILL. Resolves when no process is left. */
  async terminate(graceMs: number): Promise<void> {
    this.terminating = true;
    clearTimeout(this.restartTimer);
    clearTimeout(this.probeTimer);
    this.stopProbes();
    this.restartTimer = undefined;
    const container = this.container;
    if (!container?.running) {
      this.publish();
      await this.endExecs();
      return;
    }
    this.publish();
    if (graceMs > 0) {
      container.signalGroup('SIGTERM');
      const killTimer = setTimeout(() => container.signalGroup('SIGKILL'), graceMs);
      await container.exited;
      clearTimeout(killTimer);
    } else {
      container.signalGroup('SIGKILL');
      await container.exited;
    }
    await this.endExecs();
  }

  /** Removes the pod's folders once its object is gone. */
  cleanup(): void {
    this.launcher.cleanup();
  }

  /** Shortens a graceful termination in progress to an immediate SIGKILL. */
  forceKill(): void {
    if (this.container?.running) this.container.signalGroup('SIGKILL');
  }
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal ? (os.constants.signals[signal] ?? 0) : 0;
}
