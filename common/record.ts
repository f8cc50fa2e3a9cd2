/**
 * The run record: everything one scenario iteration observed, self-contained
 * so that `rekey-chaos recheck DIR` can re-run the invariants with no cluster
 * and `reports/` can render it. Contains fingerprints only — never a shard
 * value or a token.
 *
 * Written by harness/run as `<run dir>/record.json`; logs beside it as
 * `<run dir>/logs/<pod>.log`.
 */
import type { FaultPlan, InvariantId, Scenario } from './scenario.js';
import type { SetPrefix } from './secrets.js';
import type { ManagerKind } from './milestones.js';

export type Backend = 'embedded' | 'kind' | 'kubeconfig';

export interface TimelineEvent {
  t: number; // epoch ms (common/clock.ts nowMs), monotonic within the record
  name: string; // a milestone event (common/milestones.ts), or `fault:<index>` / `runner:<what>`
  source: 'secret' | 'vault-poll' | 'vault-feed' | 'fault' | 'runner';
  detail?: Record<string, unknown>;
}

/**
 * When the event happened, as far as the record knows: a secret event's commit instant on the API
 * server (`detail.committedAt`, where the backend records one) rather than when the harness received
 * it, so a late watch cannot reorder secret events against the Vault double's feed. Both are nowMs().
 */
export function eventInstant(e: Pick<TimelineEvent, 't' | 'detail'>): number {
  const committedAt = e.detail?.['committedAt'];
  return typeof committedAt === 'number' ? committedAt : e.t;
}

export type SetState = 'absent' | 'partial' | 'complete';

export interface SetSnapshot {
  state: SetState;
  /** indices present (0..4) */
  present: number[];
  /** shard fingerprints by index (common/fingerprint.ts), for present indices */
  shardFps: Record<number, string>;
  /** key fingerprint of the combined key from the first three present shards, when ≥ 3 present */
  keyFp?: string;
  /** false when some 3-of-5 subset combines to a different key (only computed when complete) */
  consistent?: boolean;
  /** indices whose secret exists but whose strdata does not parse as a shard (such a set is never complete) */
  unparsable?: number[];
  /** for each unparsable index, what the harness's strict reader (common/strict-shard.ts) found wrong */
  unparsableReasons?: Record<number, string>;
}

/** One custody ledger entry: the state of all three sets at an instant (recorded at every change). */
export interface CustodyEntry {
  /** when the harness learned of the change (the watch event's arrival, or the list's) */
  t: number;
  /**
   * When the API server committed it (embedded: its commit feed, the clock the
   * key feed uses); absent where the backend has no commit feed and for changes
   * derived after a watch gap. Exact I1 orders by this when present.
   */
  committedAt?: number;
  cause: string; // the secret event that changed it
  sets: Record<SetPrefix, SetSnapshot>;
}

/** The Vault double's harness-only feed of which key is in effect (embedded only). */
export interface KeyInEffect {
  t: number;
  keyFp: string;
  /** per server, the key that server would need to unseal now (differs for a server that was down during a rotation) */
  servers?: Record<string, string>;
}

export interface SubsetCheck {
  indices: number[];
  ok: boolean;
}

/** An independent audit of a shard set through Vault's API (not the manager's word). */
export interface SetAudit {
  t: number;
  prefix: SetPrefix | 'initial';
  keyFp?: string;
  /** how: rekey-init audit (no token minted) or generate-root */
  method: 'rekey-audit' | 'generate-root';
  /** did the set authenticate as the key Vault uses now */
  current: boolean;
  /** I7: all ten 3-of-5 subsets */
  subsets?: SubsetCheck[];
  error?: string;
}

/** A key's seal configuration, as `sys/seal-status` reports it: `n` shares, `t` threshold. */
export interface SealPolicy {
  shares: number;
  threshold: number;
}

/** One reading of `sys/seal-status` on the active server. */
export interface PolicyReading extends SealPolicy {
  t: number;
}

/** One subset of the final cluster-key, one share smaller than the threshold, put to Vault as a rekey-init audit. */
export interface BelowThresholdTrial {
  indices: number[];
  /** Vault completed authentication with these shares alone: they would unseal */
  authenticated: boolean;
}

/**
 * The evidence for I9 (policy preserved), gathered through Vault's API by
 * harness/vault-client/policy-audit.ts: the seal configuration before the
 * request and after settling, and every (threshold − 1)-subset of the final
 * cluster-key tried against Vault.
 */
export interface PolicyAudit {
  before?: PolicyReading;
  after?: PolicyReading;
  belowThreshold?: { t: number; size: number; trials: BelowThresholdTrial[] };
  /** why a part could not be gathered (no active server, a rekey already running, an unexpected answer) */
  error?: string;
}

export interface ServerState {
  pod: string;
  node?: string;
  ip?: string;
  sealed?: boolean;
  active?: boolean;
  initialized?: boolean;
  reachable: boolean;
}

export interface ServiceSample {
  t: number;
  servers: ServerState[];
}

