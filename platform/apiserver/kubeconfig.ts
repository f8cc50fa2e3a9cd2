/**
 * Writes the kubeconfig of an embedded cluster: one cluster, one token user,
 * one context (with the default namespace), readable only by the owner
 * because it holds the bearer token.
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';

export interface KubeconfigOptions {
  server: string;
  token: string;
  namespace: string;
  clusterName?: string;
  /** PEM of the CA of an https server; without it an https server is marked insecure-skip-tls-verify. */
  caPem?: string;
}

function clusterEntry(options: KubeconfigOptions): Record<string, unknown> {
  const entry: Record<string, unknown> = { server: options.server };
  if (options.caPem) entry['certificate-authority-data'] = Buffer.from(options.caPem, 'utf8').toString('base64');
  // client-node 1.4 refuses an http:// server unless TLS verification is marked off (kubectl, for its
  // part, sends no token over http at all); an https server without a known CA can only be used unverified.
  else entry['insecure-skip-tls-verify'] = true;
  return entry;
}

export function kubeconfigYaml(options: KubeconfigOptions): string {
  const cluster = options.clusterName ?? 'rekey-chaos-embedded';
  const user = `${cluster}-admin`;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: [{ name: cluster, cluster: clusterEntry(options) }],
    users: [{ name: user, user: { token: options.token } }],
    contexts: [{ name: cluster, context: { cluster, user, namespace: options.namespace } }],
    'current-context': cluster,
  });
}

export async function writeKubeconfig(path: string, options: KubeconfigOptions): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, kubeconfigYaml(options), { mode: 0o600 });
  // writeFile's mode only applies to a new file; an existing one may have been wider.
  await chmod(path, 0o600);
}

/** Where an embedded cluster keeps the pods' kubeconfig (their KUBECONFIG; the harness uses `kubeconfig`). */
export function podKubeconfigPath(stateDir: string): string {
  return join(stateDir, 'pod-kubeconfig');
}

/** Cluster entry name of the pods' kubeconfig (same server, its own token user). */
export const POD_KUBECONFIG_CLUSTER = 'rekey-chaos-embedded-pods';
