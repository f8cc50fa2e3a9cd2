/**
 * The embedded cluster's PKI: one CA per state dir, and leaf certificates for
 * the Vault double's servers (ECDSA P-256, signed with SHA-256). Keys are made
 * with Node's webcrypto and exported as PKCS#8 PEM so both `node:tls` and
 * `@peculiar/x509` can read them back.
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { webcrypto, randomBytes } from 'node:crypto';
// @peculiar/x509 pulls in tsyringe, which needs the Reflect metadata API loaded first.
import 'reflect-metadata';
import type * as X509 from '@peculiar/x509';
import { EnvironmentError } from '../common/errors.js';

const crypto = webcrypto;
type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

let x509Module: Promise<typeof X509> | undefined;
/** Loads `@peculiar/x509` once, wired to Node's webcrypto. */
function loadX509(): Promise<typeof X509> {
  x509Module ??= (async () => {
    const mod = await import('@peculiar/x509');
    mod.cryptoProvider.set(crypto as unknown as Parameters<typeof mod.cryptoProvider.set>[0]);
    return mod;
  })();
  return x509Module;
}

const EC_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DAY_MS = 24 * 60 * 60 * 1000;
/** Backdate a little so a freshly issued certificate is valid despite small clock skew between processes. */
const BACKDATE_MS = 5 * 60 * 1000;
const CA_VALIDITY_MS = 30 * DAY_MS;
const LEAF_VALIDITY_MS = 5 * DAY_MS;

export interface CaMaterial {
  certPem: string;
  keyPem: string;
  certPath: string;
  keyPath: string;
}

export interface ServerCertificateRequest {
  caCertPem: string;
  caKeyPem: string;
  commonName: string;
  dnsNames: string[];
  ipAddresses: string[];
}

export interface IssuedCertificate {
  certPem: string;
  keyPem: string;
}

function serialNumber(): string {
  // Positive 16-byte serial: clear the top bit so DER does not read it as negative.
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f;
  return bytes.toString('hex');
}

async function generateKeys(): Promise<CryptoKeyPair> {
  return (await crypto.subtle.generateKey(EC_ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function privateKeyPem(key: CryptoKey): Promise<string> {
  const x509 = await loadX509();
  const pkcs8 = await crypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(pkcs8, 'PRIVATE KEY');
}

async function importPrivateKey(pem: string): Promise<CryptoKey> {
  const x509 = await loadX509();
  const der = x509.PemConverter.decodeFirst(pem);
  return crypto.subtle.importKey('pkcs8', der, EC_ALGORITHM, false, ['sign']);
}

async function writeAtomically(path: string, content: string, mode: number): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, content, { mode });
  await chmod(tmp, mode);
  await rename(tmp, path);
}

/**
 * Creates the cluster CA in `dir` (`ca.crt`, `ca.key` mode 0600), or returns
 * the existing one so a restarted cluster keeps trusting the same root.
 */
export async function createCa(dir: string): Promise<CaMaterial> {
  const x509 = await loadX509();
  const certPath = join(dir, 'ca.crt');
  const keyPath = join(dir, 'ca.key');
  if (existsSync(certPath) && existsSync(keyPath)) {
    const [certPem, keyPem] = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]);
    try {
      new x509.X509Certificate(certPem);
      await importPrivateKey(keyPem);
    } catch (cause) {
      throw new EnvironmentError(`the CA in ${dir} is unreadable; delete ca.crt and ca.key to regenerate`, { dir }, { cause });
    }
    return { certPem, keyPem, certPath, keyPath };
  }
  await mkdir(dir, { recursive: true });
  const keys = await generateKeys();
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: 'CN=rekey-chaos embedded CA, O=rekey-chaos',
    notBefore: new Date(now - BACKDATE_MS),
    notAfter: new Date(now + CA_VALIDITY_MS),
    signingAlgorithm: SIGNING_ALGORITHM,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const certPem = cert.toString('pem');
  const keyPem = await privateKeyPem(keys.privateKey);
  // Key first: a crash between the two writes leaves no certificate without its key.
  await writeAtomically(keyPath, keyPem, 0o600);
  await writeAtomically(certPath, certPem, 0o644);
  return { certPem, keyPem, certPath, keyPath };
}

/** Issues a serverAuth leaf certificate for the given names, signed by the CA. */
export async function issueServerCertificate(request: ServerCertificateRequest): Promise<IssuedCertificate> {
  for (const ip of request.ipAddresses) {
    if (isIP(ip) === 0) throw new EnvironmentError(`not an IP address for a certificate SAN: ${ip}`, { ip });
  }
  const x509 = await loadX509();
  const caCert = new x509.X509Certificate(request.caCertPem);
  const caKey = await importPrivateKey(request.caKeyPem);
  const keys = await generateKeys();
  const now = Date.now();
  const names: X509.JsonGeneralName[] = [
    ...request.dnsNames.map((value) => ({ type: 'dns' as const, value })),
    ...request.ipAddresses.map((value) => ({ type: 'ip' as const, value })),
  ];
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: `CN=${request.commonName}`,
    issuer: caCert.subject,
    notBefore: new Date(now - BACKDATE_MS),
    notAfter: new Date(now + LEAF_VALIDITY_MS),
    signingAlgorithm: SIGNING_ALGORITHM,
    publicKey: keys.publicKey,
    signingKey: caKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await privateKeyPem(keys.privateKey) };
}
