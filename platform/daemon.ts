/**
 * The control-plane daemon of the embedded cluster: one process hosting the
 * API server, the node agent and the active-service proxy.
 *
 *   node --import tsx platform/daemon.ts --state-dir DIR [--repo-root DIR] [--owner-fd 3 --owner-pid PID]
 *   node --enable-source-maps <stateDir>/bundles/daemon.mjs --state-dir DIR --repo-root DIR [--owner-fd 3 --owner-pid PID]
 *
 * Reads `<stateDir>/config.json`, writes `daemon.pid`, `kubeconfig` (the
 * harness's credential), `pod-kubeconfig` (the pods' credential, their
 * KUBECONFIG) and, once everything serves, `state.json` with ready:true. On SIGTERM/SIGINT,
 * or when its owner's link closes (owner-link.ts: the owner died), it stops every pod (SIGTERM, grace, SIGKILL), closes its servers, removes
 * state.json and daemon.pid, and exits 0.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../common/repo-root.js';
import { nowMs } from '../common/clock.js';
import { startApiServer, type ApiServer } from './apiserver/server.js';
import { ObjectStore } from './apiserver/store.js';
import { CommitFeed, commitFeedPath } from './apiserver/commit-feed.js';
import { podKubeconfigPath, POD_KUBECONFIG_CLUSTER, writeKubeconfig } from './apiserver/kubeconfig.js';
import { NodeAgent } from './agent/agent.js';
import { AGENT_API_PREFIX, handleAgentApi } from './agent/agent-api.js';
import { clusterDnsAddress, proxyAddress } from './agent/ip-pool.js';
import { agentLogProvider } from './agent/pod-logs.js';
import { ServiceProxy, VAULT_SERVER_SELECTOR } from './agent/service-proxy.js';
import { attachAgentToStore, podStoreOf } from './agent/store-adapter.js';
import { readConfig, stateFile, writeAtomically, type ClusterState } from './agent/state-files.js';
import { chooseSandbox } from './agent/sandbox/detect.js';
import { verifyInClusterEndpoint } from './agent/in-cluster.js';
import type { InClusterApi } from './agent/types.js';
import { ClusterDns } from './dns/cluster-dns.js';
import type { DnsService } from './dns/hosts-file.js';
import { ownerFromArgs, watchOwner } from './owner-link.js';

/** The pods' default cwd. Given by the cluster: a bundled daemon does not live in the repo. */
function repoRootFromArgs(argv: string[]): string {
  const i = argv.indexOf('--repo-root');
  return i >= 0 && argv[i + 1] ? path.resolve(argv[i + 1]!) : REPO_ROOT;
}

function log(line: string): void {
  process.stdout.write(`${new Date().toISOString()} ${line}\n`);
}

function stateDirFromArgs(argv: string[]): string {
  const i = argv.indexOf('--state-dir');
  const dir = i >= 0 ? argv[i + 1] : process.env.REKEY_CHAOS_STATE_DIR;
  if (!dir) {
    process.stderr.write('usage: daemon.ts --state-dir DIR\n');
    process.exit(2);
  }
  return path.resolve(dir);
}

