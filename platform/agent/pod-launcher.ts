/**
 * How a pod's programs are started: directly (our own pods: the Vault double,
 * the reference manager) or inside a sandbox (pods that expect a Kubernetes
 * filesystem). For a sandboxed pod it prepares the pod's folders and volumes
 * before each container start and builds the sandbox argv for the container
 * and for each exec (probes, the agent API's exec), which all share the same
 * view: the same mount plan over the same host folders.
 */
import fs from 'node:fs';
import path from 'node:path';
import { inClusterEnv, SERVICE_ACCOUNT_PATH, writeServiceAccount } from './in-cluster.js';
import { ensurePodDir, podFolder, prepareVolumes, removePodFolder, resetRunFolders } from './pod-volumes.js';
import type { PodIdentity } from './pod-object.js';
import { POD_HOME, podMountRequests } from './pod-sandbox.js';
import { planMounts, type MountOp } from './sandbox/mount-plan.js';
import { sandboxArgv } from './sandbox/launch.js';
import { execIntoArgv } from './sandbox/unshare.js';
import type { InClusterApi, PodDnsFiles, PodStorePort, SandboxRuntime } from './types.js';
import { isSandboxed } from './workload-spec.js';

export interface LaunchContext {
  stateDir: string;
  defaultCwd: string;
  store: PodStorePort;
  sandbox?: SandboxRuntime;
  dns?: PodDnsFiles;
  inClusterApi(): InClusterApi | undefined;
}

export interface ProcessStart {
  argv: string[];
  /** cwd of the spawned process on the host */
  cwd: string;
  env: Record<string, string>;
}

/** argv[0] 'node' means the agent's own node binary. */
function resolveProgram(command: string[]): string[] {
  return command[0] === 'node' ? [process.execPath, ...command.slice(1)] : [...command];
}

export class PodLauncher {
  readonly sandboxed: boolean;
  private ops?: MountOp[];
  private env: Record<string, string>;

  constructor(
    private readonly ctx: LaunchContext,
    private readonly id: PodIdentity,
  ) {
    this.sandboxed = isSandboxed(id.workload);
    this.env = id.env;
  }

  private get podDir(): string {
    return podFolder(this.ctx.stateDir, this.id.uid);
  }

  /** Before each container start. Throws VolumeNotReady while a volume's source is missing. */
  prepareRun(): void {
    if (!this.sandboxed) return;
    const sandbox = this.ctx.sandbox;
    if (!sandbox) throw new Error('this agent has no sandbox tool, so it cannot run sandboxed pods');
    const spec = this.id.workload;
    const namespace = spec.namespace;
    const volumes = spec.volumes ?? [];
    const volumeFolders = prepareVolumes(this.podDir, namespace, volumes, this.ctx.store);
    const { tmp, home } = resetRunFolders(this.podDir);
    const api = this.ctx.inClusterApi();
    const kubeconfig = this.id.env.KUBECONFIG;
    const requests = podMountRequests({
      volumes,
      volumeMounts: spec.volumeMounts ?? [],
      volumeFolders,
      workdir: ensurePodDir(this.podDir, 'workdir'),
      tmp,
      home,
      ...(api ? { serviceAccount: { folder: writeServiceAccount(this.ctx.stateDir, namespace, api), mountPath: SERVICE_ACCOUNT_PATH } } : {}),
      ...(this.ctx.dns ? { dnsFolder: this.ctx.dns.folderFor(namespace) } : {}),
      hostFiles: kubeconfig && path.isAbsolute(kubeconfig) && fs.existsSync(kubeconfig) ? [kubeconfig] : [],
    });
    ensurePodDir(this.podDir, 'root-mount');
    this.ops = planMounts(requests);
    this.env = { ...this.id.env, ...(api ? inClusterEnv(api) : {}), HOME: POD_HOME, HOSTNAME: this.id.name };
  }

  /** The marker an unshare sandbox writes once its mounts are done (in the per-run folder, so a restart starts without it). */
  private readyFile(pid: number | string): string {
    return path.join(this.podDir, 'run', `sandbox-ready-${pid}`);
  }

  private start(command: string[], readyFilePrefix?: string): ProcessStart {
    const program = resolveProgram(command);
    const cwd = this.id.workload.cwd;
    if (!this.sandboxed) return { argv: program, cwd: cwd ?? this.ctx.defaultCwd, env: this.env };
    if (!this.ops || !this.ctx.sandbox) throw new Error(`pod ${this.id.name}: sandbox not prepared`);
    const argv = sandboxArgv(
      {
        runtime: this.ctx.sandbox,
        ops: this.ops,
        hostname: this.id.name,
        cwd: cwd ?? '/',
        rootDir: path.join(this.podDir, 'root-mount'),
        ...(readyFilePrefix ? { readyFilePrefix } : {}),
      },
      program,
    );
    return { argv, cwd: '/', env: this.env };
  }

  container(): ProcessStart {
    // the script's own pid is the container's: unshare and sh exec, never fork
    return this.start(this.id.command, this.ctx.sandbox?.kind === 'unshare' ? this.readyFile('') : undefined);
  }

  /**
   * True once the container's sandbox is built and its program runs. Under unshare
   * the mount script may still be working for a while after the spawn (one `mount`
   * process per entry): probes wait for it, as kubelet probes a started container.
   */
  containerReady(containerPid: number): boolean {
    if (!this.sandboxed || this.ctx.sandbox?.kind !== 'unshare') return true;
    return fs.existsSync(this.readyFile(containerPid));
  }

  /**
   * A command in the pod's view (after the first prepareRun for a sandboxed pod).
   * Under unshare it joins the running container's sandbox once that is built;
   * bwrap builds a fresh one with the same plan in milliseconds.
   */
  exec(command: string[], containerPid?: number): ProcessStart {
    const sandbox = this.ctx.sandbox;
    if (this.sandboxed && sandbox?.kind === 'unshare' && sandbox.nsenter && containerPid && this.containerReady(containerPid))
      return { argv: execIntoArgv(sandbox.nsenter, containerPid, sandbox.env, this.id.workload.cwd ?? '/', resolveProgram(command)), cwd: '/', env: this.env };
    return this.start(command);
  }

  /** Removes the pod's folders (the pod object is gone). */
  cleanup(): void {
    if (this.sandboxed) removePodFolder(this.ctx.stateDir, this.id.uid);
  }
}
