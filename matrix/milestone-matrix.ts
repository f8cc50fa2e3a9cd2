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
