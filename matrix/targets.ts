/**
 * The target grammar of common/scenario.ts, checked at load time so
 * that a typo in a scenario file fails before anything runs. Resolution to a
 * concrete pod or node happens at injection time (harness/faults).
 */
import type { FaultKind } from '../common/scenario.js';

export const FAULT_KINDS: readonly FaultKind[] = ['delete-pod', 'kill-process', 'node-loss', 'vault-trouble'];

/** The three nodes of the original test cluster; server ordinal i runs on node i. */
export const DEFAULT_NODES = ['controller-0', 'controller-1', 'worker-0'] as const;
export const SERVER_REPLICAS = 3;

const POD_TARGETS = ['active', 'standby', 'random-server', 'all-servers', 'manager'];

export function isFaultKind(value: unknown): value is FaultKind {
  return typeof value === 'string' && (FAULT_KINDS as readonly string[]).includes(value);
}

/**
 * Why a target is not valid for a fault kind, or undefined when it is.
 * Pod faults (delete, kill) take pod targets; node loss takes node targets;
 * Vault trouble takes server targets only.
 */
export function targetProblem(kind: FaultKind, target: string, nodes: readonly string[] = DEFAULT_NODES): string | undefined {
  const serverMatch = /^server:(.*)$/.exec(target);
  const nodeMatch = /^node:(.*)$/.exec(target);
  const isPodTarget = POD_TARGETS.includes(target) || serverMatch !== null;
  const isNodeTarget = target === 'node-of:active' || nodeMatch !== null;
  if (!isPodTarget && !isNodeTarget) {
    return `unknown target "${target}" (expected one of ${[...POD_TARGETS, 'server:<0-2>', 'node:<node>', 'node-of:active'].join(', ')})`;
  }
  if (serverMatch) {
    const ordinal = serverMatch[1]!;
    if (!/^[0-9]+$/.test(ordinal) || Number(ordinal) >= SERVER_REPLICAS) {
      return `unknown target "${target}": server ordinal must be 0..${SERVER_REPLICAS - 1}`;
    }
  }
  if (nodeMatch && !nodes.includes(nodeMatch[1]!)) {
    return `unknown target "${target}": no node "${nodeMatch[1]}" (nodes: ${nodes.join(', ')})`;
  }
  if (kind === 'node-loss' && !isNodeTarget) return `target "${target}" names a pod, but node-loss needs node:<node> or node-of:active`;
  // Trouble is armed in a Vault server's API: the manager and nodes have none.
  if (kind === 'vault-trouble' && (isNodeTarget || target === 'manager')) return `target "${target}" is not a Vault server, but vault-trouble needs a server target (active, standby, random-server, all-servers, server:<0-${SERVER_REPLICAS - 1}>)`;
  if (kind !== 'node-loss' && !isNodeTarget) return undefined;
  if (kind !== 'node-loss') return `target "${target}" names a node, but ${kind} needs a pod target`;
  return undefined;
}