async function main(): Promise<void> {
  const stateDir = stateDirFromArgs(process.argv.slice(2));
  const repoRoot = repoRootFromArgs(process.argv.slice(2));
  const config = readConfig(stateDir);
  if (!config) throw new Error(`no readable config.json in ${stateDir}`);
  writeAtomically(stateFile(stateDir, 'daemon.pid'), `${process.pid}\n`, 0o644);

  const token = randomBytes(24).toString('hex');
  // A second credential for the cluster's own programs, so the API server can tell their writes
  // from the harness's (write gates hold only theirs).
  const podToken = randomBytes(24).toString('hex');
  const kubeconfig = stateFile(stateDir, 'kubeconfig');
  const podKubeconfig = podKubeconfigPath(stateDir);
  // Secrets' commit instants for the harness's custody check (harness-only; clients never see them).
  const commits = new CommitFeed(commitFeedPath(stateDir), { onError: (err) => log(`daemon: commit feed not written: ${(err as Error).message}`) });
  // The cluster's namespace exists from the start (with default and kube-system): the API refuses writes into a missing one.
  const store = new ObjectStore({ namespaces: [config.namespace], onCommit: commits.write });
  const pods = podStoreOf(store);
  const sandbox = config.sandbox ?? chooseSandbox();
  // The Services sandboxed pods resolve (platform/dns/): the active-service proxy, the servers'
  // headless service (and `<pod>.<fullname>-internal`), and the API server as `kubernetes.default`.
  const services: DnsService[] = [
    { name: `${config.fullname}-active`, namespace: config.namespace, clusterIP: proxyAddress(config.ipBase) },
    { name: `${config.fullname}-internal`, namespace: config.namespace, selector: { ...VAULT_SERVER_SELECTOR, 'app.kubernetes.io/instance': config.fullname } },
  ];
  const dns = new ClusterDns({
    stateDir,
    services,
    nameservers: [clusterDnsAddress(config.ipBase)],
    listPods: () =>
      store
        .list('pods', undefined)
        .items.filter((p) => typeof (p.status as { podIP?: unknown } | undefined)?.podIP === 'string')
        .map((p) => ({ name: p.metadata.name, namespace: p.metadata.namespace, ip: (p.status as { podIP: string }).podIP, labels: p.metadata.labels ?? {} })),
    log,
  });
  store.watch('pods', undefined, {}, () => dns.schedule());
  const agent = new NodeAgent({ stateDir, ipBase: config.ipBase, nodes: config.nodes, store: pods, kubeconfigPath: podKubeconfig, backoff: config.backoff, defaultCwd: repoRoot, log, sandbox, dns });
  attachAgentToStore(store, agent);
  let api: ApiServer | undefined;
  let proxy: ServiceProxy | undefined;

  let stopping: Promise<void> | undefined;
  const stop = (why: string) =>
    (stopping ??= (async () => {
      log(`daemon: stopping (${why})`);
      fs.rmSync(stateFile(stateDir, 'state.json'), { force: true });
      await agent.shutdown();
      await proxy?.close();
      await api?.close();
      dns.close();
      commits.close();
      fs.rmSync(stateFile(stateDir, 'daemon.pid'), { force: true });
      log('daemon: stopped, no pod left');
    })());
  const stopAndExit = (why: string) =>
    void stop(why).then(
      () => process.exit(0),
      (err) => {
        log(`daemon: error while stopping: ${(err as Error).message}`);
        process.exit(1);
      },
    );
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => stopAndExit(sig));
  const owner = ownerFromArgs(process.argv.slice(2));
  if (owner) {
    log(`daemon: owned by pid ${owner.pid ?? '?'}; everything stops when it exits`);
    watchOwner(owner, stopAndExit);
  } else log('daemon: no owner (detached); runs until stopped');

  api = await startApiServer({ store, token, podToken, logProvider: agentLogProvider(agent) });
  api.registerExtension(AGENT_API_PREFIX, (req, res, rest) => handleAgentApi(agent, req, res, rest.split('/').filter((s) => s !== '').map(decodeURIComponent)));
  proxy = new ServiceProxy({
    host: proxyAddress(config.ipBase),
    store: pods,
    namespace: config.namespace,
    serverSelector: { ...VAULT_SERVER_SELECTOR, 'app.kubernetes.io/instance': config.fullname },
    log,
  });
  await proxy.start();
  const inCluster: InClusterApi = { host: api.host, port: api.port, token: podToken, caPem: api.caPem };
  await verifyInClusterEndpoint(inCluster);
  agent.setInClusterApi(inCluster);
  services.push({ name: 'kubernetes', namespace: 'default', clusterIP: api.host });
  log(`daemon: sandboxed pods run in ${sandbox.kind} (${sandbox.tool}); in-cluster API ${api.host}:${api.port}`);
  await writeKubeconfig(kubeconfig, { server: api.url, token, namespace: config.namespace, caPem: api.caPem });
  await writeKubeconfig(podKubeconfig, { server: api.url, token: podToken, namespace: config.namespace, caPem: api.caPem, clusterName: POD_KUBECONFIG_CLUSTER });
  for (const workload of config.workloads ?? []) await agent.putWorkload(workload);

  const state: ClusterState = {
    pid: process.pid,
    apiUrl: api.url,
    apiCaPem: api.caPem,
    token,
    ipBase: config.ipBase,
    proxyAddress: proxy.address,
    kubeconfig,
    namespace: config.namespace,
    fullname: config.fullname,
    nodes: config.nodes,
    startedAt: nowMs(),
    ready: true,
  };
  if (stopping) return;
  writeAtomically(stateFile(stateDir, 'state.json'), JSON.stringify(state, null, 2));
  log(`daemon: ready, API ${api.url}, active-service proxy ${proxy.address}, nodes ${config.nodes.join(',')}`);
}

main().catch((err: unknown) => {
  log(`daemon: failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(3);
});
