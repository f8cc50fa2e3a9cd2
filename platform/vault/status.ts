/**
 * Read-only status endpoints: health, seal-status, leader,
 * ha-status; and the token endpoints the harness uses to check a root token.
 */
import type { VaultCore } from './core.js';
import { VaultApiError, permissionDenied, sealedError } from './errors.js';
import type { ApiReply, ApiRequest } from './http.js';
import { pidAlive } from '../../common/process.js';
import { revokeToken, tokenValid } from './tokens.js';

const BUILD_DATE = '2023-12-18T17:37:17Z';
const ZERO_TIME = '0001-01-01T00:00:00Z';

export function sealStatus(core: VaultCore): Record<string, unknown> {
  const initialized = core.initialized();
  const cfg = core.statusConfig();
  const barrier = core.store.barrier();
  // Key order is Vault's struct order: the bytes match, not just the parsed object.
  const cluster = !core.sealed && barrier ? { cluster_name: barrier.clusterName, cluster_id: barrier.clusterId } : {};
  return {
    type: 'shamir',
    initialized,
    sealed: core.sealed,
    t: cfg.threshold,
    n: cfg.shares,
    progress: core.unsealParts.length,
    nonce: core.unsealNonce,
    version: core.version,
    build_date: BUILD_DATE,
    migration: false,
    ...cluster,
    recovery_seal: false,
    storage_type: 'raft',
  };
}

const HEALTH_CODES = ['activecode', 'standbycode', 'drsecondarycode', 'performancestandbycode', 'sealedcode', 'uninitcode'] as const;

function parseHealthQuery(q: URLSearchParams): { standbyok: boolean; codes: Record<(typeof HEALTH_CODES)[number], number> } {
  const badParam = () => new VaultApiError(400, '');
  const boolParam = (name: string): boolean => {
    const v = q.get(name);
    if (v === null) return false;
    if (v === '') return true;
    if (/^(1|t|true)$/i.test(v)) return true;
    if (/^(0|f|false)$/i.test(v)) return false;
    throw badParam();
  };
  const defaults = { activecode: 200, standbycode: 429, drsecondarycode: 472, performancestandbycode: 473, sealedcode: 503, uninitcode: 501 };
  const codes = { ...defaults };
  for (const name of HEALTH_CODES) {
    const v = q.get(name);
    if (v === null) continue;
    const n = Number(v);
    if (!/^[0-9]+$/.test(v) || n < 1) throw badParam();
    codes[name] = n;
  }
  boolParam('perfstandbyok');
  return { standbyok: boolParam('standbyok'), codes };
}

export function health(core: VaultCore, req: ApiRequest): ApiReply {
  let parsed;
  try {
    parsed = parseHealthQuery(req.query);
  } catch {
    return { status: 400, body: { errors: [] } };
  }
  const initialized = core.initialized();
  const active = core.isActive();
  const barrier = core.store.barrier();
  const status = !initialized ? parsed.codes.uninitcode : core.sealed ? parsed.codes.sealedcode : active ? parsed.codes.activecode : parsed.standbyok ? parsed.codes.activecode : parsed.codes.standbycode;
  const body: Record<string, unknown> = {
    initialized,
    sealed: core.sealed,
    standby: !active,
    performance_standby: false,
    replication_performance_mode: core.sealed ? 'unknown' : 'disabled',
    replication_dr_mode: core.sealed ? 'unknown' : 'disabled',
    server_time_utc: Math.floor(Date.now() / 1000),
    version: core.version,
  };
  if (!core.sealed && barrier) {
    body.cluster_name = barrier.clusterName;
    body.cluster_id = barrier.clusterId;
  }
  return { status, body };
}

/** The active as the lease says, when the lease is live. */
export function knownActive(core: VaultCore): { holder: string; address: string; since: number } | undefined {
  const lease = core.store.lease();
  if (!lease || lease.expiresAt <= Date.now()) return undefined;
  return lease;
}

function clusterAddress(apiAddress: string): string {
  const url = new URL(apiAddress);
  return `https://${url.hostname}:8201`;
}

export function leader(core: VaultCore): ApiReply {
  if (core.sealed) throw sealedError();
  const active = core.isActive();
  const lease = knownActive(core);
  return {
    status: 200,
    body: {
      ha_enabled: true,
      is_self: active,
      active_time: active ? new Date(core.activeSince).toISOString() : ZERO_TIME,
      leader_address: lease?.address ?? '',
      leader_cluster_address: lease ? clusterAddress(lease.address) : '',
      performance_standby: false,
      performance_standby_last_remote_wal: 0,
    },
  };
}

export function requireToken(core: VaultCore, req: ApiRequest): void {
  if (!tokenValid(core.store, req.token)) throw permissionDenied();
}

/** GET sys/ha-status, answered by the active (forwarded): itself plus standbys with a live heartbeat. */
export function haStatus(core: VaultCore, req: ApiRequest): ApiReply {
  requireToken(core, req);
  const now = Date.now();
  const nodes = Object.entries(core.store.members())
    .filter(([pod, m]) => pod === core.pod || (m.unsealed && pidAlive(m.pid) && now - m.heartbeatAt <= core.options.electionMs))
    .map(([pod, m]) => {
      const self = pod === core.pod;
      const address = self ? core.address : m.address;
      return {
        hostname: pod,
        api_address: address,
        cluster_address: clusterAddress(address),
        active_node: self,
        last_echo: self ? null : new Date(m.heartbeatAt).toISOString(),
        version: core.version,
        upgrade_version: core.version,
      };
    })
    .sort((a, b) => a.api_address.localeCompare(b.api_address));
  return {
    status: 200,
    body: { request_id: crypto.randomUUID(), lease_id: '', renewable: false, lease_duration: 0, data: { nodes }, wrap_info: null, warnings: null, auth: null, nodes },
  };
}

export function lookupSelf(core: VaultCore, req: ApiRequest): ApiReply {
  requireToken(core, req);
  return {
    status: 200,
    body: {
      request_id: crypto.randomUUID(),
      lease_id: '',
      renewable: false,
      lease_duration: 0,
      data: { id: req.token, display_name: 'root', policies: ['root'], path: 'auth/token/root', ttl: 0, expire_time: null, orphan: true, renewable: false, type: 'service' },
      wrap_info: null,
      warnings: null,
      auth: null,
    },
  };
}

export async function revokeSelf(core: VaultCore, req: ApiRequest): Promise<ApiReply> {
  if (core.sealed) throw sealedError();
  requireToken(core, req);
  await revokeToken(core.store, req.token!);
  return { status: 204 };
}
