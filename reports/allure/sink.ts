/**
 * The Allure results writer: a `ResultSink` that turns every finished run
 * record into one Allure test result (labels, parameters, steps,
 * attachments, status) in `resultsDir`, plus `categories.json`,
 * `environment.properties` and `executor.json`. The runner (harness/run)
 * calls it; the `run` CLI constructs it with `createAllureSink`.
 */
import { mkdirSync } from 'node:fs';
import { arch, platform } from 'node:os';
import { FileSystemWriter, ReporterRuntime } from 'allure-js-commons/sdk/reporter';
import type { Backend, ResultSink, RunRecord } from '../../common/record.js';
import { redact } from '../../common/redact.js';
import { writeAttachments } from './attachments.js';
import { writeExecutor } from './executor.js';
import { CATEGORIES, descriptionHtmlOf, descriptionOf, fullNameOf, labelsOf, parametersOf, statusOf, testNameOf } from './mapping.js';
import { writeSteps } from './steps.js';
import { renderTimelineSvg } from '../svg/timeline.js';

export interface AllureSinkOptions {
  /** default `out/allure-results` (the CLI passes `--results`) */
  resultsDir: string;
  /** extra `environment.properties` entries (e.g. kind version, chart) */
  environment?: Record<string, string>;
}

/** Writes one iteration's result; exported for `recheck` and tests that render a saved record. */
export function writeRecordResult(rt: ReporterRuntime, record: RunRecord, runDir: string): string {
  const id = rt.startTest({
    name: testNameOf(record),
    fullName: fullNameOf(record),
    titlePath: ['rekey-chaos', record.scenario.family, record.scenario.id],
    labels: labelsOf(record),
    parameters: parametersOf(record),
    description: descriptionOf(record),
    descriptionHtml: descriptionHtmlOf(record, renderTimelineSvg(record)),
    start: record.startedAt,
  });
  writeSteps(rt, id, record);
  writeAttachments(rt, id, record, runDir);
  const { status, details } = statusOf(record);
  rt.updateTest(id, (t) => {
    t.status = status;
    t.statusDetails = details;
  });
  rt.stopTest(id, { stop: record.endedAt });
  rt.writeTest(id);
  return id;
}

export class AllureSink implements ResultSink {
  private readonly rt: ReporterRuntime;
  private readonly environment: Record<string, string>;
  private metaWritten = false;

  constructor(readonly options: AllureSinkOptions) {
    mkdirSync(options.resultsDir, { recursive: true });
    this.environment = {
      'rekey-chaos': '0.1.0',
      node: process.version,
      os: `${platform()} ${arch()}`,
      ...(options.environment ?? {}),
    };
    this.rt = new ReporterRuntime({ writer: new FileSystemWriter({ resultsDir: options.resultsDir }), categories: CATEGORIES, environmentInfo: this.environment });
  }

  runStarted(info: { total: number; backend: Backend; manager: string; defect?: string; seed?: number }): void {
    this.environment.backend = info.backend;
    this.environment.manager = info.manager;
    this.environment.defect = info.defect ?? 'none';
    if (info.seed !== undefined) this.environment.seed = String(info.seed);
    this.environment.iterations = String(info.total);
    this.writeMeta();
  }

  iterationFinished(record: RunRecord, runDir: string): void {
    // Written before the first result too, so a run cut short still leaves a readable results dir.
    if (!this.metaWritten) {
      this.environment.backend ??= record.backend;
      this.environment.manager ??= record.manager;
      this.writeMeta();
    }
    writeRecordResult(this.rt, record, runDir);
  }

  runFinished(): void {
    this.writeMeta();
  }

  private writeMeta(): void {
    for (const [k, v] of Object.entries(this.environment)) this.environment[k] = redact(v);
    this.rt.writeEnvironmentInfo();
    this.rt.writeCategoriesDefinitions();
    writeExecutor(this.options.resultsDir);
    this.metaWritten = true;
  }
}

export function createAllureSink(options: AllureSinkOptions): AllureSink {
  return new AllureSink(options);
}
