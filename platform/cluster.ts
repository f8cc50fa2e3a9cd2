/**
 * Starts and stops an embedded cluster in a state dir (only a folder it
 * made or found empty, see state-dir.ts): spawns the
 * control-plane daemon (platform/daemon.ts), waits for its
 * state.json, deploys the Vault double and the manager through the agent
 * API. Stale leftovers of a crashed run (a live daemon, recorded pod process
 * groups) are killed first and reported. The daemon and the pods run from
 * bundles built once per start into `<stateDir>/bundles/` (bundle.ts) unless
 * REKEY_CHAOS_POD_RUNTIME=tsx (or the `runtime` option) asks for tsx.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { EnvironmentError, UsageError } from '../common/errors.js';
import { AgentClient } from './agent/client.js';
import { parseIpBase } from './agent/ip-pool.js';
import { killRecordedGroups } from './agent/pid-registry.js';
import { chooseSandbox, type SandboxToolOptions } from './agent/sandbox/detect.js';
import { DEFAULT_NODES, type BackoffOptions } from './agent/types.js';
import { waitFor } from './agent/wait.js';
import { REPO_ROOT } from '../common/repo-root.js';
import { bundleDir, bundlePodPrograms, podRuntime, programArgs, type PodBundles, type PodRuntime } from './bundle.js';
import { pidAlive, readDaemonPid, readStateFile, stateFile, writeAtomically, type ClusterState, type DaemonConfig } from './agent/state-files.js';
import { MANAGER_MAIN, managerWorkload, VAULT_MAIN, vaultFeedPath, vaultServerWorkload } from './workloads.js';
import { parseVaultVersion } from './vault/version.js';
import { claimStateDir, isStateDir, removeOwnedEntries } from './state-dir.js';
import { daemonStdio, holdOwnerLink, ownerArgs } from './owner-link.js';

export type { ClusterState } from './agent/state-files.js';

export { REPO_ROOT };
export const DEFAULT_STATE_DIR = '.rekey-chaos/embedded';
export const DEFAULT_IP_BASE = '127.42.0';

export interface EmbeddedClusterOptions {
  stateDir?: string;
  ipBase?: string;
  nodes?: string[];
  namespace?: string;
  fullname?: string;
  log?: (line: string) => void;
  /** deploy the Vault double (default: when platform/vault/main.ts exists) */
  vault?: boolean;
  /** deploy the reference manager (default: when manager/main.ts exists and Vault is deployed) */
  manager?: boolean;
  managerDefect?: string;
  managerSettings?: Record<string, string>;
  statusRateMs?: number;
  /** the Vault double's harness-only key feed (default on) */
  feed?: boolean;
  /** the Vault double's harness-only milestone gates, VAULT_DOUBLE_HARNESS_API (default on; see harness/backends/embedded-gates.ts) */
  gates?: boolean;
  vaultOptions?: Record<string, unknown>;
  /** the version the Vault double reports (health, seal-status, `vault-version` label); default VAULT_VERSION of platform/vault/version.ts */
  vaultVersion?: string;
  backoff?: Partial<BackoffOptions>;
  /** how long the daemon may take to serve (default 30 s) */
  startTimeoutMs?: number;
  /** run the daemon and pods from bundles or through tsx (default: REKEY_CHAOS_POD_RUNTIME, else bundles) */
  runtime?: PodRuntime;
  /** the bundle cache (default: REKEY_CHAOS_BUNDLE_CACHE, else <repo>/.rekey-chaos/bundle-cache) */
  bundleCacheDir?: string;
  /** how sandboxed pods get their mount namespace (default: bwrap, else unshare as root; neither: EnvironmentError) */
  sandbox?: SandboxToolOptions;
  /**
   * Let the cluster outlive this process (`cluster up --detach` only). By
   * default the calling process owns the cluster: when it exits or is
   * killed, SIGKILL included, the daemon tears everything down (owner-link.ts).
   */
  detached?: boolean;
}

export interface StaleCleanup {
  daemonPid?: number;
  killedGroups: Array<{ pgid: number; pod: string }>;
}

export interface EmbeddedCluster {
  stateDir: string;
  state: ClusterState;
  kubeconfigPath: string;
  caCertPath?: string;
  keyFeedPath?: string;
  logDir: string;
  /** what a previous, crashed run had left behind and this start killed */
  cleaned?: StaleCleanup;
  deployed: { vault: boolean; manager: boolean };
  /** the bundles the daemon and pods run from (undefined: everything runs through tsx) */
  bundles?: PodBundles;
  agent: AgentClient;
  stop(): Promise<StopReport>;
}