export interface InjectedFault {
  index: number; // PlannedFault.index, or -1 for after-completion cleanup
  kind: string;
  target: string; // resolved: pod or node name(s)
  targetSpec: string;
  trigger: string; // the milestone or time it waited for
  triggeredAt?: number; // when the trigger event was observed
  appliedAt?: number; // when the fault was applied
  /** the fault landed where it aimed: before the next milestone event after its trigger, on an existing target */
  landed: boolean;
  missReason?: string;
  nextMilestone?: { name: string; t: number };
  /** the milestone gate that held the cluster at the trigger (embedded backend), when one was armed */
  gate?: GateRecord;
  /** vault-trouble: each rule armed, and how many requests it acted on (a rule that never bit shows 0) */
  trouble?: TroubleEffect[];
}

/**
 * One vault-trouble rule as the runner found it once the procedure was over
 * (read, then removed). `applied` counts the requests it failed, reset or
 * delayed; missing with `error` when the rule could not be read (its server
 * restarted, which takes the rule with it).
 */
export interface TroubleEffect {
  server: string;
  rule: string;
  applied?: number;
  remaining?: number;
  error?: string;
}

/**
 * A milestone gate as the runner saw it (harness/backends/embedded-gates.ts): armed
 * before the request, closed by the milestone, released once the fault was
 * applied (or expired after maxHoldMs). A gated fault landed when it was
 * applied while its gate held the cluster.
 */
export interface GateRecord {
  milestone: string;
  kind: 'kubernetes' | 'vault';
  /** the gate ids on the API server or on each Vault server */
  ids: string[];
  maxHoldMs: number;
  /** the last state read: released by the harness, expired on its own, still armed (never closed), or unknown (unreachable) */
  state: 'armed' | 'closed' | 'released' | 'expired' | 'unknown';
  closedAt?: number;
  releasedAt?: number;
  /** requests held at the gate, and those dropped because their client went away */
  held: number;
  dropped: number;
  /** Vault gates: the server whose event closed it */
  server?: string;
  /** why the gate could not be armed, read or released (the fault then ran on plain timing) */
  error?: string;
}

export type InvariantStatus = 'passed' | 'failed' | 'skipped';

export interface InvariantResult {
  id: InvariantId;
  status: InvariantStatus;
  message: string;
  /** the instant of the violation, when there is one */
  at?: number;
  evidence: Record<string, unknown>;
}

export type Outcome = 'passed' | 'failed' | 'not-hit' | 'timeout' | 'environment-error';

export interface RunRecord {
  version: 1;
  runId: string; // unique per iteration run
  scenario: Scenario;
  plan: FaultPlan;
  backend: Backend;
  manager: string; // 'reference' or a chart/image spec
  /**
   * Which procedure the manager implements (common/milestones.ts
   * `managerKindOf(manager)`), for I8's table. Absent in older records: I8
   * derives it from `manager`.
   */
  managerKind?: ManagerKind;
  defect?: string;
  startedAt: number;
  requestedAt?: number;
  completedAt?: number;
  /**
   * Added to plan.timeoutMs for the completion wait and I5's bound when the plan
   * restarts processes: start-up is not scaled by the time scale (harness/run/completion.ts).
   * Absent in older records: 0.
   */
  completionAllowanceMs?: number;
  /**
   * Set when the runner stopped waiting for completion before the bound because
   * nothing moved (harness/run/stall.ts): when it decided, the last sign of
   * progress, and the quiet time it requires. Only where stall detection was on.
   */
  stalled?: { at: number; lastProgressAt: number; quietMs: number };
  endedAt: number;
  timeline: TimelineEvent[];
  ledger: CustodyEntry[];
  keyFeed: KeyInEffect[] | null; // null where the backend has no feed (kind, kubeconfig)
  service: ServiceSample[];
  audits: SetAudit[];
  faults: InjectedFault[];
  /** the initial cluster-key fingerprint and root token fingerprint, taken before the request */
  initial: { keyFp?: string; rootTokenFp?: string };
  /** I9's evidence; absent in records from before it existed (I9 then cannot be shown) */
  policy?: PolicyAudit;
  /** the settled end state: secret names present, root token works */
  final: { secrets: string[]; rootTokenWorks?: boolean; servers: ServerState[] };
  /** log files, relative to the run dir */
  logs: Record<string, string>;
  /** manager log lines at WARNING or ERROR (already redacted) for I6 */
  managerProblems: string[];
  /** why the manager's log could not be read (a backend without the collectLogs capability); I6 is then not checked */
  logsUnavailable?: string;
  invariants: InvariantResult[];
  outcome: Outcome;
  error?: string;
  replay: string; // the one-line replay command
}

/** Where the runner reports results; implemented by reports/ (Allure) and the terminal summary. */
export interface ResultSink {
  runStarted?(info: { total: number; backend: Backend; manager: string; defect?: string; seed?: number }): void | Promise<void>;
  iterationStarted?(info: { scenario: Scenario; plan: FaultPlan; index: number; total: number }): void | Promise<void>;
  /** live progress: a milestone observed or a fault injected */
  progress?(event: TimelineEvent): void;
  iterationFinished(record: RunRecord, runDir: string): void | Promise<void>;
  runFinished?(): void | Promise<void>;
}
