/**
 * `rekey-chaos cluster up|down|status` (docs/cli.md). The embedded
 * backend is started here directly (platform/cluster.ts) so `up` can
 * stay in the foreground and tear everything down on SIGINT/SIGTERM/SIGHUP
 * (then exit 128+N); kind's part lives in harness/backends/kind/lifecycle.ts
 * (a cluster it created is deleted on a failed deploy, a stop signal, or
 * `cluster down --backend kind`).
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { deployForeignManager } from '../harness/backends/embedded-manager.js';
import { loadManagerSpec, MANAGER_SPEC_GRAMMAR, planManager, type ManagerPlan } from '../harness/manager-spec/index.js';
import { checkDefect } from './defect-check.js';
import { parseIpBase } from './lanes.js';
import { checkWritableDir } from './paths.js';
import { refuseFile } from '../platform/state-dir.js';
import { EnvironmentError, TimeoutError, UsageError } from '../common/errors.js';
import { onStopSignals, signalExitCode, type StopSignal } from '../common/stop-signals.js';
import { readClusterView, waitForVaultUnsealed, type ClusterView } from '../platform/agent/cluster-view.js';
import { DEFAULT_IP_BASE, readClusterState, resolveStateDir, startEmbeddedCluster, stopEmbeddedCluster, type EmbeddedCluster } from '../platform/cluster.js';

const VAULT_READY_TIMEOUT_MS = 60_000;
/** A chart's manager initializes Vault at a whole-second status rate, with its own unseal waits. */
const FOREIGN_READY_TIMEOUT_MS = 180_000;

interface UpOptions {
  backend: string;
  stateDir?: string;
  detach?: boolean;
  ipBase: string;
  vault: boolean;
  /** true: the reference manager; false: none (--no-manager); a string: a --manager spec */
  manager: boolean | string;
  defect?: string;
}

const say = (line: string) => process.stdout.write(`${line}\n`);

/**
 * Resolves on the first stop signal (SIGINT, SIGTERM, SIGHUP) and keeps the
 * process alive until then (signal listeners alone do not); later ones are
 * ignored while the cluster is torn down. cancel() lets go of everything.
 */
function waitForStopSignal(): { signal: Promise<StopSignal>; cancel: () => void } {
  let cancel = () => {};
  const signal = new Promise<StopSignal>((resolve) => {
    const keepAlive = setInterval(() => {}, 1 << 30);
    const stopListening = onStopSignals((sig) => {
      clearInterval(keepAlive);
      resolve(sig);
    });
    cancel = () => {
      clearInterval(keepAlive);
      stopListening();
    };
  });
  return { signal, cancel };
}

/** A chart's or script's manager for `up`, planned (rendered) before anything starts; undefined for ours or none. */
async function foreignPlan(options: UpOptions): Promise<ManagerPlan | undefined> {
  if (typeof options.manager !== 'string') return undefined;
  const spec = loadManagerSpec(options.manager);
  if (spec.kind === 'reference') return undefined;
  if (options.defect !== undefined) throw new UsageError(`--defect applies to the reference manager only (--manager ${options.manager})`);
  return planManager(spec, { namespace: 'vault', releaseName: 'sva-vault', vaultName: 'vault', vaultFullname: 'sva-vault', haReplicas: 3, statusCheckRateS: 1 });
}

async function waitForVault(cluster: EmbeddedCluster, timeoutMs = VAULT_READY_TIMEOUT_MS): Promise<void> {
  if (!cluster.deployed.vault) return;
  if (!cluster.deployed.manager) {
    say('Vault: 3 servers started, not initialized (no manager deployed to initialize and unseal them)');
    return;
  }
  say('waiting for the manager to initialize and unseal Vault…');
  try {
    const view = await waitForVaultUnsealed(cluster.kubeconfigPath, cluster.state.namespace, 3, timeoutMs);
    say(`Vault: ${view.servers.length} servers initialized and unsealed, active ${view.active.join(',')}; cluster-key stored`);
  } catch (err) {
    await cluster.stop();
    if (err instanceof TimeoutError)
      throw new EnvironmentError(`Vault did not become initialized and unsealed within ${timeoutMs} ms; see ${cluster.logDir}`, { stateDir: cluster.stateDir });
    throw err;
  }
}