export interface StopReport {
  daemonStopped: boolean;
  daemonKilled: boolean;
  killedGroups: Array<{ pgid: number; pod: string }>;
}

export function resolveStateDir(stateDir?: string): string {
  return path.resolve(stateDir ?? DEFAULT_STATE_DIR);
}

/** The state of a running cluster, or undefined when none serves from this dir. */
export function readClusterState(stateDir?: string): ClusterState | undefined {
  const state = readStateFile(resolveStateDir(stateDir));
  return state && state.ready && pidAlive(state.pid) ? state : undefined;
}

export function agentClientFor(state: ClusterState): AgentClient {
  return new AgentClient(state.apiUrl, state.token, state.apiCaPem);
}

/** True when the pid is an embedded-cluster daemon (not a recycled pid of something else). */
function isDaemonProcess(pid: number): boolean {
  try {
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1');
    return argv.includes('daemon.ts') || argv.includes('daemon.mjs');
  } catch {
    return false;
  }
}

/**
 * Stops the cluster of a state dir and everything it started; idempotent.
 * SIGTERM to the daemon (it stops its pods: SIGTERM, grace, SIGKILL), a
 * SIGKILL if it does not exit in time, then every recorded pod process group
 * still alive is killed.
 */
export async function stopEmbeddedCluster(stateDir?: string, options: { timeoutMs?: number } = {}): Promise<StopReport> {
  const dir = resolveStateDir(stateDir);
  const report: StopReport = { daemonStopped: false, daemonKilled: false, killedGroups: [] };
  // A folder without the marker holds no cluster of ours: nothing in it is touched (platform/state-dir.ts).
  if (!isStateDir(dir)) return report;
  const pid = readDaemonPid(dir) ?? readStateFile(dir)?.pid;
  if (pid !== undefined && pidAlive(pid) && isDaemonProcess(pid)) {
    process.kill(pid, 'SIGTERM');
    const exited = await waitFor(() => !pidAlive(pid), { timeoutMs: options.timeoutMs ?? 45_000, what: 'the daemon to exit' }).then(
      () => true,
      () => false,
    );
    if (!exited) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone meanwhile */
      }
      await waitFor(() => !pidAlive(pid), { timeoutMs: 5_000, what: 'the killed daemon to exit' }).catch(() => {});
      report.daemonKilled = true;
    }
    report.daemonStopped = true;
  }
  report.killedGroups = killRecordedGroups(dir);
  for (const name of ['state.json', 'daemon.pid'] as const) fs.rmSync(stateFile(dir, name), { force: true });
  return report;
}

/** The pid after `--owner-pid` in a live daemon's command line: the harness whose cluster it is (none: detached). */
function ownerPidOf(daemonPid: number): number | undefined {
  try {
    const argv = fs.readFileSync(`/proc/${daemonPid}/cmdline`, 'latin1').split('\0');
    const i = argv.indexOf('--owner-pid');
    const pid = i >= 0 ? Number(argv[i + 1]) : NaN;
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A UsageError when the state dir holds the cluster of another harness that is
 * still running (a second `run` or `npm start` in the same checkout): starting
 * here would stop that cluster under it. A detached cluster (`cluster up
 * --detach`) or one whose owner is gone is a leftover, cleaned as before.
 */
export function refuseStateDirInUse(stateDir?: string): void {
  const dir = resolveStateDir(stateDir);
  if (!isStateDir(dir)) return;
  const pid = readDaemonPid(dir) ?? readStateFile(dir)?.pid;
  if (pid === undefined || !pidAlive(pid) || !isDaemonProcess(pid)) return;
  const owner = ownerPidOf(pid);
  if (owner === undefined || owner === process.pid || !pidAlive(owner)) return;
  throw new UsageError(
    `the state dir ${dir} is in use: its cluster (daemon pid ${pid}) belongs to another rekey-chaos process that is still running (pid ${owner}); nothing was touched; give this one its own --state-dir, or wait for that one to end`,
    { stateDir: dir, daemonPid: pid, ownerPid: owner },
  );
}

async function cleanStale(dir: string, log: (line: string) => void): Promise<StaleCleanup | undefined> {
  refuseStateDirInUse(dir);
  const pid = readDaemonPid(dir) ?? readStateFile(dir)?.pid;
  const liveDaemon = pid !== undefined && pidAlive(pid) && isDaemonProcess(pid);
  // state.json or daemon.pid only survive a daemon that did not stop cleanly
  const crashMarks = (['state.json', 'daemon.pid'] as const).filter((f) => fs.existsSync(stateFile(dir, f)));
  const stop = await stopEmbeddedCluster(dir, { timeoutMs: 15_000 });
  removeOwnedEntries(dir);
  if (!liveDaemon && stop.killedGroups.length === 0 && crashMarks.length === 0) return undefined;
  const cleanup: StaleCleanup = { killedGroups: stop.killedGroups, ...(liveDaemon ? { daemonPid: pid } : {}) };
  const groups = stop.killedGroups.map((g) => `${g.pod}:${g.pgid}`).join(', ');
  log(
    `cleaned leftovers of a previous run in ${dir}: ` +
      (liveDaemon ? `stopped the running daemon (pid ${pid}), ` : `its daemon was gone, `) +
      `killed ${stop.killedGroups.length} orphan pod process group(s)${groups ? ` (${groups})` : ''}, removed the old state`,
  );
  return cleanup;
}

function tail(file: string, lines: number): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no daemon log)';
  }
}

