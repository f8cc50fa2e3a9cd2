/**
 * JUnit XML for CI systems that want one: a testsuite per family, a testcase
 * per iteration. failed → <failure>, timeout / environment error → <error>,
 * not hit → <skipped>. The replay command goes in <system-out>.
 */
import type { RunRecord } from '../../common/record.js';
import { redact } from '../../common/redact.js';

/** XML-escapes text and drops characters XML 1.0 cannot carry at all. */
export function xmlText(text: string): string {
  return redact(text)
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

function secondsOf(r: RunRecord): string {
  return ((r.endedAt - r.startedAt) / 1000).toFixed(3);
}

function testcase(r: RunRecord): string {
  const name = `${r.scenario.id} #${r.plan.iteration}`;
  const open = `    <testcase classname="${xmlText(`rekey-chaos.${r.scenario.family}.${r.scenario.id}`)}" name="${xmlText(name)}" time="${secondsOf(r)}">`;
  const body: string[] = [];
  const failed = r.invariants.filter((i) => i.status === 'failed');
  switch (r.outcome) {
    case 'failed': {
      const message = failed.map((i) => `${i.id}: ${i.message}`).join('; ') || 'invariant failed';
      const detail = failed.map((i) => `${i.id}${i.at !== undefined ? ` at ${new Date(i.at).toISOString()}` : ''}: ${i.message}\n${JSON.stringify(i.evidence, null, 2)}`).join('\n\n');
      body.push(`      <failure type="invariant" message="${xmlText(message)}">${xmlText(detail)}</failure>`);
      break;
    }
    case 'timeout':
      body.push(`      <error type="timeout" message="${xmlText(r.error ?? 'the rekey did not complete in time')}"/>`);
      break;
    case 'environment-error':
      body.push(`      <error type="environment" message="${xmlText(r.error ?? 'the environment failed')}"/>`);
      break;
    case 'not-hit':
      body.push(`      <skipped message="${xmlText(`fault did not land: ${r.faults.filter((f) => !f.landed).map((f) => f.missReason ?? `fault #${f.index}`).join('; ')}`)}"/>`);
      break;
    case 'passed':
      break;
  }
  body.push(`      <system-out>${xmlText(`replay: ${r.replay}\nrun id: ${r.runId}\nseed: ${r.plan.seed}\nbackend: ${r.backend}, manager: ${r.manager}${r.defect ? `, defect: ${r.defect}` : ''}`)}</system-out>`);
  return [open, ...body, '    </testcase>'].join('\n');
}

export function renderJunit(records: RunRecord[], name = 'rekey-chaos'): string {
  const families = new Map<string, RunRecord[]>();
  for (const r of records) {
    const list = families.get(r.scenario.family) ?? [];
    list.push(r);
    families.set(r.scenario.family, list);
  }
  const count = (rs: RunRecord[], ...outcomes: string[]) => rs.filter((r) => outcomes.includes(r.outcome)).length;
  const time = (rs: RunRecord[]) => rs.reduce((s, r) => s + (r.endedAt - r.startedAt) / 1000, 0).toFixed(3);
  const suites = [...families.entries()].map(([family, rs]) => {
    const ts = new Date(Math.min(...rs.map((r) => r.startedAt))).toISOString().replace(/\.\d+Z$/, '');
    return [
      `  <testsuite name="${xmlText(family)}" tests="${rs.length}" failures="${count(rs, 'failed')}" errors="${count(rs, 'timeout', 'environment-error')}" skipped="${count(rs, 'not-hit')}" time="${time(rs)}" timestamp="${ts}">`,
      ...rs.map(testcase),
      '  </testsuite>',
    ].join('\n');
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${xmlText(name)}" tests="${records.length}" failures="${count(records, 'failed')}" errors="${count(records, 'timeout', 'environment-error')}" skipped="${count(records, 'not-hit')}" time="${time(records)}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}
