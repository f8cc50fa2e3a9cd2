/**
 * The steps of one iteration's Allure result, in the order a reviewer reads
 * them: deploy, request, the procedure (every milestone and fault on one
 * clock, with its offset from the request), completion, then each invariant
 * with its evidence attached. Steps carry the record's own timestamps, not
 * the time the report was written.
 */
import { ContentType, Status, type Parameter, type StatusDetails } from 'allure-js-commons';
import type { ReporterRuntime } from 'allure-js-commons/sdk/reporter';
import type { InjectedFault, InvariantResult, RunRecord, TimelineEvent } from '../../common/record.js';
import { redact } from '../../common/redact.js';
import { offsetText } from './mapping.js';

interface StepSpec {
  name: string;
  start: number;
  stop: number;
  status: Status;
  details?: StatusDetails;
  parameters?: Parameter[];
}

class StepWriter {
  constructor(
    private readonly rt: ReporterRuntime,
    private readonly testId: string,
  ) {}

  /** Writes a step (with optional children / attachments written by `inside`) under `parent` (null = the test). */
  step(parent: string | null, spec: StepSpec, inside?: (stepId: string) => void): void {
    const id = this.rt.startStep(this.testId, parent, { name: redact(spec.name), start: spec.start, parameters: spec.parameters ?? [] });
    if (!id) throw new Error(`allure: could not start step ${spec.name}`);
    inside?.(id);
    this.rt.updateStep(id, (s) => {
      s.status = spec.status;
      if (spec.details) s.statusDetails = spec.details;
    });
    this.rt.stopStep(id, { stop: spec.stop });
  }

  attachJson(parent: string, name: string, value: unknown): void {
    this.rt.writeAttachment(this.testId, parent, name, Buffer.from(redact(JSON.stringify(value, null, 2))), { contentType: ContentType.JSON, fileExtension: '.json' });
  }
}

function faultStep(record: RunRecord, f: InjectedFault, at: number): StepSpec {
  const target = f.target || f.targetSpec;
  const when = f.appliedAt !== undefined ? ` at ${offsetText(record, f.appliedAt)}` : ' (not applied)';
  const parameters: Parameter[] = [
    { name: 'target', value: target },
    { name: 'target spec', value: f.targetSpec },
    { name: 'trigger', value: f.trigger },
    { name: 'landed', value: String(f.landed) },
  ];
  if (f.triggeredAt !== undefined) parameters.push({ name: 'trigger seen', value: offsetText(record, f.triggeredAt) });
  if (f.nextMilestone) parameters.push({ name: 'next milestone', value: `${f.nextMilestone.name} at ${offsetText(record, f.nextMilestone.t)}` });
  return {
    name: `fault #${f.index} ${f.kind} → ${target} after ${f.trigger}${when}: ${f.landed ? 'landed' : 'did not land'}`,
    start: at,
    stop: at,
    status: f.landed ? Status.PASSED : Status.SKIPPED,
    details: f.landed ? undefined : { message: f.missReason ?? 'missed its window' },
    parameters,
  };
}

function milestoneStep(record: RunRecord, e: TimelineEvent): StepSpec {
  const parameters: Parameter[] = [{ name: 'source', value: e.source }];
  for (const [k, v] of Object.entries(e.detail ?? {})) parameters.push({ name: k, value: typeof v === 'string' ? v : JSON.stringify(v) });
  return { name: `${e.name} at ${offsetText(record, e.t)}`, start: e.t, stop: e.t, status: Status.PASSED, parameters };
}

function invariantStatus(inv: InvariantResult): Status {
  return inv.status === 'passed' ? Status.PASSED : inv.status === 'failed' ? Status.FAILED : Status.SKIPPED;
}

export function writeSteps(rt: ReporterRuntime, testId: string, record: RunRecord): void {
  const w = new StepWriter(rt, testId);
  const requestAt = record.requestedAt ?? record.startedAt;
  const endAt = record.endedAt;

  w.step(null, { name: `deploy (${record.backend}, manager ${record.manager}${record.defect ? `, defect ${record.defect}` : ''})`, start: record.startedAt, stop: requestAt, status: record.requestedAt !== undefined ? Status.PASSED : Status.BROKEN });
  if (record.requestedAt !== undefined) w.step(null, { name: `request rekey (${record.plan.requestId})`, start: requestAt, stop: requestAt, status: Status.PASSED });

  // Milestones and faults on one clock: faults come from record.faults (they know whether they landed); the timeline's `fault:` events duplicate them.
  type Item = { t: number; spec: StepSpec };
  const items: Item[] = record.timeline.filter((e) => e.source !== 'fault').map((e) => ({ t: e.t, spec: milestoneStep(record, e) }));
  for (const f of record.faults) {
    const t = f.appliedAt ?? f.triggeredAt ?? endAt;
    items.push({ t, spec: faultStep(record, f, t) });
  }
  items.sort((a, b) => a.t - b.t);
  const procedureEnd = record.completedAt ?? endAt;
  w.step(null, { name: `procedure: ${record.timeline.filter((e) => e.source !== 'fault' && e.source !== 'runner').length} milestones, ${record.faults.length} faults`, start: requestAt, stop: procedureEnd, status: Status.PASSED }, (id) => {
    for (const item of items) w.step(id, item.spec);
  });

  if (record.completedAt !== undefined) {
    w.step(null, { name: `rekey complete at ${offsetText(record, record.completedAt)}`, start: record.completedAt, stop: record.completedAt, status: Status.PASSED });
  } else {
    const broken = record.outcome === 'timeout' || record.outcome === 'environment-error';
    w.step(null, { name: `rekey did not complete (${record.outcome})`, start: procedureEnd, stop: procedureEnd, status: broken ? Status.BROKEN : Status.SKIPPED, details: record.error ? { message: redact(record.error) } : undefined });
  }

  w.step(null, { name: 'invariants', start: procedureEnd, stop: endAt, status: record.invariants.some((i) => i.status === 'failed') ? Status.FAILED : Status.PASSED }, (id) => {
    for (const inv of record.invariants) {
      const at = inv.at ?? endAt;
      const when = inv.at !== undefined ? ` at ${offsetText(record, inv.at)}` : '';
      w.step(
        id,
        { name: `${inv.id} ${inv.status}${when}: ${inv.message}`, start: at, stop: at, status: invariantStatus(inv), details: inv.status === 'failed' ? { message: redact(inv.message) } : undefined },
        (stepId) => w.attachJson(stepId, `${inv.id} evidence`, { id: inv.id, status: inv.status, message: inv.message, at: inv.at, atOffset: inv.at !== undefined ? offsetText(record, inv.at) : undefined, evidence: inv.evidence }),
      );
    }
  });
}
