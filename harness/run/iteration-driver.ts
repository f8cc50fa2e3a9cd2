/**
 * What the runner needs from a deployed cluster for one iteration, as one
 * narrow interface. The real implementation (deployed-cluster.ts) composes the
 * backend, the Kubernetes API, the observers of harness/observe, the Vault
 * client and the checkers; tests of the run loop use a fake. Steps follow one
 * iteration of the original test plan (leftover check, request, fault,
 * completion, settle) plus the harness's observation, audits and checks.
 */
import type { PolicyAudit } from '../../common/record.js';
import type { CustodyEntry, InvariantResult, KeyInEffect, Outcome, RunRecord, ServerState, ServiceSample, SetAudit } from '../../common/record.js';
import type { FaultSpec } from '../../common/scenario.js';
import type { FaultApplication } from '../faults/inject.js';
import type { CollectedLogs, MilestoneGates } from '../backends/backend.js';
import type { TimelineSource } from './timeline-source.js';

/** The state before the request. `secretValues` stays in memory only (for the audits and the leak scan). */
export interface InitialState {
  keyFp?: string;
  rootTokenFp?: string;
  /** opaque to the runner: the initial shards etc., needed by the audit of the old key */
  private: unknown;
  /** every secret value of this iteration known so far (hex/base64 shard strings, tokens): never written */
  secretValues: string[];
}

export interface Observation {
  timeline: TimelineSource;
  ledger(): CustodyEntry[];
  keyFeed(): KeyInEffect[] | null;
  service(): ServiceSample[];
  /** the final shards etc. seen by the watch (for the leak scan) */
  secretValues(): string[];
  /** stops every observer (idempotent); disposing the observation does the same */
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export interface AuditResult {
  audits: SetAudit[];
  rootTokenWorks?: boolean;
  /** procedure secret names present at the end */
  secrets: string[];
  secretValues: string[];
  /** I9's evidence: seal policy before and after, and the below-threshold tries */
  policy?: PolicyAudit;
}

export type { CollectedLogs };

export interface SettleOptions {
  /** wait at most settleMs, without the driver's start-up floor (a stalled iteration: every pod has long been ready) */
  exact?: boolean;
}

export interface IterationDriver {
  /** rekey artefacts present before the request (the original plan stops on them) */
  leftovers(): Promise<string[]>;
  /** delete the given artefact secrets */
  removeLeftovers(names: string[]): Promise<void>;
  /** Vault healthy and `cluster-key` complete; throws EnvironmentError when not */
  initial(): Promise<InitialState>;
  /** start the secret watch, the poller, the feed tailer and the ledger */
  observe(signal: AbortSignal): Promise<Observation>;
  /** create `cluster-rekey-request` with the id; returns when the API accepted it */
  requestRekey(requestId: string): Promise<number>;
  applyFault(fault: FaultSpec, targetSeed: number, timescale: number): Promise<FaultApplication>;
  /** the backend's milestone gates, absent where the cluster has none (gating.ts) */
  readonly gates?: MilestoneGates;
  /** when the cluster's pods last changed, undefined while a container is not running (stall.ts); absent: stalls are never called */
  podsQuietSince?(): number | undefined;
  /** resolves true at `rekey-complete`, false at the deadline */
  awaitCompletion(observation: Observation, timeoutMs: number, signal: AbortSignal): Promise<boolean>;
  /** until all servers unsealed and exactly one active, bounded by settleMs */
  settle(settleMs: number, signal: AbortSignal, options?: SettleOptions): Promise<{ settled: boolean; servers: ServerState[] }>;
  audit(initial: InitialState): Promise<AuditResult>;
  collectLogs(runDir: string, since: number): Promise<CollectedLogs>;
  /** I1–I7 over the record (harness/invariants), and the outcome they imply */
  evaluate(record: RunRecord): { invariants: InvariantResult[]; outcome: Outcome };
  /** bring the cluster back to a clean deployed state after an iteration broke it; false if it cannot */
  recover(): Promise<boolean>;
}

/** A deployed cluster the runner can iterate on; disposing it tears down what was started (idempotent). */
export interface OpenCluster extends AsyncDisposable {
  driver: IterationDriver;
  [Symbol.asyncDispose](): Promise<void>;
}

/** A cluster whose owner tears it down itself (a session reusing one cluster for many runs): disposing it does nothing. */
export function borrowedCluster(driver: IterationDriver): OpenCluster {
  return { driver, [Symbol.asyncDispose]: async () => undefined };
}
