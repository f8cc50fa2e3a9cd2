/**
 * The milestone matrix (docs/scenarios.md): a fault right after every
 * event of an undisturbed rekey, for every target set of families F2–F10,
 * as a pod delete and as a process kill where both apply. The original hit
 * these windows only by wall-clock luck; here each one is its own scenario.
 */
import type { FaultSpec, InvariantId, Scenario } from '../common/scenario.js';
import { expectedRekeySequence } from '../common/milestones.js';
import { hash32 } from '../common/random.js';

export interface TargetSet {
  /** short readable name used in scenario ids, e.g. `kill-manager+server0` */
  name: string;
  /** the family whose target set this is */
  like: string;
  fault: FaultSpec;
  afterCompletion: FaultSpec[];
  settleS: number;
}

/** Faulted runs do not check I6 (a clean log is only required of a fault-free run). */
export const FAULTED_INVARIANTS: InvariantId[] = ['I1', 'I2', 'I3', 'I4', 'I5', 'I7'];
export const MILESTONE_ITERATION_BASE = 3000;
export const PROCEDURE_TIMEOUT_S = 600;
const SETTLE_S = 30;
const SETTLE_AFTER_KILL_ALL_S = 75;

const DELETE_FAMILIES: Array<[string, string[]]> = [
  ['F2', ['standby']],
  ['F3', ['active']],
  ['F4', ['manager']],
  ['F5', ['manager', 'random-server']],
  ['F6', ['manager', 'active']],
  ['F7', ['manager', 'standby']],
];
const F8_PROCESSES = ['manager', 'server:0', 'server:1', 'server:2'];

function setName(kind: 'delete' | 'kill', targets: string[]): string {
  return `${kind}-${targets.map((t) => t.replace(':', '')).join('+')}`;
}

/** The clean-up the original does after process kills: F9 deletes the manager pod, F8/F10 every pod. */
function killCleanup(targets: string[]): { afterCompletion: FaultSpec[]; settleS: number } {
  if (targets.every((t) => t === 'manager')) return { afterCompletion: [{ kind: 'delete-pod', targets: ['manager'] }], settleS: SETTLE_S };
  return { afterCompletion: [{ kind: 'delete-pod', targets: ['manager', 'all-servers'] }], settleS: SETTLE_AFTER_KILL_ALL_S };
}

/** Every distinct target set of F2–F10, each once (F9's manager kill is also F8's one-element subset). */
export function targetSets(): TargetSet[] {
  const sets: TargetSet[] = [];
  const seen = new Set<string>();
  const add = (set: TargetSet) => {
    const key = `${set.fault.kind}|${[...set.fault.targets].sort().join(',')}`;
    if (seen.has(key)) return;
    seen.add(key);
    sets.push(set);
  };
  for (const [like, targets] of DELETE_FAMILIES) {
    add({ name: setName('delete', targets), like, fault: { kind: 'delete-pod', targets }, afterCompletion: [], settleS: SETTLE_S });
    add({ name: setName('kill', targets), like, fault: { kind: 'kill-process', targets }, ...killCleanup(targets) });
  }
  // F8: each non-empty subset of {manager, server 0..2} as its own fixed target set.
  for (let mask = 1; mask < 1 << F8_PROCESSES.length; mask++) {
    const targets = F8_PROCESSES.filter((_, i) => mask & (1 << i));
    add({ name: setName('kill', targets), like: 'F8', fault: { kind: 'kill-process', targets }, ...killCleanup(targets) });
  }
  add({ name: setName('kill', ['manager']), like: 'F9', fault: { kind: 'kill-process', targets: ['manager'] }, ...killCleanup(['manager']) });
  add({ name: setName('kill', ['manager', 'active']), like: 'F10', fault: { kind: 'kill-process', targets: ['manager', 'active'] }, ...killCleanup(['manager', 'active']) });
  return sets;
}

