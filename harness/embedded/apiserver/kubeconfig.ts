/**
 * Writes the kubeconfig of an embedded cluster: one cluster, one token user,
 * one context (with the default namespace), readable only by the owner
 * because it holds the bearer token.
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { stringify } from 'yaml';

export interface KubeconfigOptions {
  server: string;
  token: string;
  namespace: string;
  clusterName?: string;
}

export function kubeconfigYaml(options: KubeconfigOptions): string {
  const cluster = options.clusterName ?? 'rekey-chaos-embedded';
  const user = `${cluster}-admin`;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    // client-node 1.4 refuses an http:// server unless TLS verification is marked off; for
    // plain HTTP there is no TLS to verify, and kubectl ignores the flag for http.
    clusters: [{ name: cluster, cluster: { server: options.server, ...(options.server.startsWith('http:') ? { 'insecure-skip-tls-verify': true } : {}) } }],
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
