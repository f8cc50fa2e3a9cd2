/**
 * The checks before any rekey step (docs/procedure.md, "One pass"): all three servers
 * running with IPs, unsealed (health), running the expected version (pod
 * label `vault-version` equals the version health reports, the same on all),
 * and every server reporting the same rekey status (and verify status when a
 * verification is pending). Any failure means "wait for the next pass".
 */
import type { ManagerContext } from '../context.js';
import type { ServerPod, VaultResponse } from '../ports.js';
import { healthState, parseRekeyStatus, parseVerifyStatus, versionLabel, type RekeyStatus } from '../vault/answers.js';

export const SERVER_COUNT = 3;

export type PrecheckResult = { ok: true } | { ok: false; reason: string };

function statusKey(s: RekeyStatus): string {
  return JSON.stringify([s.nonce, s.progress, s.started, s.verificationRequired, s.verificationNonce]);
}

export async function serversReady(servers: ServerPod[], health: Map<string, VaultResponse | undefined>): Promise<PrecheckResult> {
  if (servers.length !== SERVER_COUNT) return { ok: false, reason: `${servers.length} server pods, need ${SERVER_COUNT}` };
  const versions = new Set<string>();
  for (const s of servers) {
    if (!s.running || !s.ip) return { ok: false, reason: `${s.name} is not running with an IP` };
    const res = health.get(s.name);
    const state = res ? healthState(res) : 'unknown';
    if (state !== 'active' && state !== 'standby') return { ok: false, reason: `${s.name} is ${state}` };
    const reported = typeof res!.body?.version === 'string' ? versionLabel(res!.body.version as string) : undefined;
    const label = s.labels['vault-version'];
    if (!label || label !== reported) return { ok: false, reason: `${s.name} label vault-version=${label ?? '(none)'} but runs ${reported ?? '(unknown)'}` };
    versions.add(label);
  }
  if (versions.size !== 1) return { ok: false, reason: `servers run different versions: ${[...versions].join(', ')}` };
  return { ok: true };
}

/** Reads health of every server again and compares their rekey (and verify) status. */
export async function serversAgree(ctx: ManagerContext, servers: ServerPod[]): Promise<PrecheckResult> {
  const keys = new Set<string>();
  let pendingVerify = false;
  for (const s of servers) {
    const st = parseRekeyStatus(await ctx.vault.rekeyStatus({ pod: s.name, ip: s.ip! }));
    if (!st) return { ok: false, reason: `${s.name} did not answer its rekey status` };
    keys.add(statusKey(st));
    pendingVerify ||= st.verificationNonce !== '';
  }
  if (keys.size !== 1) return { ok: false, reason: 'servers report different rekey status' };
  if (pendingVerify) {
    const vkeys = new Set<string>();
    for (const s of servers) {
      const v = parseVerifyStatus(await ctx.vault.rekeyVerifyStatus({ pod: s.name, ip: s.ip! }));
      if (!v) return { ok: false, reason: `${s.name} did not answer its verify status` };
      vkeys.add(JSON.stringify([v.nonce, v.progress]));
    }
    if (vkeys.size !== 1) return { ok: false, reason: 'servers report different verify status' };
  }
  return { ok: true };
}

/** Both halves, re-reading health (recovery re-checks before it repairs anything). */
export async function recheckAll(ctx: ManagerContext): Promise<PrecheckResult> {
  const servers = await ctx.pods.listServers();
  const health = new Map<string, VaultResponse | undefined>();
  for (const s of servers) if (s.ip) health.set(s.name, await ctx.vault.health({ pod: s.name, ip: s.ip }));
  const ready = await serversReady(servers, health);
  return ready.ok ? serversAgree(ctx, servers) : ready;
}
