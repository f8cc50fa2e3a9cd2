/**
 * The Secrets the kind backend makes itself: the Vault servers' TLS
 * certificate (with the names the manager and the harness reach them by),
 * and the CA for every Secret a manager pod mounts but no manifest creates
 * (`sva-vault-ca` for ours, `vault-ca` for StarlingX's chart).
 */
import * as k8s from '@kubernetes/client-node';
import { issueServerCertificate } from '../../../platform/pki.js';
import { TLS_SECRET } from './vault-values.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

export async function tlsSecret(namespace: string, fullname: string, ca: { certPem: string; keyPem: string }): Promise<k8s.V1Secret> {
  const dns = [
    `*.${namespace}.pod.cluster.local`,
    `${fullname}-active`, `${fullname}-active.${namespace}.svc`, `${fullname}-active.${namespace}.svc.cluster.local`,
    `*.${fullname}-internal`, `*.${fullname}-internal.${namespace}.svc`, `*.${fullname}-internal.${namespace}.svc.cluster.local`,
    fullname, `${fullname}.${namespace}.svc`, 'localhost',
  ];
  const leaf = await issueServerCertificate({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, commonName: fullname, dnsNames: dns, ipAddresses: ['127.0.0.1'] });
  return {
    metadata: { name: `${fullname}-${TLS_SECRET}`, namespace },
    type: 'Opaque',
    data: { 'tls.crt': b64(leaf.certPem), 'tls.key': b64(leaf.keyPem), 'ca.crt': b64(ca.certPem) },
  };
}

/** A Secret holding the CA certificate under each key a mount reads. */
export function caSecret(namespace: string, name: string, keys: readonly string[], caCertPem: string): k8s.V1Secret {
  return { metadata: { name, namespace }, type: 'Opaque', data: Object.fromEntries(keys.map((k) => [k, b64(caCertPem)])) };
}

/** Replaces the Secret (never updated in place: a mounted Secret is re-read whole). */
export async function putSecret(core: k8s.CoreV1Api, namespace: string, body: k8s.V1Secret): Promise<void> {
  await core.deleteNamespacedSecret({ name: body.metadata!.name!, namespace }).catch(() => undefined);
  await core.createNamespacedSecret({ namespace, body });
}
