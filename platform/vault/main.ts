/**
 * Entry point of one Vault double server (one pod process). Reads the
 * "Vault double process contract" env of docs/architecture.md, issues its
 * own TLS certificate from the cluster CA, and serves the API on
 * POD_IP:VAULT_DOUBLE_PORT. Starts sealed, whatever the store holds.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { exitWhenParentDies } from '../../common/parent-watch.js';
import { EnvironmentError, exitCodeOf } from '../../common/errors.js';
import { issueServerCertificate } from '../pki.js';
import { VaultCore } from './core.js';
import { Feed } from './feed.js';
import { VaultGates } from './gates.js';
import { makeForwardHook } from './forward.js';
import { Ha } from './ha.js';
import { composeGuards, makeListener } from './http.js';
import { info, log } from './log.js';
import { parseOptions } from './options.js';
import { Registration } from './registration.js';
import { buildRoutes } from './routes.js';
import { SharedStore } from './store.js';
import { VaultTrouble } from './trouble.js';
import { parseVaultVersion } from './version.js';

const FULL_NAME = process.env.VAULT_DOUBLE_FULLNAME ?? 'sva-vault';

function required(name: string): string {
  const v = process.env[name];
  if (!v) throw new EnvironmentError(`environment variable ${name} is required by the Vault double`, { name });
  return v;
}

/** SANs of docs/architecture.md: pod IP and its pod DNS name, the pod and service names, localhost. */
function certificateNames(pod: string, ip: string, namespace: string): { dnsNames: string[]; ipAddresses: string[] } {
  const dashed = ip.replace(/[.:]/g, '-');
  const dnsNames = [
    `${dashed}.${namespace}.pod.cluster.local`,
    pod,
    `${pod}.${FULL_NAME}-internal`,
    `${FULL_NAME}-active`,
    `${FULL_NAME}-active.${namespace}.svc`,
    `${FULL_NAME}-active.${namespace}.svc.cluster.local`,
    'localhost',
  ];
  return { dnsNames, ipAddresses: [...new Set([ip, '127.0.0.1'])] };
}

async function main(): Promise<void> {
  const pod = process.env.VAULT_K8S_POD_NAME ?? required('POD_NAME');
  const namespace = process.env.VAULT_K8S_NAMESPACE ?? process.env.POD_NAMESPACE ?? 'vault';
  const ip = required('POD_IP');
  const port = Number(process.env.VAULT_DOUBLE_PORT ?? 8200);
  const options = parseOptions(process.env.VAULT_DOUBLE_OPTIONS);
  const version = parseVaultVersion(process.env.VAULT_DOUBLE_VERSION);
  const caCertPem = readFileSync(required('VAULT_DOUBLE_CA_CERT'), 'utf8');
  const caKeyPem = readFileSync(required('VAULT_DOUBLE_CA_KEY'), 'utf8');
  const store = new SharedStore(required('VAULT_DOUBLE_STORE'));
  const leaf = await issueServerCertificate({ caCertPem, caKeyPem, commonName: pod, ...certificateNames(pod, ip, namespace) });

  const address = `https://${ip.includes(':') ? `[${ip}]` : ip}:${port}`;
  const registration = new Registration(process.env.KUBECONFIG, namespace, pod, options.labelRetryMs);
  const feed = new Feed(process.env.VAULT_DOUBLE_FEED, pod);
  // Harness-only extensions (milestone gates, transient trouble): only when the embedded cluster asks for them (never in anything playing real Vault).
  const harnessApi = process.env.VAULT_DOUBLE_HARNESS_API === '1';
  const gates = harnessApi ? new VaultGates() : undefined;
  const trouble = harnessApi ? new VaultTrouble() : undefined;
  if (gates) feed.subscribe((e) => gates.onFeedEvent(e));
  const core = new VaultCore({ pod, address, store, options, feed, registration, version });
  const ha = new Ha(core);
  const server = createServer(
    { cert: leaf.certPem, key: leaf.keyPem, ca: caCertPem },
    // Trouble first: a request it fails or resets never reaches a gate.
    makeListener(buildRoutes(core, ha), makeForwardHook(core, caCertPem), gates && trouble ? composeGuards([trouble, gates]) : undefined),
  );

  // A restarted process is sealed: record it, so rotations do not count it as caught up.
  await store.withLock(() => {
    const member = store.member(pod);
    if (member) store.writeMember(pod, { ...member, unsealed: false, pid: process.pid, address });
  });
  registration.set({ 'vault-version': version, 'vault-sealed': true, 'vault-initialized': false, 'vault-active': false, 'vault-perf-standby': false });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, ip, () => resolve());
  });
  ha.start();
  // Observers learn of a restart here: the process serves its API, sealed, and waits for its unseal.
  feed.emit({ event: 'started' });
  core.emitNodeKeyIfChanged();
  info(`listening on ${address} (pod ${pod}, version ${version}, options ${JSON.stringify(options)}${harnessApi ? ', harness API on (gates, trouble)' : ''})`);

  const shutdown = (why: string) => {
    info(`shutting down (${why})`);
    ha.stop();
    core.stop();
    gates?.dispose();
    trouble?.dispose();
    server.close();
    server.closeAllConnections();
    process.exit(0);
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  exitWhenParentDies(() => shutdown('parent gone'));
}

main().catch((err: Error) => {
  log('ERROR', `vault double failed to start: ${err.message}`);
  process.exit(exitCodeOf(err));
});
