/**
 * Errors of the harness's Vault client. Both are environment failures (exit
 * 3) from the harness's point of view: the harness could not learn what it
 * asked. They carry the server, method, path and status; the message is
 * Vault's own error text, redacted — never a request body.
 */
import { EnvironmentError } from '../../common/errors.js';

export class VaultRequestError extends EnvironmentError {
  readonly status: number;
  readonly vaultMessage: string;
  constructor(server: string, method: string, path: string, status: number, vaultMessage: string) {
    super(`Vault ${server}: ${method} ${path} answered ${status}: ${vaultMessage}`, { server, method, path, status });
    this.status = status;
    this.vaultMessage = vaultMessage;
  }
}

export class VaultUnreachableError extends EnvironmentError {
  constructor(server: string, method: string, path: string, cause: unknown) {
    super(`Vault ${server}: ${method} ${path} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { server, method, path }, { cause });
  }
}

/** The audit could not reach a verdict (e.g. a rekey was already running; an unexpected answer). */
export class AuditInconclusiveError extends EnvironmentError {
  constructor(message: string, context: Record<string, unknown> = {}) {
    super(message, context);
  }
}
