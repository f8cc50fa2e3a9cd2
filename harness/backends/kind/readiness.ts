/**
 * When a freshly deployed Vault on kind counts as ready: the manager stored
 * `cluster-key-0..4` and `cluster-key-root`, three servers are unsealed with
 * one active, and the stored key is the one Vault uses. The last check is
 * what keeps a redeploy after a failed iteration honest: shards left by the
 * previous Vault (or written half-way by a defect) look complete but do not
 * authenticate, and every later iteration would start from them.
 */
import * as k8s from '@kubernetes/client-node';
import { EnvironmentError, TimeoutError } from '../../../common/errors.js';
import { delay, nowMs } from '../../../common/clock.js';
import { DATA_KEY, ROOT_TOKEN_SECRET, SHARES } from '../../../common/secrets.js';
import type { ServerState } from '../../../common/record.js';
import { collectSet, snapshotSet } from '../../../common/set-snapshot.js';
import { isSettled, serverStates } from '../../vault-client/health.js';
import { activeClient } from '../../vault-client/health.js';
import { auditSet } from '../../vault-client/audit.js';
import type { ClusterHandle } from '../backend.js';

/** What readiness reads; the backend's is the API and Vault, tests give their own. */
export interface VaultProbe {
  /** procedure secret name → strdata */
  secrets(): Promise<Map<string, string>>;
  servers(): Promise<ServerState[]>;
  /** does this threshold of shares authenticate as Vault's current key? (a string: why it could not be told) */
  keyIsCurrent(shares: Uint8Array[]): Promise<boolean | string>;
}

export function clusterProbe(kc: k8s.KubeConfig, handle: Pick<ClusterHandle, 'names' | 'vaultEndpoints' | 'caCertPem'>): VaultProbe {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  return {
    async secrets() {
      const list = await core.listNamespacedSecret({ namespace: handle.names.namespace });
      const out = new Map<string, string>();
      for (const s of list.items) {
        const raw = s.data?.[DATA_KEY];
        if (s.metadata?.name) out.set(s.metadata.name, raw ? Buffer.from(raw, 'base64').toString('utf8') : '');
      }
      return out;
    },
    async servers() {
      return serverStates(await handle.vaultEndpoints(), handle.caCertPem, 3000);
    },
    async keyIsCurrent(shares) {
      const client = await activeClient(handle);
      if (!client) return 'no server answers as active';
      const audit = await auditSet(client, 'cluster-key', shares);
      return audit.error ?? audit.current;
    },
  };
}

const WANTED = [...Array.from({ length: SHARES }, (_, i) => `cluster-key-${i}`), ROOT_TOKEN_SECRET];

function describe(secrets: Map<string, string>, servers: ServerState[]): string {
  const keys = WANTED.filter((n) => secrets.has(n)).length;
  const unsealed = servers.filter((s) => s.reachable && s.sealed === false).length;
  const active = servers.filter((s) => s.active).length;
  return `${keys}/${WANTED.length} of cluster-key-0..4 and cluster-key-root, ${unsealed}/3 servers unsealed, ${active} active`;
}

/** Waits until Vault is initialized, unsealed and settled with a complete cluster-key, then proves the key. */
export async function waitForFreshVault(probe: VaultProbe, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const deadline = nowMs() + timeoutMs;
  let last = 'nothing read yet';
  for (;;) {
    if (signal?.aborted) throw new EnvironmentError(`interrupted while waiting for Vault on kind (${last})`, { last });
    let ready: Map<string, string> | undefined;
    try {
      const secrets = await probe.secrets();
      const servers = await probe.servers();
      last = describe(secrets, servers);
      if (WANTED.every((n) => secrets.has(n)) && isSettled(servers, 3)) ready = secrets;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    // A wrong key is final (thrown); a check that could not conclude is tried again.
    if (ready) {
      const inconclusive = await proveClusterKey(probe, ready);
      if (inconclusive === undefined) return;
      last = `cluster-key not yet checked: ${inconclusive}`;
    }
    if (nowMs() > deadline) throw new TimeoutError(`Vault initialized and unsealed on kind (${last})`, timeoutMs);
    await delay(2000, signal).catch(() => undefined);
  }
}

/**
 * The stored cluster-key must be one key in all its subsets, and the key Vault is sealed with:
 * throws when it is not, returns why when Vault could not tell, undefined when proven.
 */
async function proveClusterKey(probe: VaultProbe, secrets: Map<string, string>): Promise<string | undefined> {
  const snapshot = await snapshotSet('cluster-key', secrets);
  if (snapshot.state !== 'complete' || snapshot.consistent !== true) {
    const what = snapshot.state === 'complete' ? 'inconsistent (its 3-of-5 subsets combine to different keys)' : `${snapshot.state} (unreadable shards)`;
    throw new EnvironmentError(`the fresh cluster-key is ${what}; the deploy is not usable`, { keyFp: snapshot.keyFp });
  }
  const shares = [...collectSet('cluster-key', secrets).shares.entries()].sort(([a], [b]) => a - b).map(([, s]) => s);
  const verdict = await probe.keyIsCurrent(shares).catch((err: unknown) => (err instanceof Error ? err.message : String(err)));
  if (verdict === true) return undefined;
  if (verdict === false) throw new EnvironmentError('the fresh cluster-key does not unseal this Vault: it does not authenticate as the key Vault uses (left over from an earlier Vault?)', { keyFp: snapshot.keyFp });
  return verdict;
}
