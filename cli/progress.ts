/**
 * What `run` prints while it works: one line per finished iteration (id,
 * outcome, duration, faults, failed invariants) and, for each failure, its
 * replay command. On a terminal (and not in CI) a live status line shows
 * scenario i of N, elapsed time, the current milestone and faults injected.
 */
import type { ResultSink, RunRecord, TimelineEvent } from '../common/record.js';
import type { FaultPlan, Scenario } from '../common/scenario.js';
import { nowMs } from '../common/clock.js';
import { redact } from '../common/redact.js';

export interface Output {
  write(text: string): void;
}

/** Live display only on an interactive terminal outside CI. */
export function wantsLiveDisplay(stream: { isTTY?: boolean } = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && !env['CI'];
}

const OUTCOME_LABEL: Record<RunRecord['outcome'], string> = {
  passed: 'PASS',
  failed: 'FAIL',
  'not-hit': 'NOT-HIT',
  timeout: 'TIMEOUT',
  'environment-error': 'ENV-ERROR',
};

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

/** The one-line summary of a finished iteration. */
export function iterationLine(record: RunRecord, index?: number, total?: number): string {
  const where = index !== undefined && total !== undefined ? `[${index + 1}/${total}] ` : '';
  const faults = record.faults.filter((f) => f.index >= 0);
  const faultText = faults.length === 0 ? 'no faults' : faults.map((f) => `${f.kind} ${f.target}${f.landed ? '' : ' (not hit)'}`).join(', ');
  const failed = record.invariants.filter((i) => i.status === 'failed').map((i) => i.id);
  const parts = [`${where}${OUTCOME_LABEL[record.outcome].padEnd(9)} ${record.scenario.id}#${record.plan.iteration}`, seconds(record.endedAt - record.startedAt), faultText];
  if (failed.length > 0) parts.push(`invariants failed: ${failed.join(',')}`);
  if (record.error) parts.push(`error: ${record.error}`);
  return redact(parts.join('  '));
}

export function needsReplay(record: RunRecord): boolean {
  return record.outcome === 'failed' || record.outcome === 'timeout';
}

/** A ResultSink printing iteration lines, with an optional live status line. */
export class ProgressPrinter implements ResultSink {
  private current?: { scenario: Scenario; plan: FaultPlan; index: number; total: number; started: number; milestone?: string; faults: number };
  private ticker?: NodeJS.Timeout;
  private readonly failures: RunRecord[] = [];
  private finished = 0;
  private total = 0;

  constructor(
    private readonly out: Output,
    private readonly live: boolean,
    /** label when several clusters share one output (`--parallel`) */
    private readonly label = '',
  ) {}

  runStarted(info: { total: number }): void {
    this.total = info.total;
  }

  iterationStarted(info: { scenario: Scenario; plan: FaultPlan; index: number; total: number }): void {
    this.current = { ...info, started: nowMs(), faults: 0 };
    if (this.live) {
      this.ticker ??= setInterval(() => this.drawStatus(), 250).unref();
      this.drawStatus();
    }
  }

  progress(event: TimelineEvent): void {
    if (!this.current) return;
    if (event.source === 'fault') this.current.faults++;
    else if (event.source !== 'runner') this.current.milestone = event.name;
    if (this.live) this.drawStatus();
  }

  iterationFinished(record: RunRecord): void {
    const index = this.current?.index ?? this.finished;
    const total = this.total || this.current?.total;
    this.finished++;
    this.current = undefined;
    this.clearStatus();
    this.out.write(`${this.label}${iterationLine(record, index, total)}\n`);
    if (needsReplay(record)) {
      this.failures.push(record);
      this.out.write(`${this.label}  replay: ${record.replay}\n`);
    }
  }

  runFinished(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
    this.clearStatus();
  }

  private drawStatus(): void {
    const c = this.current;
    if (!c) return;
    const text = `${this.label}[${c.index + 1}/${c.total}] ${c.scenario.id}#${c.plan.iteration}  elapsed ${seconds(nowMs() - c.started)}  milestone ${c.milestone ?? '-'}  faults injected ${c.faults}`;
    const width = (process.stdout.columns ?? 120) - 1;
    this.out.write(`\r\x1b[K${text.slice(0, width)}`);
  }

  private clearStatus(): void {
    if (this.live) this.out.write('\r\x1b[K');
  }
}

/**
 * Writes to stdout and resolves once the text is handed to the OS: the CLI
 * exits with process.exit(), which would cut a large listing short on a pipe.
 */
export function writeFlushed(text: string, stream: NodeJS.WritableStream = process.stdout): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(text, (err) => (err ? reject(err) : resolve()));
  });
}
