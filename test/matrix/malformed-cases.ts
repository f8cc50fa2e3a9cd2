/**
 * The deliberately malformed scenario files under fixtures/malformed/ and
 * the exact one-line error each must produce (file:line: field: problem).
 * Shared by the loader spec (in process) and the CLI spec (through the real binary).
 */
export const MALFORMED_DIR = 'test/matrix/fixtures/malformed';

export const MALFORMED_CASES: Array<[file: string, line: number, field: string, problem: string]> = [
  ['01-yaml-syntax.yaml', 6, 'yaml', 'syntax error: Flow map in block collection must be sufficiently indented and end with a }'],
  ['02-unknown-key.yaml', 4, 'iteration', 'unknown key (allowed: id, family, description, iterations, iterationBase, seed, timeout, settle, faults, afterCompletion, invariants, cluster, manager, tags)'],
  ['03-unknown-milestone.yaml', 5, 'faults[0].trigger.after', 'unknown milestone "vault-rekey-begun"'],
  ['04-unknown-target.yaml', 7, 'faults[0].targets[1]', 'unknown target "leader" (expected one of active, standby, random-server, all-servers, manager, server:<0-2>, node:<node>, node-of:active)'],
  ['05-unknown-kind.yaml', 6, 'faults[0].kind', 'unknown fault kind "reboot-node" (expected delete-pod, kill-process, node-loss, vault-trouble)'],
  ['06-negative-iterations.yaml', 4, 'iterations', 'must be >= 1, got -3'],
  ['07-fractional-iterations.yaml', 4, 'iterations', 'must be an integer, got 2.5'],
  ['08-nan-offset.yaml', 7, 'faults[0].trigger.offset', 'must be a finite number, got NaN'],
  ['09-offset-without-after.yaml', 7, 'faults[0].trigger.offset', 'only allowed with `after: <milestone>`, not with `at`'],
  ['10-grace-on-kill.yaml', 8, 'faults[0].grace', 'only applies to delete-pod (a kill-process has no grace period)'],
  ['11-missing-id.yaml', 1, 'id', 'is required'],
  ['12-duplicate-id.yaml', 2, 'id', 'duplicate id "F3" (already defined by scenarios/families/F3.yaml:3)'],
  ['13-server-ordinal.yaml', 7, 'faults[0].targets[0]', 'unknown target "server:3": server ordinal must be 0..2'],
  ['14-node-target-for-delete.yaml', 7, 'faults[0].targets[0]', 'target "node:worker-0" names a node, but delete-pod needs a pod target'],
  ['15-unknown-invariant.yaml', 5, 'invariants[1]', 'unknown invariant "I11" (expected I1, I2, I3, I4, I5, I6, I7, I8, I9, I10)'],
  ['16-negative-timeout.yaml', 4, 'timeout', 'must be > 0, got -5'],
  ['17-string-seed.yaml', 4, 'seed', 'must be a number, got "seven"'],
  ['18-after-and-at.yaml', 5, 'faults[0].trigger.at', 'a trigger is either `after: <milestone>` or `at: <seconds|sweep>`, not both'],
  ['19-down-on-delete.yaml', 8, 'faults[0].down', 'only applies to node-loss, not delete-pod'],
  ['20-unknown-family.yaml', 2, 'family', 'unknown family "F11" (expected one of F1, F2, F3, F4, F5, F6, F7, F8, F9, F10, milestone, trouble, unseal, explore, regression)'],
  ['21-duplicate-key.yaml', 5, 'yaml', 'syntax error: Map keys must be unique'],
  ['22-zero-occurrence.yaml', 5, 'faults[0].trigger.occurrence', 'must be >= 1, got 0'],
  ['23-trouble-manager-target.yaml', 7, 'faults[0].targets[0]', 'target "manager" is not a Vault server, but vault-trouble needs a server target (active, standby, random-server, all-servers, server:<0-2>)'],
  ['24-trouble-missing-path.yaml', 4, 'faults[0].path', 'is required for vault-trouble'],
  ['25-trouble-unknown-mode.yaml', 8, 'faults[0].mode', 'unknown mode "explode" (expected error, reset, delay)'],
  ['26-trouble-delay-on-error.yaml', 10, 'faults[0].delayMs', 'only applies to mode delay, not error'],
  ['27-trouble-bad-path.yaml', 7, 'faults[0].path', '"/v1/sys/unseal" must be an API path under sys/ such as sys/unseal or sys/rekey/ (a trailing * is allowed)'],
  ['28-trouble-zero-count.yaml', 9, 'faults[0].count', 'must be >= 1, got 0'],
  ['29-path-on-kill.yaml', 7, 'faults[0].path', 'only applies to vault-trouble, not kill-process'],
  ['30-trouble-after-completion.yaml', 4, 'afterCompletion[0].kind', 'vault-trouble cannot be an after-completion fault (it would hit the final audits, not the manager)'],
  ['31-trouble-delay-missing.yaml', 4, 'faults[0].delayMs', 'is required for vault-trouble'],
];

export function expectedMessage([file, line, field, problem]: (typeof MALFORMED_CASES)[number]): string {
  return `${MALFORMED_DIR}/${file}:${line}: ${field}: ${problem}`;
}
