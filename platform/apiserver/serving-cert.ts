/**
 * The API server's TLS identity. kubectl (client-go) sends a bearer token only
 * over TLS, never to an `http://` server, so token auth forces HTTPS. A caller
 * with a cluster CA passes its own material; otherwise an ephemeral CA and
 * leaf are made for this process and the CA is handed out for kubeconfigs.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCa, issueServerCertificate } from '../pki.js';

export interface ServingCert {
  certPem: string;
  keyPem: string;
  /** The CA that signed `certPem`, for `certificate-authority-data`. */
  caPem: string;
}

/** A serverAuth certificate for `host`, 127.0.0.1 and localhost, from a throwaway CA (its key never outlives this call). */
export async function ephemeralServingCert(host: string): Promise<ServingCert> {
  const dir = await mkdtemp(join(tmpdir(), 'rekey-chaos-apiserver-ca-'));
  try {
    const ca = await createCa(dir);
    const ips = [...new Set(['127.0.0.1', ...(/^\d+\.\d+\.\d+\.\d+$/.test(host) ? [host] : [])])];
    const dns = [...new Set(['localhost', ...(/^\d+\.\d+\.\d+\.\d+$/.test(host) ? [] : [host])])];
    const leaf = await issueServerCertificate({ caCertPem: ca.certPem, caKeyPem: ca.keyPem, commonName: 'rekey-chaos-apiserver', dnsNames: dns, ipAddresses: ips });
    return { certPem: leaf.certPem, keyPem: leaf.keyPem, caPem: ca.certPem };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
