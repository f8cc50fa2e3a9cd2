/**
 * Helm values for the HashiCorp vault chart as the StarlingX manager expects
 * it: 3-server HA with integrated raft, Shamir seal, TLS on (the manager only
 * speaks HTTPS with a CA), Kubernetes service registration (the vault-active
 * / vault-sealed labels), Vault pinned to the version the manager expects.
 */
import { stringify } from 'yaml';

export const TLS_SECRET = 'tls';

/**
 * The labels HashiCorp's vault chart (0.28.x) puts on its server pods, plus
 * those Vault's Kubernetes service registration keeps up to date: what the
 * harness's server selector and fault targets may rely on.
 */
export function vaultServerPodLabels(release: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'vault',
    'app.kubernetes.io/instance': release,
    component: 'server',
    // service registration: values change with the server's state
    'vault-active': 'true|false',
    'vault-sealed': 'true|false',
    'vault-initialized': 'true|false',
  };
}
export const TLS_MOUNT = '/vault/userconfig/tls';

export interface VaultValuesOptions {
  fullname: string;
  vaultImage: string; // repository:tag
  replicas?: number;
}

function splitImage(image: string): { repository: string; tag: string } {
  const at = image.lastIndexOf(':');
  if (at <= 0 || image.slice(at).includes('/')) return { repository: image, tag: 'latest' };
  return { repository: image.slice(0, at), tag: image.slice(at + 1) };
}

export function vaultHelmValues(options: VaultValuesOptions): string {
  const secretName = `${options.fullname}-${TLS_SECRET}`;
  const raftConfig = [
    'ui = false',
    'listener "tcp" {',
    '  address = "[::]:8200"',
    '  cluster_address = "[::]:8201"',
    `  tls_cert_file = "${TLS_MOUNT}/tls.crt"`,
    `  tls_key_file = "${TLS_MOUNT}/tls.key"`,
    '}',
    'storage "raft" {',
    '  path = "/vault/data"',
    '}',
    'service_registration "kubernetes" {}',
    '',
  ].join('\n');
  const values = {
    fullnameOverride: options.fullname,
    global: { tlsDisable: false },
    injector: { enabled: false },
    server: {
      image: splitImage(options.vaultImage),
      extraEnvironmentVars: { VAULT_CACERT: `${TLS_MOUNT}/ca.crt` },
      volumes: [{ name: 'tls', secret: { secretName } }],
      volumeMounts: [{ name: 'tls', mountPath: TLS_MOUNT, readOnly: true }],
      ha: { enabled: true, replicas: options.replicas ?? 3, raft: { enabled: true, setNodeId: true, config: raftConfig } },
    },
  };
  return stringify(values);
}
