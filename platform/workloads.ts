/**
 * WorkloadSpec builders for what the embedded cluster deploys: the Vault
 * server double (three pods, the chart's labels) and the reference manager
 * (one pod on controller-0). Env follows the process contracts of
 * docs/architecture.md. The command runs the program's bundle when the
 * cluster built one in `<stateDir>/bundles/` (bundle.ts), else its
 * TypeScript source through tsx.
 */
import path from 'node:path';
import type { WorkloadSpec } from './agent/types.js';
import { proxyAddress } from './agent/ip-pool.js';
import { bundledProgram, PROGRAM_SOURCES, programArgs } from './bundle.js';
import { parseVaultVersion } from './vault/version.js';

/** Entry points of the pod programs, relative to the repo root (the pods' cwd). */
export const VAULT_MAIN = PROGRAM_SOURCES.vault;
export const MANAGER_MAIN = PROGRAM_SOURCES.manager;

export interface VaultWorkloadOptions {
  stateDir: string;
  namespace: string;
  fullname: string;
  replicas?: number;
  /** write the harness-only key feed to <stateDir>/vault/feed.jsonl */
  feed?: boolean;
  /** serve the harness-only milestone gates (VAULT_DOUBLE_HARNESS_API=1; platform/vault/gates.ts) */
  harnessApi?: boolean;
  /** named switches of the double (VAULT_DOUBLE_OPTIONS) */
  vaultOptions?: Record<string, unknown>;
  /** the version the double reports in health, seal-status and the `vault-version` label (VAULT_DOUBLE_VERSION; default VAULT_VERSION) */
  vaultVersion?: string;
  /** node per ordinal (default: ordinal i on node i of the cluster) */
  nodes?: string[];
}

export function vaultServerLabels(fullname: string): Record<string, string> {
  return { 'app.kubernetes.io/name': 'vault', 'app.kubernetes.io/instance': fullname, component: 'server' };
}

export function vaultFeedPath(stateDir: string): string {
  return path.join(path.resolve(stateDir), 'vault', 'feed.jsonl');
}

export function vaultServerWorkload(o: VaultWorkloadOptions): WorkloadSpec {
  const stateDir = path.resolve(o.stateDir);
  const env: Record<string, string> = {
    VAULT_K8S_POD_NAME: '{pod}',
    VAULT_K8S_NAMESPACE: o.namespace,
    VAULT_DOUBLE_FULLNAME: o.fullname,
    VAULT_DOUBLE_STORE: path.join(stateDir, 'vault', 'store'),
    VAULT_DOUBLE_CA_CERT: path.join(stateDir, 'pki', 'ca.crt'),
    VAULT_DOUBLE_CA_KEY: path.join(stateDir, 'pki', 'ca.key'),
  };
  if (o.feed) env.VAULT_DOUBLE_FEED = vaultFeedPath(stateDir);
  if (o.harnessApi) env.VAULT_DOUBLE_HARNESS_API = '1';
  if (o.vaultOptions && Object.keys(o.vaultOptions).length > 0) env.VAULT_DOUBLE_OPTIONS = JSON.stringify(o.vaultOptions);
  // Checked here too, so a bad version fails the deploy instead of crash-looping three pods.
  if (o.vaultVersion !== undefined) env.VAULT_DOUBLE_VERSION = parseVaultVersion(o.vaultVersion, 'vaultVersion');
  return {
    name: o.fullname,
    namespace: o.namespace,
    replicas: o.replicas ?? 3,
    labels: vaultServerLabels(o.fullname),
    command: ['node', ...programArgs('vault', bundledProgram(stateDir, 'vault'))],
    env,
    containerName: 'vault',
    terminationGracePeriodSeconds: 1,
    readiness: { tcpPort: 8200 },
    ...(o.nodes ? { nodes: o.nodes } : {}),
  };
}

export interface ManagerWorkloadOptions {
  stateDir: string;
  namespace: string;
  fullname: string;
  ipBase: string;
  /** a defect name (MANAGER_DEFECT); undefined = the correct manager */
  defect?: string;
  statusRateMs?: number;
  /** further MANAGER_* settings, verbatim */
  settings?: Record<string, string>;
  node?: string;
}

export function managerLabels(fullname: string): Record<string, string> {
  return { 'app.kubernetes.io/name': 'vault-manager', 'app.kubernetes.io/instance': fullname, component: 'manager' };
}

export function managerWorkload(o: ManagerWorkloadOptions): WorkloadSpec {
  const env: Record<string, string> = {
    MANAGER_NAMESPACE: o.namespace,
    MANAGER_VAULT_FULLNAME: o.fullname,
    MANAGER_CA_CERT: path.join(path.resolve(o.stateDir), 'pki', 'ca.crt'),
    REKEY_CHAOS_HOSTS: `${o.fullname}-active.${o.namespace}.svc.cluster.local=${proxyAddress(o.ipBase)}`,
    MANAGER_STATUS_RATE_MS: String(o.statusRateMs ?? 100),
    MANAGER_API_TIMEOUT_MS: '3000',
    ...o.settings,
  };
  if (o.defect) env.MANAGER_DEFECT = o.defect;
  return {
    name: `${o.fullname}-manager`,
    namespace: o.namespace,
    replicas: 1,
    labels: managerLabels(o.fullname),
    command: ['node', ...programArgs('manager', bundledProgram(o.stateDir, 'manager'))],
    env,
    containerName: 'manager',
    terminationGracePeriodSeconds: 1,
    nodes: [o.node ?? 'controller-0'],
  };
}
