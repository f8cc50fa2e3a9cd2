/**
 * The secrets of the rekey procedure (docs/procedure.md, "The secrets"):
 * their names and the `strdata` format of a shard secret. Shared by the
 * manager, the harness observers and the invariants so that every part agrees
 * on what a "complete set" is.
 */
export const SHARES = 5;
export const THRESHOLD = 3;

/** The three shard-set prefixes, in the manager's unseal fallback order. */
export const SET_PREFIXES = ['cluster-key', 'cluster-rekey', 'cluster-key-bk'] as const;
export type SetPrefix = (typeof SET_PREFIXES)[number];

export const ROOT_TOKEN_SECRET = 'cluster-key-root';

/**
 * The root token as its consumers read the secret: a shell's `$(…)` drops trailing newlines, and
 * StarlingX's script stores the token from a here-string (`<<<`), which adds one.
 */
export function rootTokenOf(strdata: string): string {
  return strdata.replace(/\n+$/, '');
}

/** Milestone secrets, in the order the procedure writes them. */
export const MILESTONE_SECRETS = [
  'cluster-rekey-request',
  'cluster-rekey-verified',
  'cluster-rekey-shuffle',
  'cluster-rekey-audit',
] as const;
export type MilestoneSecret = (typeof MILESTONE_SECRETS)[number];

/** The single data key every procedure secret uses. */
export const DATA_KEY = 'strdata';

export function shardSecretName(prefix: SetPrefix, index: number): string {
  return `${prefix}-${index}`;
}

/** Parses `cluster-key-3` → {prefix:'cluster-key', index:3}; `cluster-key-root` and milestones → undefined. */
export function parseShardSecretName(name: string): { prefix: SetPrefix; index: number } | undefined {
  const m = /^(cluster-key-bk|cluster-rekey|cluster-key)-([0-9]+)$/.exec(name);
  if (!m) return undefined;
  const index = Number(m[2]);
  if (index < 0 || index >= SHARES) return undefined;
  return { prefix: m[1] as SetPrefix, index };
}

/** True for every secret the procedure owns (shards of any set, root token, milestones). */
export function isProcedureSecret(name: string): boolean {
  return name === ROOT_TOKEN_SECRET || (MILESTONE_SECRETS as readonly string[]).includes(name) || parseShardSecretName(name) !== undefined;
}

/** True for the artefacts that must be gone when a rekey is complete (I2). */
export function isRekeyArtefact(name: string): boolean {
  if ((MILESTONE_SECRETS as readonly string[]).includes(name)) return true;
  const shard = parseShardSecretName(name);
  return shard !== undefined && shard.prefix !== 'cluster-key';
}

/** `strdata` of a shard secret: one shard, as Vault returned it (hex and base64 of the same bytes). */
export interface ShardDocument {
  keys: [string];
  keys_base64: [string];
}

export function formatShard(share: Uint8Array): string {
  const doc: ShardDocument = {
    keys: [Buffer.from(share).toString('hex')],
    keys_base64: [Buffer.from(share).toString('base64')],
  };
  return JSON.stringify(doc);
}

/** Parses a shard secret's `strdata`; returns undefined when it does not parse or the two encodings disagree. */
export function parseShard(strdata: string): Uint8Array | undefined {
  try {
    const doc = JSON.parse(strdata) as Partial<ShardDocument>;
    const hex = doc.keys?.[0];
    const b64 = doc.keys_base64?.[0];
    if (typeof hex !== 'string' || typeof b64 !== 'string' || !/^[0-9a-f]+$/i.test(hex)) return undefined;
    const fromHex = Buffer.from(hex, 'hex');
    const fromB64 = Buffer.from(b64, 'base64');
    if (fromHex.length < 2 || !fromHex.equals(fromB64)) return undefined;
    return new Uint8Array(fromHex);
  } catch {
    return undefined;
  }
}

/** The request id the original test plan writes for an iteration: a fixed base + the 4-digit iteration number. */
export function iterationRequestId(iteration: number): string {
  return `e18b5b44-eb88-e860-4d9f-ed00000000${String(iteration).padStart(4, '0')}`;
}
