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
import { applyContainerStatus, type ContainerState, type ContainerView, type PodIdentity } from './pod-object.js';
import type { BackoffOptions, PodStorePort } from './types.js';

export interface PodContext {
  store: PodStorePort;
  stateDir: string;
  defaultCwd: string;
  backoff: BackoffOptions;
  nodeIsUp(node: string): boolean;
  log(line: string): void;
}

const READINESS_POLL_MS = 50;

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

  constructor(
    private readonly ctx: PodContext,
    readonly id: PodIdentity,
  ) {
    this.backoff = new RestartBackoff(ctx.backoff);
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
    return alive && (this.id.workload.readiness === undefined || this.probePassed);
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
    const container = new ContainerProcess({
      stateDir: this.ctx.stateDir,
      podName: this.name,
      containerName: this.id.containerName,
      restartCount: this.restartCount,
      command: this.id.command,
      env: this.id.env,
      cwd: this.id.workload.cwd ?? this.ctx.defaultCwd,
    });
    this.container = container;
    this.probePassed = false;
    void container.exited.then((exit) => this.onExit(container, exit));
    if (container.pid > 0) {
      this.everStarted = true;
      this.setState({ kind: 'running', startedAt: container.startedAt, pid: container.pid });
      if (this.id.workload.readiness) this.probe(container, this.id.workload.readiness.tcpPort);
    }
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
    this.restartTimer = undefined;
    const container = this.container;
    if (!container?.running) {
      this.publish();
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
  }

  /** Shortens a graceful termination in progress to an immediate SIGKILL. */
  forceKill(): void {
    if (this.container?.running) this.container.signalGroup('SIGKILL');
  }
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal ? (os.constants.signals[signal] ?? 0) : 0;
}
