/**
 * How a run record maps onto Allure's vocabulary: names, labels, parameters,
 * status and the categories that tell an invariant violation, a timeout, an
 * environment failure and a fault that did not land apart.
 */
import { hostname } from 'node:os';
import { LabelName, Severity, Status, type Label, type Parameter, type StatusDetails } from 'allure-js-commons';
import type { Category } from 'allure-js-commons/sdk';
import type { RunRecord } from '../../common/record.js';
import type { Trigger } from '../../common/scenario.js';
import { redact } from '../../common/redact.js';
import { escapeXml } from '../svg/timeline.js';

export const EPIC = 'Vault rekey';

/** Message prefixes the categories match on; keep in step with CATEGORIES. */
export const MESSAGE_PREFIX = {
  invariant: 'Invariant violated',
  timeout: 'Timeout',
  environment: 'Environment',
  notHit: 'Fault did not land',
} as const;

export const CATEGORIES: Category[] = [
  { name: 'Invariant violated', description: 'The procedure broke a safety or liveness invariant', matchedStatuses: [Status.FAILED], messageRegex: `${MESSAGE_PREFIX.invariant}.*` },
  { name: 'Timeout', description: 'The rekey did not complete within the scenario timeout', matchedStatuses: [Status.BROKEN], messageRegex: `${MESSAGE_PREFIX.timeout}.*` },
  { name: 'Environment', description: 'The cluster or a tool failed; says nothing about the manager', matchedStatuses: [Status.BROKEN], messageRegex: `${MESSAGE_PREFIX.environment}.*` },
  { name: 'Fault did not land', description: 'The fault missed its milestone window; the iteration tested nothing', matchedStatuses: [Status.SKIPPED], messageRegex: `${MESSAGE_PREFIX.notHit}.*` },
];

/** Offset from the request, for step names: `+1.234 s` / `+120 ms`. */
export function offsetText(record: RunRecord, t: number): string {
  const ms = t - (record.requestedAt ?? record.startedAt);
  const sign = ms < 0 ? '-' : '+';
  const abs = Math.abs(ms);
  return abs >= 1000 ? `${sign}${(abs / 1000).toFixed(3)} s` : `${sign}${Math.round(abs)} ms`;
}

/** Stable across runs (seed, time and backend excluded): the key of the trend history. */
export function fullNameOf(record: RunRecord): string {
  return `rekey-chaos/${record.scenario.family}/${record.scenario.id}#${record.plan.iteration}`;
}

export function testNameOf(record: RunRecord): string {
  return `${record.scenario.id} #${record.plan.iteration}`;
}

function triggerText(trigger: Trigger): string {
  if ('after' in trigger) return `after ${trigger.after}${trigger.offsetS ? ` +${trigger.offsetS}s` : ''}`;
  if ('atS' in trigger) return `at ${trigger.atS}s`;
  return 'sweep';
}

/** The story: the milestone or trigger the scenario aims its (first) fault at. */
export function storyOf(record: RunRecord): string {
  const first = record.scenario.faults[0];
  return first ? triggerText(first.trigger) : 'no fault';
}

function severityOf(record: RunRecord): Severity {
  if (record.scenario.family === 'regression') return Severity.BLOCKER; // a bug that was fixed once
  if (record.scenario.invariants.includes('I1')) return Severity.CRITICAL; // shard custody: losing it loses the vault
  return Severity.NORMAL;
}

export function labelsOf(record: RunRecord): Label[] {
  const labels: Label[] = [
    { name: LabelName.EPIC, value: EPIC },
    { name: LabelName.FEATURE, value: record.scenario.family },
    { name: LabelName.STORY, value: storyOf(record) },
    { name: LabelName.SEVERITY, value: severityOf(record) },
    { name: LabelName.PARENT_SUITE, value: 'rekey-chaos' },
    { name: LabelName.SUITE, value: record.scenario.family },
    { name: LabelName.SUB_SUITE, value: record.scenario.id },
    { name: LabelName.HOST, value: hostname() },
    { name: LabelName.FRAMEWORK, value: 'rekey-chaos' },
    { name: LabelName.LANGUAGE, value: 'typescript' },
  ];
  const tags = new Set<string>();
  for (const { fault } of record.scenario.faults) {
    tags.add(fault.kind);
    for (const target of fault.targets) tags.add(`target:${target}`);
  }
  for (const f of record.faults) if (f.target) tags.add(`hit:${f.target}`);
  for (const tag of record.scenario.tags ?? []) tags.add(tag);
  if (record.defect) tags.add(`defect:${record.defect}`);
  for (const tag of tags) labels.push({ name: LabelName.TAG, value: tag });
  return labels;
}