/** Spawns the daemon and resolves with its state once state.json says ready. */
async function spawnDaemon(dir: string, timeoutMs: number, bundle: string | undefined, owned: boolean): Promise<ClusterState> {
  const logFd = fs.openSync(stateFile(dir, 'daemon.log'), 'a');
  // --repo-root: a bundled daemon cannot find the repo (the pods' cwd) from its own location
  const child = spawn(process.execPath, [...programArgs('daemon', bundle), '--state-dir', dir, '--repo-root', REPO_ROOT, ...ownerArgs(owned)], {
    cwd: REPO_ROOT,
    detached: true,
    stdio: daemonStdio(logFd, owned),
  });
  fs.closeSync(logFd);
  child.unref();
  if (owned) holdOwnerLink(child);
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = signal ?? `exit code ${code}`));
  child.once('error', (err) => (exited = err.message));
  const watcher = fs.watch(dir);
  try {
    return await waitFor(
      () => {
        if (exited) throw new EnvironmentError(`the cluster daemon ended before it was ready (${exited}):\n${tail(stateFile(dir, 'daemon.log'), 15)}`, { stateDir: dir });
        const state = readStateFile(dir);
        return state?.ready && state.pid === child.pid ? state : undefined;
      },
      { timeoutMs, what: 'the cluster daemon to be ready', wakeOn: watcher },
    );
  } catch (err) {
    if (child.pid && !exited) process.kill(child.pid, 'SIGKILL');
    killRecordedGroups(dir);
    if (err instanceof EnvironmentError) throw err;
    throw new EnvironmentError(`the embedded cluster did not start: ${(err as Error).message}`, { stateDir: dir }, { cause: err });
  } finally {
    watcher.close();
  }
}