async function upEmbedded(options: UpOptions): Promise<void> {
  const stateDir = resolveStateDir(options.stateDir);
  const plan = options.vault ? await foreignPlan(options) : undefined;
  // Stop on a signal that arrives while the cluster is still starting, too.
  const earlySignal = waitForStopSignal();
  let cluster: EmbeddedCluster;
  try {
    cluster = await startEmbeddedCluster({
      stateDir,
      ipBase: options.ipBase,
      log: say,
      // Only a detached cluster outlives this process; a foreground one dies with it, however it dies.
      ...(options.detach ? { detached: true } : {}),
      ...(options.vault ? {} : { vault: false }),
      ...(options.manager && !plan ? {} : { manager: false }),
      ...(options.defect ? { managerDefect: options.defect } : {}),
      ...(plan?.vaultVersion !== undefined ? { vaultVersion: plan.vaultVersion } : {}),
    });
    if (plan) {
      const deployed = await deployForeignManager(cluster.kubeconfigPath, cluster.agent, plan, await readFile(cluster.caCertPath!, 'utf8'));
      cluster.deployed.manager = true;
      say(`deployed the manager: ${deployed.workload}-0 (${plan.spec}; its program, not its image)${deployed.skipped.length ? `; not served here: ${deployed.skipped.join(', ')}` : ''}`);
    }
  } catch (err) {
    earlySignal.cancel();
    await stopEmbeddedCluster(stateDir).catch(() => undefined);
    throw err instanceof EnvironmentError || err instanceof UsageError ? err : new EnvironmentError(`the embedded cluster could not start: ${(err as Error).message}`, { stateDir }, { cause: err });
  }
  say(`kubeconfig: ${cluster.kubeconfigPath}`);
  const started = await Promise.race([waitForVault(cluster, plan ? FOREIGN_READY_TIMEOUT_MS : VAULT_READY_TIMEOUT_MS).then(() => 'ready' as const), earlySignal.signal]);
  if (started !== 'ready') return stopAndReport(stateDir, started);
  if (options.detach) {
    earlySignal.cancel();
    say(`embedded cluster running in ${stateDir} (stop it with: rekey-chaos cluster down --state-dir ${stateDir})`);
    return;
  }
  say('running in the foreground; Ctrl-C (SIGINT), SIGTERM or SIGHUP stops the cluster');
  await stopAndReport(stateDir, await earlySignal.signal);
}

/** Tears the cluster down after a stop signal; the command then exits 128+N, as if the signal had ended it. */
async function stopAndReport(stateDir: string, why: StopSignal): Promise<void> {
  say(`stopping the embedded cluster (${why})…`);
  const report = await stopEmbeddedCluster(stateDir);
  say(`stopped${report.daemonKilled ? ' (daemon had to be killed)' : ''}${report.killedGroups.length ? `; killed ${report.killedGroups.length} leftover pod process group(s)` : ''}; no process left`);
  process.exitCode = signalExitCode(why);
}

async function upKind(options: UpOptions): Promise<void> {
  const { kindClusterUp } = await import('../harness/backends/kind/lifecycle.js');
  // Listening from the start: a signal during the deploy ends it, and the cluster is deleted.
  const stop = waitForStopSignal();
  try {
    await kindClusterUp({
      ...(options.stateDir !== undefined ? { backendOptions: { stateDir: options.stateDir } } : {}),
      vault: options.vault,
      ...(typeof options.manager === 'string' ? { manager: options.manager } : {}),
      ...(options.defect !== undefined ? { defect: options.defect } : {}),
      ...(options.detach ? { detach: true } : {}),
      say,
      stopRequested: async () => {
        const sig = await stop.signal;
        process.exitCode = signalExitCode(sig);
      },
    });
  } finally {
    stop.cancel();
  }
}

function formatStatus(stateDir: string, view: ClusterView): string {
  const rows = [['POD', 'NODE', 'IP', 'PHASE', 'READY', 'RESTARTS', 'VAULT-ACTIVE', 'VAULT-SEALED']];
  for (const p of view.pods)
    rows.push([p.name + (p.terminating ? ' (terminating)' : ''), p.node, p.ip, p.phase, String(p.ready), String(p.restarts), p.active ?? '-', p.sealed ?? '-']);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const table = rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd());
  const sets = Object.entries(view.sets)
    .map(([prefix, idx]) => `${prefix} ${idx.length}/5${idx.length > 0 && idx.length < 5 ? ` [${idx.join(',')}]` : ''}`)
    .join(', ');
  return [
    `embedded cluster in ${stateDir}`,
    ...table,
    `active server: ${view.active.length ? view.active.join(', ') : 'none'}`,
    `rekey milestones present: ${view.milestones.length ? view.milestones.join(', ') : 'none'}`,
    `shard sets: ${sets}; root token secret ${view.rootToken ? 'present' : 'absent'}`,
  ].join('\n');
}

