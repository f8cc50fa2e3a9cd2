/** Small synthetic run records for the bench's pure functions (no cluster). */
import type { InjectedFault, Outcome, RunRecord, TimelineEvent } from '../../common/record.js';
import type { PlannedFault, Scenario } from '../../common/scenario.js';

export interface RecordShape {
  scenario?: string;
  family?: string;
  iteration?: number;
  startedAt?: number;
  /** ms after start */
  wallMs: number;
  requestAfterMs?: number;
  completeAfterMs?: number;
  settledAfterMs?: number;
  outcome?: Outcome;
  planned?: PlannedFault[];
  faults?: InjectedFault[];
  failed?: string[];
}

export function record(shape: RecordShape): RunRecord {
  const start = shape.startedAt ?? 1_000_000;
  const scenario: Scenario = {
    id: shape.scenario ?? 'F2',
    family: shape.family ?? 'F2',
    description: 'fixture',
    source: 'generated:fixture',
    iterations: 60,
    iterationBase: 0,
    seed: 1,
    faults: [],
    afterCompletion: [],
    timeoutS: 600,
    settleS: 30,
    invariants: [],
  };
  const timeline: TimelineEvent[] = [];
  if (shape.requestAfterMs !== undefined) timeline.push({ t: start + shape.requestAfterMs, name: 'runner:requested', source: 'runner' });
  if (shape.settledAfterMs !== undefined) timeline.push({ t: start + shape.settledAfterMs, name: 'runner:settled', source: 'runner' });
  return {
    version: 1,
    runId: `${scenario.id}-${shape.iteration ?? 0}`,
    scenario,
    plan: { scenarioId: scenario.id, iteration: shape.iteration ?? 0, requestId: 'r', seed: 1, timescale: 0.02, faults: shape.planned ?? [], afterCompletion: [], timeoutMs: 12_000, settleMs: 600 },
    backend: 'embedded',
    manager: 'reference',
    startedAt: start,
    ...(shape.requestAfterMs !== undefined ? { requestedAt: start + shape.requestAfterMs } : {}),
    ...(shape.completeAfterMs !== undefined ? { completedAt: start + shape.completeAfterMs } : {}),
    endedAt: start + shape.wallMs,
    timeline,
    ledger: [],
    keyFeed: null,
    service: [],
    audits: [],
    faults: shape.faults ?? [],
    initial: {},
    final: { secrets: [], servers: [] },
    logs: {},
    managerProblems: [],
    invariants: (shape.failed ?? []).map((id) => ({ id: id as 'I1', status: 'failed' as const, message: 'fixture', evidence: {} })),
    outcome: shape.outcome ?? 'passed',
    replay: '',
  };
}

export const killAfter = (after: string, offsetMs = 0): PlannedFault => ({ index: 0, trigger: { after, offsetMs, occurrence: 1 }, fault: { kind: 'kill-process', targets: ['manager'] }, targetSeed: 1 });
export const killAt = (atMs: number): PlannedFault => ({ index: 0, trigger: { atMs }, fault: { kind: 'kill-process', targets: ['manager'] }, targetSeed: 1 });

export function applied(trigger: string, triggeredAt: number, appliedAt: number | undefined, kind = 'kill-process'): InjectedFault {
  return { index: 0, kind, target: 'sva-vault-manager-0', targetSpec: 'manager', trigger, triggeredAt, ...(appliedAt !== undefined ? { appliedAt } : {}), landed: appliedAt !== undefined };
}
