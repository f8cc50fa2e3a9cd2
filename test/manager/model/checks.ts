/**
 * The invariants of docs/invariants.md, evaluated on the model world.
 * Each throws an Error whose message starts with the invariant's id, so a
 * failing run names the check that caught it.
 *
 * Independent of the manager under test: stored shards are read with the
 * harness's strict reader (common/strict-shard.ts), never the manager's
 * set logic, and I8 is the harness's own conformance walk over the
 * procedure table.
 */
import { combine, subsets } from '../../../common/shamir.js';
import { isRekeyArtefact, MILESTONE_SECRETS, parseShardSecretName, ROOT_TOKEN_SECRET, SET_PREFIXES, SHARES, shardSecretName, THRESHOLD, type SetPrefix } from '../../../common/secrets.js';
import { keyFingerprint } from '../../../common/fingerprint.js';
import { PROCEDURE_MILESTONES } from '../../../common/milestones.js';
import { parseShardStrict } from '../../../common/strict-shard.js';
import { findConformanceProblem } from '../../../harness/invariants/i8-procedure.js';
import type { World } from './world.js';

/** The policy every model cluster is initialized with (5 shares, threshold 3). */
const INITIAL_POLICY = { shares: SHARES, threshold: THRESHOLD };

/** A set as the checker reads it: complete only when all five secrets exist and parse strictly. */
export function storedSet(prefix: SetPrefix, secrets: ReadonlyMap<string, string>): { state: 'absent' | 'partial' | 'complete'; shares: Uint8Array[] } {
  const shares: Uint8Array[] = [];
  let present = 0;
  for (let i = 0; i < SHARES; i++) {
    const raw = secrets.get(shardSecretName(prefix, i));
    if (raw === undefined) continue;
    present++;
    const parsed = parseShardStrict(raw);
    if (parsed.ok) shares[i] = parsed.share;
  }
  const parsed = shares.filter((s) => s !== undefined).length;
  return { state: parsed === SHARES ? 'complete' : present === 0 ? 'absent' : 'partial', shares };
}

export class InvariantViolation extends Error {
  override name = 'InvariantViolation';
  constructor(readonly id: string, message: string, world: World) {
    super(`${id} ${message}\n--- manager log (tail) ---\n${world.tail()}`);
  }
}

const same = (a: Uint8Array, b: Uint8Array | undefined) => b !== undefined && Buffer.from(a).equals(Buffer.from(b));

async function combineOrUndefined(parts: Uint8Array[]): Promise<Uint8Array | undefined> {
  try {
    return await combine(parts);
  } catch {
    return undefined;
  }
}

/** The keys the complete stored sets rebuild (from their first THRESHOLD shards). */
async function storedKeys(world: World): Promise<{ prefix: string; key: Uint8Array }[]> {
  const out: { prefix: string; key: Uint8Array }[] = [];
  for (const prefix of SET_PREFIXES) {
    const set = storedSet(prefix, world.secrets);
    if (set.state !== 'complete') continue;
    const key = await combineOrUndefined(set.shares.slice(0, THRESHOLD));
    if (key) out.push({ prefix, key });
  }
  return out;
}

/** I1: the key Vault uses — and the key each server needs to unseal — is rebuildable from a complete stored set. */
export async function checkCustody(world: World): Promise<void> {
  const v = world.vault;
  if (!v.key) return;
  const stored = await storedKeys(world);
  const needed: { who: string; key: Uint8Array }[] = [{ who: 'cluster', key: v.key }];
  for (const s of v.servers) if (s.initialized && s.nodeKey) needed.push({ who: s.name, key: s.nodeKey });
  for (const n of needed) {
    if (!stored.some((s) => same(s.key, n.key))) {
      throw new InvariantViolation('I1', `custody lost: the key ${n.who} needs (${keyFingerprint(n.key)}) is in no complete stored set (stored: ${stored.map((s) => `${s.prefix}=${keyFingerprint(s.key)}`).join(', ') || 'none'})`, world);
    }
  }
}

