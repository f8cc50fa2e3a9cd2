/**
 * In-cluster credentials for sandboxed pods, as kubelet gives them: env
 * KUBERNETES_SERVICE_HOST / KUBERNETES_SERVICE_PORT and the service-account
 * folder `/var/run/secrets/kubernetes.io/serviceaccount/{token,ca.crt,namespace}`
 * (the pods' own token, the API server's CA), so client-go's in-cluster
 * config (kubectl without a kubeconfig) reaches the API server. The host side
 * is `<stateDir>/serviceaccount/<namespace>/`, bound read-only.
 */
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { EnvironmentError } from '../../common/errors.js';
import { writeAtomically } from './state-files.js';
import type { InClusterApi } from './types.js';

export const SERVICE_ACCOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';

export function serviceAccountFolder(stateDir: string, namespace: string): string {
  return path.join(stateDir, 'serviceaccount', namespace);
}

/** Writes (or rewrites) the namespace's service-account files; returns the folder. */
export function writeServiceAccount(stateDir: string, namespace: string, api: InClusterApi): string {
  const dir = serviceAccountFolder(stateDir, namespace);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeAtomically(path.join(dir, 'token'), api.token, 0o600);
  writeAtomically(path.join(dir, 'ca.crt'), api.caPem, 0o644);
  writeAtomically(path.join(dir, 'namespace'), namespace, 0o644);
  return dir;
}

export function inClusterEnv(api: InClusterApi): Record<string, string> {
  return {
    KUBERNETES_SERVICE_HOST: api.host,
    KUBERNETES_SERVICE_PORT: String(api.port),
    KUBERNETES_SERVICE_PORT_HTTPS: String(api.port),
  };
}

/** True when the certificate's subjectAltNames cover `host` (an IP address or a DNS name). */
export function certificateCovers(certPem: string, host: string): boolean {
  const cert = new X509Certificate(certPem);
  return net.isIP(host) ? cert.checkIP(host) !== undefined : cert.checkHost(host) !== undefined;
}

/**
 * In-cluster clients verify the API server's certificate against the address
 * in KUBERNETES_SERVICE_HOST: connect there as they would (the CA of ca.crt)
 * and refuse a setup where the served certificate does not cover it.
 */
export function verifyInClusterEndpoint(api: InClusterApi, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (why: string) =>
      reject(new EnvironmentError(`pods could not use the API server in-cluster at ${api.host}:${api.port}: ${why}`, { host: api.host, port: api.port }));
    const socket = tls.connect({ host: api.host, port: api.port, ca: api.caPem, rejectUnauthorized: false, ...(net.isIP(api.host) ? {} : { servername: api.host }) });
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      fail('no TLS answer');
    });
    socket.once('error', (err) => fail(err.message));
    socket.once('secureConnect', () => {
      const cert = socket.getPeerX509Certificate();
      const authorized = socket.authorized;
      socket.end();
      if (!authorized) return fail(`the certificate is not signed by the CA given to pods (${String(socket.authorizationError)})`);
      if (!cert || !certificateCovers(cert.toString(), api.host)) return fail(`the certificate's subjectAltNames (${cert?.subjectAltName ?? 'none'}) do not cover ${api.host}`);
      resolve();
    });
  });
}