export async function startEmbeddedCluster(options: EmbeddedClusterOptions = {}): Promise<EmbeddedCluster> {
  const dir = resolveStateDir(options.stateDir);
  const log = options.log ?? (() => {});
  const ipBase = parseIpBase(options.ipBase ?? DEFAULT_IP_BASE);
  const namespace = options.namespace ?? 'vault';
  const fullname = options.fullname ?? 'sva-vault';
  // A bad version is a usage error before anything starts (the workload builder checks it again).
  if (options.vaultVersion !== undefined) parseVaultVersion(options.vaultVersion, 'vaultVersion');
  // Before anything starts: a machine that cannot sandbox pods fails here, naming what to install.
  const sandbox = chooseSandbox(options.sandbox);
  claimStateDir(dir);
  const cleaned = await cleanStale(dir, log);
  const bundles = await buildBundles(dir, options, log);
  const config: DaemonConfig = { ipBase, nodes: options.nodes ?? DEFAULT_NODES, namespace, fullname, sandbox, ...(options.backoff ? { backoff: options.backoff } : {}) };
  writeAtomically(stateFile(dir, 'config.json'), JSON.stringify(config, null, 2), 0o644);
  const state = await spawnDaemon(dir, options.startTimeoutMs ?? 30_000, bundles?.daemon, !options.detached);
  log(`control plane ready: API ${state.apiUrl}, active-service proxy ${state.proxyAddress}, kubeconfig ${state.kubeconfig}`);
  const agent = agentClientFor(state);
  const cluster: EmbeddedCluster = {
    stateDir: dir,
    state,
    kubeconfigPath: state.kubeconfig,
    logDir: path.join(dir, 'logs'),
    ...(cleaned ? { cleaned } : {}),
    deployed: { vault: false, manager: false },
    ...(bundles ? { bundles } : {}),
    agent,
    stop: () => stopEmbeddedCluster(dir),
  };
  try {
    await deployWorkloads(cluster, options, log);
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}

/** Bundles for this start, or undefined when the programs run through tsx. */
async function buildBundles(dir: string, options: EmbeddedClusterOptions, log: (line: string) => void): Promise<PodBundles | undefined> {
  if ((options.runtime ?? podRuntime()) === 'tsx') {
    log('programs run through tsx (no bundles)');
    return undefined;
  }
  const bundles = await bundlePodPrograms(bundleDir(dir), options.bundleCacheDir ? { cacheDir: options.bundleCacheDir } : {});
  log(`bundles in ${bundles.dir}: ${bundles.fromCache ? 'unchanged sources, from the cache' : `built in ${bundles.buildMs} ms`} (${bundles.inputs} inputs)`);
  return bundles;
}

/** What `deployWorkloads` puts on a running cluster (the same switches `startEmbeddedCluster` takes). */
export type WorkloadOptions = Pick<EmbeddedClusterOptions, 'vault' | 'manager' | 'managerDefect' | 'managerSettings' | 'statusRateMs' | 'feed' | 'gates' | 'vaultOptions' | 'vaultVersion'>;

/**
 * The one way the Vault double and the manager are put on an embedded cluster
 * (`cluster up` through startEmbeddedCluster, and the harness's embedded
 * backend): the CA, the store dir, the Vault workload, the manager workload.
 */
export async function deployWorkloads(cluster: EmbeddedCluster, options: WorkloadOptions, log: (line: string) => void = () => {}): Promise<void> {
  const { stateDir: dir, state } = cluster;
  const vaultAvailable = fs.existsSync(path.join(REPO_ROOT, VAULT_MAIN));
  const managerAvailable = fs.existsSync(path.join(REPO_ROOT, MANAGER_MAIN));
  const wantVault = options.vault ?? vaultAvailable;
  const wantManager = options.manager ?? (wantVault && managerAvailable);
  if (wantVault && !vaultAvailable) throw new EnvironmentError(`cannot deploy Vault: ${VAULT_MAIN} does not exist`);
  if (wantManager && !managerAvailable) throw new EnvironmentError(`cannot deploy the manager: ${MANAGER_MAIN} does not exist`);
  if (wantVault) {
    const { createCa } = await import('./pki.js');
    const ca = await createCa(path.join(dir, 'pki'));
    cluster.caCertPath = ca.certPath;
    fs.mkdirSync(path.join(dir, 'vault', 'store'), { recursive: true });
    const feed = options.feed ?? true;
    if (feed) cluster.keyFeedPath = vaultFeedPath(dir);
    await cluster.agent.putWorkload(
      vaultServerWorkload({
        stateDir: dir,
        namespace: state.namespace,
        fullname: state.fullname,
        feed,
        harnessApi: options.gates ?? true,
        ...(options.vaultOptions ? { vaultOptions: options.vaultOptions } : {}),
        ...(options.vaultVersion !== undefined ? { vaultVersion: options.vaultVersion } : {}),
      }),
    );
    cluster.deployed.vault = true;
    log(`deployed Vault: ${state.fullname}-0..2 (${VAULT_MAIN})`);
  } else log(`Vault not deployed${vaultAvailable ? ' (switched off)' : ` (${VAULT_MAIN} is missing)`}`);
  if (wantManager) {
    await cluster.agent.putWorkload(
      managerWorkload({
        stateDir: dir,
        namespace: state.namespace,
        fullname: state.fullname,
        ipBase: state.ipBase,
        ...(options.managerDefect ? { defect: options.managerDefect } : {}),
        ...(options.statusRateMs ? { statusRateMs: options.statusRateMs } : {}),
        ...(options.managerSettings ? { settings: options.managerSettings } : {}),
      }),
    );
    cluster.deployed.manager = true;
    log(`deployed the manager: ${state.fullname}-manager-0 (${MANAGER_MAIN}${options.managerDefect ? `, defect ${options.managerDefect}` : ''})`);
  } else log(`manager not deployed${managerAvailable ? ' (switched off)' : ` (${MANAGER_MAIN} is missing)`}`);
}