export function registerClusterCommands(program: Command): void {
  const cluster = program.command('cluster').description('bring a cluster with Vault and the manager up, down, or show it');

  cluster
    .command('up')
    .description('start a cluster (embedded by default) with 3 Vault servers and the manager; prints the kubeconfig path')
    .option('--backend <name>', 'embedded or kind', 'embedded')
    .option('--state-dir <dir>', 'state dir of the embedded cluster (default .rekey-chaos/embedded)')
    .option('--detach', 'return once the cluster is ready and leave it running')
    .option('--ip-base <a.b.c>', 'loopback /24 for pod addresses', parseIpBase, DEFAULT_IP_BASE)
    .option('--no-vault', 'do not deploy the Vault double')
    .option('--manager <spec>', `the manager (embedded): ${MANAGER_SPEC_GRAMMAR}; a chart's program runs, not its image`)
    .option('--no-manager', 'do not deploy the manager')
    .option('--defect <name>', 'deploy a deliberately broken manager variant')
    .action(async (options: UpOptions) => {
      if (options.defect !== undefined) await checkDefect(options.defect);
      if (options.backend === 'embedded') {
        // A file is refused with the state dir's own advice; then a place no folder of ours can be made.
        refuseFile(resolveStateDir(options.stateDir));
        checkWritableDir('--state-dir', resolveStateDir(options.stateDir));
      }
      if (options.backend === 'embedded') return upEmbedded(options);
      if (options.backend === 'kind') return upKind(options);
      throw new UsageError(`unknown backend '${options.backend}' for cluster up (embedded, kind)`, { backend: options.backend });
    });

  cluster
    .command('down')
    .description('stop the embedded cluster and every process it started, or delete the kind cluster rekey-chaos created (exit 0 even when none runs)')
    .option('--backend <name>', 'embedded or kind', 'embedded')
    .option('--state-dir <dir>', 'state dir of the cluster (default .rekey-chaos/embedded, kind: .rekey-chaos/kind)')
    .action(async (options: { stateDir?: string; backend: string }) => {
      if (options.backend === 'kind') {
        const { kindClusterDown } = await import('../harness/backends/kind/lifecycle.js');
        return kindClusterDown({ ...(options.stateDir !== undefined ? { stateDir: options.stateDir } : {}), say });
      }
      if (options.backend !== 'embedded') throw new UsageError(`unknown backend '${options.backend}' for cluster down (embedded, kind)`, { backend: options.backend });
      const stateDir = resolveStateDir(options.stateDir);
      const report = await stopEmbeddedCluster(stateDir);
      if (!report.daemonStopped && report.killedGroups.length === 0) say(`no embedded cluster running in ${stateDir}`);
      else say(`stopped the embedded cluster in ${stateDir}${report.killedGroups.length ? `; killed ${report.killedGroups.length} leftover pod process group(s)` : ''}; no process left`);
    });

  cluster
    .command('status')
    .description('pods (node, IP, phase, restarts, seal state), the active server, rekey milestones present')
    .option('--state-dir <dir>', 'state dir of the embedded cluster')
    .option('--json', 'machine-readable output')
    .action(async (options: { stateDir?: string; json?: boolean }) => {
      const stateDir = resolveStateDir(options.stateDir);
      const state = readClusterState(stateDir);
      if (!state) throw new EnvironmentError(`no embedded cluster running in ${stateDir} (start one with: rekey-chaos cluster up)`, { stateDir });
      let view: ClusterView;
      try {
        view = await readClusterView(state.kubeconfig, state.namespace);
      } catch (err) {
        throw new EnvironmentError(`the embedded cluster's API is unreachable at ${state.apiUrl}: ${(err as Error).message}`, { stateDir }, { cause: err });
      }
      say(options.json ? JSON.stringify({ stateDir, apiUrl: state.apiUrl, kubeconfig: state.kubeconfig, ...view }, null, 2) : formatStatus(stateDir, view));
    });
}
