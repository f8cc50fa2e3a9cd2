/**
 * The settled end state, audited through Vault (evidence for I2, I3, I4, I7):
 * all ten subsets of the final cluster-key, the initial shards (which must
 * now fail), and the root token. The runner reads the secrets; this module
 * only talks to Vault. Shares and the token stay in memory.
 */
import type { SetAudit } from '../../common/record.js';
import type { VaultEndpoint } from '../backends/backend.js';
import { nowMs } from '../../common/clock.js';
import { auditSet, auditSubsets, rootTokenWorks, type AuditMethod } from './audit.js';
import { VaultClient } from './client.js';

export interface FinalAuditInput {
  endpoints: VaultEndpoint[];
  caCertPem: string;
  /** cluster-key-0..4 as found at the end (undefined where missing or unreadable) */
  finalShares: (Uint8Array | undefined)[];
  /** cluster-key-0..4 taken before the request */
  initialShares: Uint8Array[];
  rootToken?: string;
  method?: AuditMethod;
}

export interface FinalAuditResult {
  audits: SetAudit[];
  rootTokenWorks?: boolean;
}

/** The active server if one says so, else any unsealed one (standbys forward rekey calls). */
export async function pickAuditServer(endpoints: VaultEndpoint[], caCertPem: string): Promise<VaultClient | undefined> {
  const clients = endpoints.map((e) => VaultClient.forEndpoint(e, caCertPem));
  const health = await Promise.all(clients.map((c) => c.health().catch(() => undefined)));
  const active = health.findIndex((h) => h?.code === 200);
  if (active >= 0) return clients[active];
  const unsealed = health.findIndex((h) => h !== undefined && !h.sealed);
  return unsealed >= 0 ? clients[unsealed] : undefined;
}

export async function auditFinalState(input: FinalAuditInput): Promise<FinalAuditResult> {
  const method = input.method ?? 'rekey-audit';
  const client = await pickAuditServer(input.endpoints, input.caCertPem);
  if (!client) {
    const error = 'no unsealed Vault server to audit through';
    return { audits: [{ t: nowMs(), prefix: 'cluster-key', method, current: false, error }, { t: nowMs(), prefix: 'initial', method, current: false, error }] };
  }
  const final = input.finalShares.every((s): s is Uint8Array => s !== undefined)
    ? await auditSubsets(client, 'cluster-key', input.finalShares, method)
    : { t: nowMs(), prefix: 'cluster-key' as const, method, current: false, error: `cluster-key incomplete at the end (missing ${input.finalShares.flatMap((s, i) => (s ? [] : [i])).join(', ')})` };
  const initial = await auditSet(client, 'initial', input.initialShares, method);
  let works: boolean | undefined;
  if (input.rootToken !== undefined) works = await rootTokenWorks(client, input.rootToken).catch(() => undefined);
  return works === undefined ? { audits: [final, initial] } : { audits: [final, initial], rootTokenWorks: works };
}
