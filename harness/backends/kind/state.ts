/**
 * What the kind backend keeps in its state dir between processes: which
 * cluster it created (so `down()` and `cluster down --backend kind` delete
 * only a cluster this project made, never one it merely reused), and the CA
 * that signs the Vault servers' certificates (checked for expiry before each
 * use, since a state dir outlives the 30 days the CA is valid).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import path from 'node:path';
import { EnvironmentError } from '../../../common/errors.js';
import { createCa, type CaMaterial } from '../../../platform/pki.js';

export const OWNERSHIP_FILE = 'cluster.json';

/** The record of a cluster this backend created. */
export interface ClusterOwnership {
  clusterName: string;
  createdAt: string;
  /** the pid that created it (for the reader's information only) */
  pid: number;
}

export function ownershipPath(stateDir: string): string {
  return path.join(stateDir, OWNERSHIP_FILE);
}

export function recordCreated(stateDir: string, clusterName: string): void {
  mkdirSync(stateDir, { recursive: true });
  const record: ClusterOwnership = { clusterName, createdAt: new Date().toISOString(), pid: process.pid };
  writeFileSync(ownershipPath(stateDir), `${JSON.stringify(record, null, 2)}\n`);
}

/** True when the state dir says this project created `clusterName`. */
export function ownsCluster(stateDir: string, clusterName: string): boolean {
  const file = ownershipPath(stateDir);
  if (!existsSync(file)) return false;
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as Partial<ClusterOwnership>).clusterName === clusterName;
  } catch {
    // An unreadable record proves nothing: a cluster is deleted only on clear evidence.
    return false;
  }
}

export function forgetCluster(stateDir: string): void {
  rmSync(ownershipPath(stateDir), { force: true });
}

/** How long the CA must still be valid for a run to start with it: a nightly job must not see it expire mid-run. */
export const CA_MIN_REMAINING_MS = 2 * 24 * 60 * 60 * 1000;

/**
 * The CA in `<stateDir>/pki`: created when absent, regenerated when it expires
 * within CA_MIN_REMAINING_MS (everything it signed is re-issued by the next
 * deploy, so nothing else trusts the old one). `now` is injectable for tests.
 */
export async function freshCa(stateDir: string, now: number = Date.now()): Promise<CaMaterial & { regenerated: boolean }> {
  const dir = path.join(stateDir, 'pki');
  const certPath = path.join(dir, 'ca.crt');
  let regenerated = false;
  if (existsSync(certPath)) {
    let notAfter: number;
    try {
      notAfter = Date.parse(new X509Certificate(readFileSync(certPath)).validTo);
    } catch (cause) {
      throw new EnvironmentError(`the CA certificate ${certPath} is unreadable; delete ${dir} to regenerate it`, { certPath }, { cause });
    }
    if (!Number.isFinite(notAfter)) throw new EnvironmentError(`the CA certificate ${certPath} has no readable expiry; delete ${dir} to regenerate it`, { certPath });
    if (notAfter - now < CA_MIN_REMAINING_MS) {
      rmSync(dir, { recursive: true, force: true });
      regenerated = true;
    }
  }
  return { ...(await createCa(dir)), regenerated };
}