/** I10: every stored shard secret reads with the strict reader. */
export function checkWellFormed(world: World): void {
  for (const [name, strdata] of world.secrets) {
    if (!parseShardSecretName(name)) continue;
    const parsed = parseShardStrict(strdata);
    if (!parsed.ok) throw new InvariantViolation('I10', `${name} is not a well-formed shard: ${parsed.reason}`, world);
  }
}

/** I8: a fault-free run passed the reference procedure's milestones in order. */
export function checkConformance(world: World): void {
  if (world.faulted) return;
  const { problem } = findConformanceProblem(world.events, PROCEDURE_MILESTONES.reference);
  if (!problem) return;
  const what = problem.kind === 'missing' ? `required milestone ${problem.milestone} never occurred${problem.after ? ` after ${problem.after}` : ''}` : `milestone ${problem.milestone} occurred before ${problem.after}`;
  throw new InvariantViolation('I8', `${what} in a fault-free run`, world);
}

export function rekeyDone(world: World): boolean {
  return !MILESTONE_SECRETS.some((m) => world.secrets.has(m));
}

export function serviceSettled(world: World): boolean {
  return world.vault.servers.every((s) => !s.sealed) && world.vault.active !== undefined;
}

/** I2, I3, I4, I7 on the settled final state. */
export async function checkFinal(world: World): Promise<void> {
  const v = world.vault;
  const key = storedSet('cluster-key', world.secrets);
  if (key.state !== 'complete' || !world.secrets.has(ROOT_TOKEN_SECRET)) throw new InvariantViolation('I2', 'cluster-key is not complete or cluster-key-root is missing', world);
  const artefacts = [...world.secrets.keys()].filter(isRekeyArtefact);
  if (artefacts.length > 0) throw new InvariantViolation('I2', `rekey artefacts remain: ${artefacts.join(', ')}`, world);
  // a rekey left pending in Vault is an artefact too (and the harness's audits cannot run beside it)
  if (v.rekey) throw new InvariantViolation('I2', 'a rekey is left running in Vault', world);
  const shares = key.shares;
  const rebuilt = await combineOrUndefined(shares.slice(0, THRESHOLD));
  if (!rebuilt || !same(rebuilt, v.key) || v.servers.some((s) => !same(rebuilt, s.nodeKey))) throw new InvariantViolation('I2', 'cluster-key does not unseal every server', world);
  if (world.initialShares) {
    const initial = await combineOrUndefined(world.initialShares.slice(0, THRESHOLD));
    if (initial && (same(initial, v.key) || v.servers.some((s) => same(initial, s.nodeKey)))) throw new InvariantViolation('I3', 'the initial shards still unseal', world);
    if (shares.every((s, i) => same(s, world.initialShares![i]))) throw new InvariantViolation('I3', 'cluster-key did not change', world);
  }
  const active = v.servers.filter((_, i) => v.active === i).length;
  if (v.servers.some((s) => s.sealed) || active !== 1) throw new InvariantViolation('I4', `servers sealed: ${v.servers.filter((s) => s.sealed).map((s) => s.name).join(',') || 'none'}, active: ${active}`, world);
  for (const subset of subsets(5, THRESHOLD)) {
    const k = await combineOrUndefined(subset.map((i) => shares[i]!));
    if (!k || !same(k, v.key)) throw new InvariantViolation('I7', `shares ${subset.join(',')} of cluster-key do not rebuild the key in use`, world);
  }
  await checkPolicy(world, shares);
}

/** I9: Vault's seal configuration is still 5/3, and no subset of threshold − 1 stored shards rebuilds the key. */
async function checkPolicy(world: World, shares: Uint8Array[]): Promise<void> {
  const p = world.vault.policy;
  if (p.shares !== INITIAL_POLICY.shares || p.threshold !== INITIAL_POLICY.threshold) {
    throw new InvariantViolation('I9', `the seal configuration changed from ${INITIAL_POLICY.shares}/${INITIAL_POLICY.threshold} to ${p.shares}/${p.threshold}`, world);
  }
  for (const subset of subsets(SHARES, INITIAL_POLICY.threshold - 1)) {
    const k = await combineOrUndefined(subset.map((i) => shares[i]!));
    if (k && same(k, world.vault.key)) throw new InvariantViolation('I9', `shares ${subset.join(',')} alone rebuild the key in use`, world);
  }
}
