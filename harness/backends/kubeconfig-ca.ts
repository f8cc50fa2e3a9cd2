/**
 * The CA that signs the Vault servers' certificates, for a cluster the
 * harness did not make: a PEM file the user names, or a key of a secret in
 * the Vault namespace. Without either, the secrets the known deployments
 * keep it in are tried in order:
 *
 * - `vault-ca` / `tls.crt`: the secret StarlingX's manager mounts as its own CA;
 * - `vault-server-tls` / `ca.crt`: the cert-manager certificate StarlingX's Vault serves with;
 * - `<fullname>-tls` / `ca.crt`: what this harness's kind backend creates.
 *
 * Only a PEM certificate is accepted, so a secret that holds something else
 * (a key, an empty value) is reported rather than trusted.
 */
import { readFile } from 'node:fs/promises';
import * as k8s from '@kubernetes/client-node';
import { EnvironmentError, UsageError } from '../../common/errors.js';

export interface SecretKeyRef {
  name: string;
  key: string;
}

/** `NAME/KEY` (KEY defaults to ca.crt), as the CLI takes it. */
export function parseSecretKeyRef(text: string): SecretKeyRef {
  const m = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?)(?:\/([-._a-zA-Z0-9]+))?$/.exec(text.trim());
  if (!m) throw new UsageError(`not a secret reference (NAME or NAME/KEY): ${JSON.stringify(text)}`, { text });
  return { name: m[1]!, key: m[3] ?? 'ca.crt' };
}

export function defaultCaSecrets(fullname: string): SecretKeyRef[] {
  return [
    { name: 'vault-ca', key: 'tls.crt' },
    { name: 'vault-server-tls', key: 'ca.crt' },
    { name: `${fullname}-tls`, key: 'ca.crt' },
  ];
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;

export interface CaSource {
  caCertPath?: string;
  caSecret?: SecretKeyRef;
}

/** The CA PEM and where it came from (for messages and the run record). */
export async function loadVaultCa(kc: k8s.KubeConfig, namespace: string, fullname: string, source: CaSource): Promise<{ pem: string; from: string }> {
  if (source.caCertPath !== undefined) {
    const pem = await readFile(source.caCertPath, 'utf8').catch((err: unknown) => {
      throw new UsageError(`cannot read the Vault CA file ${source.caCertPath}: ${(err as Error).message}`, { path: source.caCertPath });
    });
    if (!PEM_CERT.test(pem)) throw new UsageError(`${source.caCertPath} holds no PEM certificate`, { path: source.caCertPath });
    return { pem, from: source.caCertPath };
  }
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const candidates = source.caSecret ? [source.caSecret] : defaultCaSecrets(fullname);
  const tried: string[] = [];
  for (const ref of candidates) {
    const where = `secret ${namespace}/${ref.name} key ${ref.key}`;
    let secret: k8s.V1Secret;
    try {
      secret = await core.readNamespacedSecret({ namespace, name: ref.name });
    } catch (err) {
      if ((err as { code?: number }).code === 404) {
        tried.push(`${where}: no such secret`);
        continue;
      }
      throw new EnvironmentError(`reading ${where} failed: ${(err as Error).message}`, { namespace, secret: ref.name }, { cause: err });
    }
    const value = secret.data?.[ref.key];
    const pem = value === undefined ? '' : Buffer.from(value, 'base64').toString('utf8');
    if (PEM_CERT.test(pem)) return { pem, from: where };
    tried.push(`${where}: ${value === undefined ? 'no such key' : 'not a PEM certificate'}`);
  }
  throw new EnvironmentError(`no Vault CA found (give --vault-ca FILE or --vault-ca-secret NAME/KEY); tried ${tried.join('; ')}`, { namespace, tried });
}
