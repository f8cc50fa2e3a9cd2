/**
 * The Vault version the double reports. One setting feeds `sys/health`,
 * `sys/seal-status`, `sys/ha-status` and the `vault-version` pod label, so a
 * manager comparing them (the chart's prechecks do) always sees one value.
 * Validated where it enters (the embedded cluster's options, the process env)
 * so a typo is a usage error at start, not a label the manager rejects later.
 */
import { UsageError } from '../../common/errors.js';

/** The version of the chart's image the double stands in for. */
export const VAULT_VERSION = '1.14.9';

/** major.minor.patch with an optional pre-release or build suffix (1.14.9, 1.15.0-rc1, 1.14.9+ent). */
export const VAULT_VERSION_PATTERN = /^\d+\.\d+\.\d+([-+][0-9A-Za-z.+-]+)?$/;

/** The version to report: `value` when set (checked; empty is an error), else the default. `source` names the setting in the error. */
export function parseVaultVersion(value: string | undefined, source = 'VAULT_DOUBLE_VERSION'): string {
  if (value === undefined) return VAULT_VERSION;
  if (!VAULT_VERSION_PATTERN.test(value)) {
    throw new UsageError(`${source} must look like a Vault version (e.g. ${VAULT_VERSION}), got ${JSON.stringify(value)}`, { source, value, pattern: VAULT_VERSION_PATTERN.source });
  }
  return value;
}