/** The whole generated matrix, in a stable order: milestone by milestone, then target set. */
export function milestoneMatrix(): Scenario[] {
  const out: Scenario[] = [];
  const sets = targetSets();
  for (const event of expectedRekeySequence()) {
    for (const set of sets) {
      const id = `M-${event}-${set.name}`;
      out.push({
        id,
        family: 'milestone',
        description: `${set.fault.kind} of ${set.fault.targets.join(' + ')} (target set of ${set.like}) right after ${event}`,
        source: 'generated:milestone-matrix',
        iterations: 1,
        iterationBase: MILESTONE_ITERATION_BASE + out.length,
        seed: hash32('milestone-matrix', id),
        faults: [{ trigger: { after: event, offsetS: 0, occurrence: 1 }, fault: set.fault }],
        afterCompletion: set.afterCompletion,
        timeoutS: PROCEDURE_TIMEOUT_S,
        settleS: set.settleS,
        invariants: [...FAULTED_INVARIANTS],
        tags: ['milestone', `like:${set.like}`, `after:${event}`],
      });
    }
  }
  return out;
}

/**
 * Faults aimed inside a restarted server's unseal (docs/scenarios.md, "The
 * unseal matrix"): a standby's process is killed right after the rotation
 * (gated), which is the restart that has to try more than one shard set, and
 * a second fault lands when it is back sealed, or once it is unsealed. Family
 * `unseal`, so the milestone matrix and the quick sample stay as they are.
 * These milestones come from a restarted process, which no gate armed before
 * the request survives: the second fault runs on plain timing. Only windows a
 * fault can reach that way are generated: `vault-sealed` opens the manager's
 * unseal wait (several status passes), `vault-unsealed` ends the unseal. The
 * progress and rejection milestones sit inside a burst of unseal calls a few
 * ms apart; a fault aimed there by hand is reported not hit when it comes late.
 */
export const UNSEAL_ITERATION_BASE = 7400;

interface UnsealFollowUp {
  name: string;
  fault: FaultSpec;
  afterCompletion: FaultSpec[];
  /** the milestones it is aimed at: unseal trouble only where an unseal is still to come */
  after: string[];
}

export const UNSEAL_MATRIX_EVENTS = ['vault-sealed', 'vault-unsealed'];

const UNSEAL_FOLLOW_UPS: UnsealFollowUp[] = [
  { name: 'kill-manager', fault: { kind: 'kill-process', targets: ['manager'] }, afterCompletion: [{ kind: 'delete-pod', targets: ['manager'] }], after: UNSEAL_MATRIX_EVENTS },
  { name: 'delete-manager', fault: { kind: 'delete-pod', targets: ['manager'] }, afterCompletion: [], after: UNSEAL_MATRIX_EVENTS },
  // Only the restarted server is sealed, so only its unseal calls meet these rules.
  { name: 'unseal-errors', fault: { kind: 'vault-trouble', targets: ['all-servers'], trouble: { path: 'sys/unseal', mode: 'error', count: 3 } }, afterCompletion: [], after: ['vault-sealed'] },
  { name: 'unseal-resets', fault: { kind: 'vault-trouble', targets: ['all-servers'], trouble: { path: 'sys/unseal', mode: 'reset', count: 2 } }, afterCompletion: [], after: ['vault-sealed'] },
  { name: 'unseal-delays', fault: { kind: 'vault-trouble', targets: ['all-servers'], trouble: { path: 'sys/unseal', mode: 'delay', count: 2, delayMs: 1500 } }, afterCompletion: [], after: ['vault-sealed'] },
];

export function unsealMatrix(): Scenario[] {
  const out: Scenario[] = [];
  const restart: FaultSpec = { kind: 'kill-process', targets: ['standby'] };
  for (const event of UNSEAL_MATRIX_EVENTS) {
    for (const follow of UNSEAL_FOLLOW_UPS.filter((f) => f.after.includes(event))) {
      const id = `U-${event}-${follow.name}`;
      out.push({
        id,
        family: 'unseal',
        description: `kill of a standby's process right after vault-rotated, then ${follow.name} right after its ${event}`,
        source: 'generated:unseal-matrix',
        iterations: 1,
        iterationBase: UNSEAL_ITERATION_BASE + out.length,
        seed: hash32('unseal-matrix', id),
        faults: [
          { trigger: { after: 'vault-rotated', offsetS: 0, occurrence: 1 }, fault: restart },
          { trigger: { after: event, offsetS: 0, occurrence: 1 }, fault: follow.fault },
        ],
        afterCompletion: follow.afterCompletion,
        timeoutS: PROCEDURE_TIMEOUT_S,
        settleS: SETTLE_S,
        invariants: [...FAULTED_INVARIANTS],
        tags: ['unseal', `after:${event}`],
      });
    }
  }
  return out;
}
