/**
 * The test-level attachments of one iteration: what a reviewer opens to
 * understand it (timeline picture, fault plan, timeline, custody ledger,
 * logs, replay command). Everything textual goes through `redact()` on the
 * way out — the record holds fingerprints only, this catches mistakes.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ContentType } from 'allure-js-commons';
import type { ReporterRuntime } from 'allure-js-commons/sdk/reporter';
import type { RunRecord } from '../../common/record.js';
import { redact } from '../../common/redact.js';
import { renderTimelineSvg } from '../svg/timeline.js';

/** Logs longer than this are attached as their tail: the end is where runs go wrong. */
export const MAX_LOG_BYTES = 1024 * 1024;

export interface LogFile {
  name: string;
  text: string;
  truncated: boolean;
}

/** Reads the record's logs (paths relative to the run dir); missing files are reported by name, not thrown. */
export function readLogs(record: RunRecord, runDir: string): { logs: LogFile[]; missing: string[] } {
  const logs: LogFile[] = [];
  const missing: string[] = [];
  for (const [name, rel] of Object.entries(record.logs)) {
    const path = resolve(runDir, rel);
    if (!existsSync(path) || !statSync(path).isFile()) {
      missing.push(`${name} (${rel})`);
      continue;
    }
    const buf = readFileSync(path);
    const truncated = buf.length > MAX_LOG_BYTES;
    const text = (truncated ? buf.subarray(buf.length - MAX_LOG_BYTES) : buf).toString('utf8');
    logs.push({ name, text: redact(truncated ? `[… first ${buf.length - MAX_LOG_BYTES} bytes cut …]\n${text}` : text), truncated });
  }
  // manager first, then servers in name order
  logs.sort((a, b) => Number(b.name.includes('manager')) - Number(a.name.includes('manager')) || a.name.localeCompare(b.name));
  return { logs, missing };
}

export function writeAttachments(rt: ReporterRuntime, testId: string, record: RunRecord, runDir: string): void {
  const json = (name: string, value: unknown) =>
    rt.writeAttachment(testId, null, name, Buffer.from(redact(JSON.stringify(value, null, 2))), { contentType: ContentType.JSON, fileExtension: '.json' });
  const text = (name: string, value: string) => rt.writeAttachment(testId, null, name, Buffer.from(redact(value)), { contentType: ContentType.TEXT, fileExtension: '.txt' });

  rt.writeAttachment(testId, null, 'timeline.svg', Buffer.from(renderTimelineSvg(record)), { contentType: ContentType.SVG, fileExtension: '.svg' });
  text('replay command', `${record.replay}\n`);
  json('fault plan', record.plan);
  json('timeline', record.timeline);
  json('custody ledger (fingerprints)', record.ledger);
  if (record.keyFeed !== null) json('key in effect', record.keyFeed);
  json('audits', record.audits);
  json('faults injected', record.faults);
  json('final state', record.final);
  if (record.managerProblems.length > 0) text('manager warnings and errors', record.managerProblems.join('\n'));
  const { logs, missing } = readLogs(record, runDir);
  for (const log of logs) text(`${log.name} log${log.truncated ? ' (tail)' : ''}`, log.text);
  if (missing.length > 0) text('missing logs', `Listed in record.json but not found under ${join(runDir)}:\n${missing.join('\n')}\n`);
}
