/**
 * The manager's typed errors. All derive from the project's RekeyChaosError so
 * they carry context; none ever carries a shard or token in its message.
 */
import { EnvironmentError, RekeyChaosError, UsageError } from '../common/errors.js';

/** A step found a state or an answer it must not act on; nothing further is touched this pass. */
export class StepError extends RekeyChaosError {
  constructor(message: string, context: Record<string, unknown> = {}) {
    super(message, 1, context);
  }
}

/** Vault could not be reached at all (connection refused, timeout, DNS). Try again later. */
export class VaultUnreachableError extends EnvironmentError {}

/** The Kubernetes API failed in a way the step cannot interpret. */
export class KubeApiError extends EnvironmentError {}

/** A create found the secret already there. */
export class SecretExistsError extends RekeyChaosError {
  constructor(name: string) {
    super(`secret ${name} already exists`, 1, { name });
  }
}

/** MANAGER_DEFECT names no known defect. */
export class UnknownDefectError extends UsageError {
  constructor(name: string, known: string[]) {
    super(`unknown defect "${name}"; known defects: ${known.join(', ')}`, { name, known });
  }
}

/** Bad manager configuration (an env value that does not parse). */
export class ConfigError extends UsageError {}
