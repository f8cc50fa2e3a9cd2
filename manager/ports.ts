/**
 * The three narrow interfaces the manager's logic talks through. The real
 * implementations live in kube/ and vault/; the model-based tests drive the
 * very same logic against in-memory implementations. Keeping them small is
 * what makes "kill the manager between any two API calls" testable.
 */

/** The procedure's secrets (Opaque, one data key `strdata`), by name. */
export interface SecretStore {
  /** The `strdata` of the secret, or undefined when it does not exist. */
  get(name: string): Promise<string | undefined>;
  /** Creates the secret; throws SecretExistsError when it already exists. */
  create(name: string, strdata: string): Promise<void>;
  /** Deletes the secret; false when it did not exist. */
  delete(name: string): Promise<boolean>;
  /** Every procedure secret (shards, root token, milestones) with its `strdata`. */
  list(): Promise<Map<string, string>>;
}

/** Where a Vault call goes: one server by its pod address, or the active service. */
export type VaultTarget = { pod: string; ip: string } | 'active';

/** A Vault answer: the HTTP status, the parsed JSON body (if any) and the `errors` texts. */
export interface VaultResponse {
  status: number;
  body: Record<string, unknown> | undefined;
  errors: string[];
}

export interface RekeyInitRequest {
  secret_shares: number;
  secret_threshold: number;
  require_verification: boolean;
}

/** Vault's HTTP API as far as the manager uses it. Transport failures throw VaultUnreachableError. */
export interface VaultApi {
  health(target: VaultTarget): Promise<VaultResponse>;
  sealStatus(target: VaultTarget): Promise<VaultResponse>;
  unseal(target: VaultTarget, body: { key?: string; reset?: boolean }): Promise<VaultResponse>;
  init(target: VaultTarget, shares: number, threshold: number): Promise<VaultResponse>;
  rekeyStatus(target: VaultTarget): Promise<VaultResponse>;
  rekeyInit(target: VaultTarget, request: RekeyInitRequest): Promise<VaultResponse>;
  rekeyCancel(target: VaultTarget): Promise<VaultResponse>;
  rekeyUpdate(target: VaultTarget, key: string, nonce: string): Promise<VaultResponse>;
  rekeyVerifyStatus(target: VaultTarget): Promise<VaultResponse>;
  rekeyVerify(target: VaultTarget, key: string, nonce: string): Promise<VaultResponse>;
  raftJoin(target: VaultTarget, leaderApiAddr: string, leaderCaCert: string | undefined): Promise<VaultResponse>;
}

export interface ServerPod {
  name: string;
  ordinal: number;
  ip: string | undefined;
  labels: Record<string, string>;
  running: boolean;
}

/** The pods the manager looks at. */
export interface Pods {
  /** The Vault server pods, sorted by ordinal. */
  listServers(): Promise<ServerPod[]>;
  /** How many manager pods exist (running or starting). */
  countManagers(): Promise<number>;
}
