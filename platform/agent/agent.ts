/**
 * The node agent: StatefulSet-like workloads whose pods are objects in the
 * API server's store and OS process groups on their own loopback addresses.
 * It plays kubelet (restarts in place, back-off, node loss) and the
 * StatefulSet controller (a deleted pod is recreated with the same name, a
 * new uid and usually a new address).
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { nowMs } from '../../common/clock.js';
import { AgentRequestError } from './errors.js';
import { IpPool } from './ip-pool.js';
import { STATE_DIR_ENV } from './pid-registry.js';
import { newPodObject, type PodIdentity } from './pod-object.js';
import { PodRuntime, type PodContext } from './pod-runtime.js';
import type { ExecResult } from './exec-runner.js';
import { DEFAULT_BACKOFF, type AgentOptions, type InClusterApi, type PodObject, type ProcessInfo, type WorkloadSpec } from './types.js';
import { isSandboxed, validateWorkload } from './workload-spec.js';

interface Workload {
  spec: WorkloadSpec;
  uid: string;
  pods: Map<number, PodRuntime>;
}

export class NodeAgent {
  private readonly workloads = new Map<string, Workload>();
  private readonly ips: IpPool;
  private readonly downUntil = new Map<string, { until: number; timer: NodeJS.Timeout }>();
  private readonly background = new Set<Promise<void>>();
  private readonly ctx: PodContext;
  /** put/delete of workloads run one at a time, in arrival order */
  private serial: Promise<unknown> = Promise.resolve();
  private closing = false;
  private inCluster?: InClusterApi;

  constructor(private readonly options: AgentOptions) {
    this.ips = new IpPool(options.ipBase);
    const log = options.log ?? (() => {});
    this.ctx = {
      store: options.store,
      stateDir: path.resolve(options.stateDir),
      defaultCwd: options.defaultCwd,
      backoff: { ...DEFAULT_BACKOFF, ...options.backoff },
      nodeIsUp: (node) => !this.downUntil.has(node),
      log,
      ...(options.sandbox ? { sandbox: options.sandbox } : {}),
      ...(options.dns ? { dns: options.dns } : {}),
      inClusterApi: () => this.inCluster,
    };
  }

  /** The API server as sandboxed pods reach it in-cluster (set once it serves). */
  setInClusterApi(api: InClusterApi): void {
    this.inCluster = api;
  }

  get nodes(): string[] {
    return [...this.options.nodes];
  }

  private runSerially<T>(op: () => Promise<T>): Promise<T> {
    const next = this.serial.then(op, op);
    this.serial = next.catch(() => {});
    return next;
  }

  private track(work: Promise<void>): void {
    const tracked = work.catch((err) => this.ctx.log(`agent: ${(err as Error).message}`)).finally(() => this.background.delete(tracked));
    this.background.add(tracked);
  }

  // ---- workloads -------------------------------------------------------------------------

  /** Creates or replaces a workload; a replaced workload's pods are stopped and recreated from the new spec. */
  putWorkload(input: unknown, nameFromPath?: string): Promise<WorkloadSpec> {
    const spec = validateWorkload(input, nameFromPath);
    for (const node of spec.nodes ?? []) this.requireNode(node);
    if (isSandboxed(spec) && !this.options.sandbox)
      throw new AgentRequestError('Invalid', 'workload sandbox: this agent was started without a sandbox tool (bwrap or unshare)', { field: 'sandbox' });
    return this.runSerially(async () => {
      if (this.closing) throw new AgentRequestError('Conflict', 'the agent is shutting down');
      const old = this.workloads.get(spec.name);
      if (old) await this.stopWorkload(old);
      const workload: Workload = { spec, uid: randomUUID(), pods: new Map() };
      this.workloads.set(spec.name, workload);
      for (let ordinal = 0; ordinal < spec.replicas; ordinal++) this.startPod(workload, ordinal);
      return spec;
    });
  }

  deleteWorkload(name: string): Promise<void> {
    return this.runSerially(async () => {
      const workload = this.workloads.get(name);
      if (!workload) throw new AgentRequestError('NotFound', `workload "${name}" not found`, { workload: name });
      await this.stopWorkload(workload);
    });
  }

  listWorkloads(): WorkloadSpec[] {
    return [...this.workloads.values()].map((w) => w.spec);
  }

  private async stopWorkload(workload: Workload): Promise<void> {
    this.workloads.delete(workload.spec.name);
    await Promise.all([...workload.pods.values()].map((pod) => this.removePod(pod, graceMsOf(workload.spec))));
  }

  // ---- pods ------------------------------------------------------------------------------

  private startPod(workload: Workload, ordinal: number): void {
    const spec = workload.spec;
    const name = `${spec.name}-${ordinal}`;
    const ip = this.ips.allocate();
    const node = spec.nodes?.[ordinal] ?? this.options.nodes[ordinal % this.options.nodes.length]!;
    const substitute = (value: string) => value.replaceAll('{ordinal}', String(ordinal)).replaceAll('{pod}', name);
    const env: Record<string, string> = {
      ...inheritedEnv(),
      POD_NAME: name,
      POD_NAMESPACE: spec.namespace,
      POD_IP: ip,
      NODE_NAME: node,
      KUBECONFIG: this.options.kubeconfigPath,
      REKEY_CHAOS_PARENT_PID: String(process.pid),
      [STATE_DIR_ENV]: this.ctx.stateDir,
    };
    for (const [k, v] of Object.entries(spec.env)) env[k] = substitute(v);
    const id: PodIdentity = {
      workload: spec,
      workloadUid: workload.uid,
      name,
      uid: '',
      ip,
      node,
      containerName: spec.containerName ?? 'main',
      env,
      command: spec.command.map(substitute),
    };
    archiveOldLogs(this.ctx.stateDir, name);
    id.uid = this.options.store.createPod(newPodObject(id, nowMs())).metadata.uid;
    const pod = new PodRuntime(this.ctx, id);
    workload.pods.set(ordinal, pod);
    pod.start();
  }

  private findPod(namespace: string, name: string): { workload: Workload; ordinal: number; pod: PodRuntime } | undefined {
    for (const workload of this.workloads.values()) {
      if (workload.spec.namespace !== namespace) continue;
      for (const [ordinal, pod] of workload.pods) if (pod.name === name) return { workload, ordinal, pod };
    }
    return undefined;
  }

  private requirePod(namespace: string, name: string): { workload: Workload; ordinal: number; pod: PodRuntime } {
    const found = this.findPod(namespace, name);
    if (!found) throw new AgentRequestError('NotFound', `pod "${name}" not found in namespace "${namespace}"`, { namespace, pod: name });
    return found;
  }

  /** Terminates a pod for good and removes its object (no recreation). */
  private async removePod(pod: PodRuntime, graceMs: number): Promise<void> {
    if (graceMs > 0) this.markDeleting(pod, graceMs);
    await pod.terminate(graceMs);
    this.options.store.removePod(pod.namespace, pod.name, pod.id.uid);
    this.ips.release(pod.id.ip);
    pod.cleanup();
  }

  private markDeleting(pod: PodRuntime, graceMs: number): void {
    const at = nowMs();
    this.options.store.updatePod(pod.namespace, pod.name, pod.id.uid, (obj) => {
      obj.metadata.deletionTimestamp = new Date(at + graceMs).toISOString();
      obj.metadata.deletionGracePeriodSeconds = Math.round(graceMs / 1000);
    });
  }

  /**
   * The store's pod delete handler (ObjectStore.requestDelete, i.e. a pod
   * DELETE through the API). The store has already removed the object (grace
   * 0, a force delete) or marked it with deletionTimestamp; the agent stops the
   * container (SIGTERM, the grace period, SIGKILL), confirms the removal and,
   * as the StatefulSet controller, recreates the pod.
   */
  onPodDeleteRequested(obj: { metadata: { name: string; namespace: string; uid: string; deletionGracePeriodSeconds?: number } }, gracePeriodSeconds: number | undefined): void {
    const { name, namespace, uid } = obj.metadata;
    const found = this.findPod(namespace, name);
    if (!found || found.pod.id.uid !== uid) {
      // Not one of ours (or a stale object): nothing runs for it, so the delete completes now.
      if (gracePeriodSeconds !== 0) this.options.store.removePod(namespace, name, uid);
      return;
    }
    const { workload, ordinal, pod } = found;
    const force = gracePeriodSeconds === 0;
    if (pod.isTerminating) {
      // A second delete can only shorten the grace: a force delete ends it now.
      if (force) pod.forceKill();
      return;
    }
    const graceSeconds = force ? 0 : (obj.metadata.deletionGracePeriodSeconds ?? gracePeriodSeconds ?? graceMsOf(workload.spec) / 1000);
    this.track(this.replacePod(workload, ordinal, pod, graceSeconds * 1000));
  }

  private async replacePod(workload: Workload, ordinal: number, pod: PodRuntime, graceMs: number): Promise<void> {
    await pod.terminate(graceMs);
    this.options.store.removePod(pod.namespace, pod.name, pod.id.uid);
    this.ips.release(pod.id.ip);
    pod.cleanup();
    const stillOwned = this.workloads.get(workload.spec.name) === workload && workload.pods.get(ordinal) === pod;
    if (stillOwned && !this.closing && ordinal < workload.spec.replicas) this.startPod(workload, ordinal);
  }

  /** The agent API's process kill: signal the container's process group; the container restarts in place. */
  killProcess(namespace: string, name: string, signal: NodeJS.Signals = 'SIGKILL'): { pid: number; at: number } {
    const { pod } = this.requirePod(namespace, name);
    const done = pod.signal(signal);
    if (!done) throw new AgentRequestError('Conflict', `pod "${name}" has no running container to signal`, { namespace, pod: name });
    return done;
  }

  /** The agent API's exec: a command in the pod's view (its sandbox, env and cwd), like `kubectl exec`. */
  async execInPod(namespace: string, name: string, command: string[], timeoutMs: number): Promise<ExecResult> {
    const { pod } = this.requirePod(namespace, name);
    const run = pod.exec(command, timeoutMs);
    if (!run) throw new AgentRequestError('Conflict', `pod "${name}" has no running container to exec in`, { namespace, pod: name });
    return run;
  }

  // ---- nodes -----------------------------------------------------------------------------

  private requireNode(node: string): void {
    if (!this.options.nodes.includes(node)) throw new AgentRequestError('NotFound', `node "${node}" not found`, { node, nodes: this.options.nodes });
  }

  private podsOn(node: string): PodRuntime[] {
    const out: PodRuntime[] = [];
    for (const workload of this.workloads.values()) for (const pod of workload.pods.values()) if (pod.id.node === node) out.push(pod);
    return out;
  }

  /** Node loss: every container on the node dies and the node stays down for downMs, then its containers restart. */
  failNode(node: string, downMs: number): { at: number; until: number; pods: string[] } {
    this.requireNode(node);
    if (!Number.isFinite(downMs) || downMs < 0 || downMs > 3_600_000) throw new AgentRequestError('Invalid', 'downMs must be a number 0..3600000', { downMs });
    const at = nowMs();
    const previous = this.downUntil.get(node);
    if (previous) clearTimeout(previous.timer);
    const timer = setTimeout(() => this.recoverNode(node), downMs);
    this.downUntil.set(node, { until: at + downMs, timer });
    const pods = this.podsOn(node);
    for (const pod of pods) pod.nodeLost();
    return { at, until: at + downMs, pods: pods.map((p) => p.name) };
  }

  private recoverNode(node: string): void {
    this.downUntil.delete(node);
    if (this.closing) return;
    for (const pod of this.podsOn(node)) pod.nodeRecovered();
  }

  nodeStatus(): Array<{ name: string; ready: boolean; downUntil?: number }> {
    return this.options.nodes.map((name) => {
      const down = this.downUntil.get(name);
      return down ? { name, ready: false, downUntil: down.until } : { name, ready: true };
    });
  }

  processes(): ProcessInfo[] {
    const out: ProcessInfo[] = [];
    for (const workload of this.workloads.values())
      for (const pod of workload.pods.values()) {
        const pid = pod.pid;
        if (pid !== undefined)
          out.push({ pod: pod.name, namespace: pod.namespace, container: pod.id.containerName, pid, node: pod.id.node, ip: pod.id.ip });
      }
    return out;
  }

  /** Where a pod's container logs are (current run and, when it exists, the previous run). */
  logFiles(namespace: string, name: string): { container: string; current: string; previous?: string; running: () => boolean } {
    const { pod } = this.requirePod(namespace, name);
    const dir = path.join(this.ctx.stateDir, 'logs', name);
    const n = pod.currentRestartCount;
    const file = (i: number) => path.join(dir, `${pod.id.containerName}-${i}.log`);
    return {
      container: pod.id.containerName,
      current: file(n),
      previous: n > 0 ? file(n - 1) : undefined,
      // `follow` ends when the run being followed ends (a restart starts a new file)
      running: () => pod.pid !== undefined && pod.currentRestartCount === n && !pod.isTerminating,
    };
  }

  /** Stops every pod (SIGTERM, grace, SIGKILL) and removes their objects; no recreation afterwards. */
  async shutdown(): Promise<void> {
    this.closing = true;
    for (const { timer } of this.downUntil.values()) clearTimeout(timer);
    this.downUntil.clear();
    await this.runSerially(async () => {
      await Promise.all([...this.workloads.values()].map((w) => this.stopWorkload(w)));
    });
    await Promise.all([...this.background]);
  }
}

function graceMsOf(spec: WorkloadSpec): number {
  return (spec.terminationGracePeriodSeconds ?? 30) * 1000;
}

/** The daemon's environment minus what would confuse a pod (the contract variables are set per pod). */
function inheritedEnv(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('MOCHA_')) out[k] = v;
  return out;
}

/** A recreated pod starts with fresh logs; the old pod's files move to `logs/<pod>/previous/<n>/`. */
function archiveOldLogs(stateDir: string, podName: string): void {
  const dir = path.join(stateDir, 'logs', podName);
  let files: string[];
  try {
    files = fs.readdirSync(dir).filter((f) => f.endsWith('.log'));
  } catch {
    return;
  }
  if (files.length === 0) return;
  const archive = path.join(dir, 'previous');
  fs.mkdirSync(archive, { recursive: true });
  const slot = path.join(archive, String(fs.readdirSync(archive).length));
  fs.mkdirSync(slot);
  for (const f of files) fs.renameSync(path.join(dir, f), path.join(slot, f));
}
