/**
 * The vault-manager process: reads its configuration from the environment
 * (docs/architecture.md, "Manager process contract"), wires the real ports
 * (Kubernetes API, Vault over HTTPS) and runs the loop. SIGTERM stops it
 * cleanly between steps (exit 0); an unknown MANAGER_DEFECT or a bad setting
 * exits 2 with a message naming what is wrong.
 */
import { readFileSync } from 'node:fs';
import { exitCodeOf } from '../common/errors.js';
import { exitWhenParentDies } from '../common/parent-watch.js';
import { loadConfig } from './config.js';
import { freshMemory, type ManagerContext } from './context.js';
import { behaviourFor } from './defects/registry.js';
import { coreApi } from './kube/client.js';
import { KubePods } from './kube/pods.js';
import { KubeSecretStore } from './kube/secret-store.js';
import { createLogger, describeError } from './log.js';
import { runLoop } from './loop.js';
import { HttpsVaultApi } from './vault/https-api.js';

async function main(): Promise<number> {
  const config = loadConfig(process.env);
  const behaviour = behaviourFor(config.defect);
  const log = createLogger(config.logLevel, (line) => process.stdout.write(`${line}\n`));
  const core = coreApi(config.kubeconfig);
  const ctx: ManagerContext = {
    config,
    store: new KubeSecretStore(core, config.namespace),
    pods: new KubePods(core, config.namespace, config.fullName),
    vault: new HttpsVaultApi({
      namespace: config.namespace,
      fullName: config.fullName,
      ca: config.caCertPath ? readFileSync(config.caCertPath, 'utf8') : undefined,
      hosts: config.hosts,
      timeoutMs: config.apiTimeoutMs,
    }),
    log,
    behaviour,
    memory: freshMemory(),
  };
  const stop = new AbortController();
  const onSignal = (signal: string) => {
    log.info(`${signal} received; finishing the current step`);
    stop.abort();
  };
  process.once('SIGTERM', () => onSignal('SIGTERM'));
  process.once('SIGINT', () => onSignal('SIGINT'));
  exitWhenParentDies(() => process.exit(0));
  await runLoop(ctx, stop.signal);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`${new Date().toISOString()} ERROR vault-manager cannot start: ${describeError(err)}\n`);
    process.exit(exitCodeOf(err) === 3 ? 1 : exitCodeOf(err));
  },
);