export function parametersOf(record: RunRecord): Parameter[] {
  // Excluded parameters change between runs of the same iteration and must not split its history.
  return [
    { name: 'iteration', value: record.plan.requestId },
    { name: 'backend', value: record.backend },
    { name: 'manager', value: record.manager },
    { name: 'defect', value: record.defect ?? 'none' },
    { name: 'seed', value: String(record.plan.seed), excluded: true },
    { name: 'time scale', value: String(record.plan.timescale), excluded: true },
    { name: 'run id', value: record.runId, excluded: true },
  ];
}

export function statusOf(record: RunRecord): { status: Status; details: StatusDetails } {
  const failed = record.invariants.filter((i) => i.status === 'failed');
  switch (record.outcome) {
    case 'passed':
      return { status: Status.PASSED, details: {} };
    case 'failed': {
      const ids = failed.map((i) => i.id).join(', ') || 'unknown';
      const lines = failed.map((i) => `${i.id}${i.at !== undefined ? ` at ${offsetText(record, i.at)}` : ''}: ${i.message}`);
      const trace = failed.map((i) => `${i.id} evidence:\n${JSON.stringify(i.evidence, null, 2)}`).join('\n\n');
      return { status: Status.FAILED, details: { message: redact(`${MESSAGE_PREFIX.invariant}: ${ids}\n${lines.join('\n')}`), trace: redact(trace) } };
    }
    case 'timeout':
      return { status: Status.BROKEN, details: { message: redact(`${MESSAGE_PREFIX.timeout}: ${record.error ?? 'the rekey did not complete in time'}`) } };
    case 'environment-error':
      return { status: Status.BROKEN, details: { message: redact(`${MESSAGE_PREFIX.environment}: ${record.error ?? 'the environment failed'}`) } };
    case 'not-hit': {
      const missed = record.faults.filter((f) => !f.landed).map((f) => `fault #${f.index} ${f.kind} → ${f.target || f.targetSpec}: ${f.missReason ?? 'missed its window'}`);
      return { status: Status.SKIPPED, details: { message: redact(`${MESSAGE_PREFIX.notHit}: ${missed.join('; ') || 'no fault landed'}`) } };
    }
  }
}

/**
 * The HTML description: the same text plus the timeline picture inline, so a
 * reviewer sees it on opening the result (attachments start collapsed).
 */
export function descriptionHtmlOf(record: RunRecord, timelineSvg: string): string {
  // Report viewers sanitize inline <svg> away; an <img> with a data: URI survives and still shows the picture.
  const src = `data:image/svg+xml;base64,${Buffer.from(timelineSvg).toString('base64')}`;
  return [
    `<p>${escapeXml(record.scenario.description)}</p>`,
    `<p>Source: <code>${escapeXml(record.scenario.source)}</code><br/>Outcome: <strong>${escapeXml(record.outcome)}</strong></p>`,
    `<p>Replay:</p><pre><code class="replay-command">${escapeXml(record.replay)}</code></pre>`,
    `<div class="timeline-picture" style="max-width:100%;overflow-x:auto"><img alt="timeline of ${escapeXml(record.scenario.id)} iteration ${record.plan.iteration}" src="${src}"/></div>`,
  ].join('\n');
}

export function descriptionOf(record: RunRecord): string {
  return [
    record.scenario.description,
    '',
    `Source: \`${record.scenario.source}\``,
    `Outcome: **${record.outcome}**`,
    '',
    'Replay:',
    '',
    '```',
    record.replay,
    '```',
  ].join('\n');
}
