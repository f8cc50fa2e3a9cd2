/**
 * The error a Vault endpoint answers with: an HTTP status and one message
 * for Vault's `{"errors":[...]}` envelope. Thrown by the core,
 * turned into a response by the router.
 */
export class VaultApiError extends Error {
  readonly status: number;
  /** Extra response headers (the 307's Location). */
  readonly headers: Record<string, string>;
  constructor(status: number, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'VaultApiError';
    this.status = status;
    this.headers = headers;
  }
}

export const SEALED = 'Vault is sealed';
export const AUTH_FAILED = 'cipher: message authentication failed';
/** What decrypting the stored keys with the wrong unseal key yields (inside the core). */
export const STORED_KEYS_FAILED = `invalid key: failed to decrypt keys from storage: ${AUTH_FAILED}`;
export const NO_ACTIVE = 'local node not active but active cluster node not found';

export const sealedError = () => new VaultApiError(503, SEALED);
export const badRequest = (message: string) => new VaultApiError(400, message);
export const permissionDenied = () => new VaultApiError(403, 'permission denied');
