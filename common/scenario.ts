/**
 * The in-memory form of a scenario (what a YAML file under `scenarios/` or a
 * generator in `matrix/` produces after validation) and of a fault plan (a
 * scenario iteration with every random choice made). Owned by `matrix/`
 * (parsing, validation); consumed by `harness/run` and `reports/`.
 */

export type FaultKind = 'delete-pod' | 'kill-process' | 'node-loss' | 'vault-trouble';

/**
 * `vault-trouble`: the next `count` client requests on an API path prefix of
 * each target server misbehave, as a transient failure would (docs/scenarios.md).
 * `error` answers 500, `reset` resets the connection unanswered, `delay` holds
 * the request `delayMs` (wall-clock milliseconds, not scaled: it stands for
 * a slow server, measured against the manager's own request timeouts).
 */
export const TROUBLE_MODES = ['error', 'reset', 'delay'] as const;
export type TroubleMode = (typeof TROUBLE_MODES)[number];
/** API paths under `sys/`, matched as a prefix (`sys/unseal`, `sys/rekey/`; a trailing `*` is allowed). */
export const TROUBLE_PATH_PATTERN = /^sys\/[A-Za-z0-9/_-]+\*?$/;
export const MAX_TROUBLE_COUNT = 1000;
export const MAX_TROUBLE_DELAY_MS = 120_000;

/** Request methods a trouble rule may be limited to (POST is Vault's PUT). */
export const TROUBLE_METHODS = ['GET', 'PUT', 'DELETE'] as const;
export type TroubleMethod = (typeof TROUBLE_METHODS)[number];

export interface VaultTroubleSpec {
  path: string;
  mode: TroubleMode;
  count: number;
  /** delay mode only */
  delayMs?: number;
  /** only these methods misbehave (default all): e.g. PUT, so the harness's own status reads of the same path pass */
  methods?: TroubleMethod[];
}

/**
 * Target grammar (resolved at injection time with the iteration's seeded
 * random source): `active`, `standby` (a random standby), `random-server`,
 * `all-servers`, `manager`, `server:<ordinal>`, `node:<node-name>`,
 * `node-of:active` (the node hosting the active server).
 */
export type TargetSpec = string;

export type Trigger =
  | { after: string; offsetS?: number; occurrence?: number } // milestone event (common/milestones.ts)
  | { atS: number } // procedure seconds after the request, scaled by the time scale
  | { sweep: true }; // the original matrix's k.rr-second sweep: k = position in the loop, rr random

export interface FaultSpec {
  kind: FaultKind;
  targets: TargetSpec[]; // several targets = one combined fault (e.g. manager + active)
  /** delete-pod only: grace seconds; undefined = the pod's default; 0 = force. */
  graceS?: number;
  /** kill-process with `random-subset`: the original F8 picks 1–4 of {manager, each server}. */
  randomSubset?: boolean;
  /** node-loss only: how long the node stays down, procedure seconds. */
  downS?: number;
  /** vault-trouble only: what misbehaves on each target server. */
  trouble?: VaultTroubleSpec;
}

export interface ScheduledFault {
  trigger: Trigger;
  fault: FaultSpec;
}

export interface Scenario {
  id: string;
  family: string; // F1..F10, "milestone", "explore", "regression"
  description: string;
  /** Where it came from, for error messages and the report: a file path or `generated:<generator>`. */
  source: string;
  iterations: number;
  /** First iteration number; iteration i gets request id iterationRequestId(iterationBase + i). */
  iterationBase: number;
  seed: number;
  faults: ScheduledFault[];
  /** Cleanup faults applied after completion (F8–F10 delete every pod to clear back-off). */
  afterCompletion: FaultSpec[];
  /** Procedure seconds (scaled by the time scale). */
  timeoutS: number;
  settleS: number;
  invariants: InvariantId[];
  /**
   * The seal configuration the rekey must end with (I9). Absent: the one
   * Vault had before the request (a rekey does not change the policy).
   */
  expectedPolicy?: { shares: number; threshold: number };
  /** Options passed through to the cluster (Vault double switches) and the manager. */
  cluster?: Record<string, unknown>;
  manager?: Record<string, unknown>;
  tags?: string[];
}

export type InvariantId = 'I1' | 'I2' | 'I3' | 'I4' | 'I5' | 'I6' | 'I7' | 'I8' | 'I9' | 'I10';
export const ALL_INVARIANTS: InvariantId[] = ['I1', 'I2', 'I3', 'I4', 'I5', 'I6', 'I7', 'I8', 'I9', 'I10'];
/**
 * Checked whatever a scenario's `invariants:` lists: the family files were
 * written before these existed, and a check that decides for itself when it
 * applies (I8: fault-free runs) or that every run must pass (I9, I10) must not be skipped by omission.
 */
export const ALWAYS_CHECKED: InvariantId[] = ['I8', 'I9', 'I10'];

/** One fault of a plan with every random choice made, except target resolution to a pod (done at injection). */
export interface PlannedFault {
  index: number;
  trigger: { after: string; offsetMs: number; occurrence: number } | { atMs: number };
  fault: FaultSpec;
  /** Seed for target resolution at injection time. */
  targetSeed: number;
}

/** A scenario iteration fully determined: scenario id + iteration + seed ⇒ this plan, byte for byte. */
export interface FaultPlan {
  scenarioId: string;
  iteration: number; // 0-based position in the scenario's loop
  requestId: string;
  seed: number;
  timescale: number;
  faults: PlannedFault[];
  afterCompletion: FaultSpec[];
  timeoutMs: number;
  settleMs: number;
}
