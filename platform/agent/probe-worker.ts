/**
 * One probe of one container run, with kubelet's rules: the first attempt
 * after initialDelaySeconds, then one every periodSeconds (never two at
 * once); an attempt that outlasts timeoutSeconds fails; the result flips to
 * success after successThreshold successes in a row and to failure after
 * failureThreshold failures in a row. A readiness probe starts as failure
 * (not ready until it succeeds), a liveness probe as success.
 */
import type { Probe } from './types.js';
import { PROBE_DEFAULTS } from './probe-spec.js';

export type ProbeResult = 'success' | 'failure';

export interface ProbeAttempt {
  ok: boolean;
  /** a short reason for a failure (exit code, timeout), for the agent's log */
  detail: string;
}

export class ProbeWorker {
  private result: ProbeResult;
  private successes = 0;
  private failures = 0;
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly probe: Probe,
    initial: ProbeResult,
    private readonly attempt: (timeoutMs: number) => Promise<ProbeAttempt>,
    private readonly onChange: (result: ProbeResult, last: ProbeAttempt) => void,
  ) {
    this.result = initial;
  }

  get current(): ProbeResult {
    return this.result;
  }

  start(): void {
    this.timer = setTimeout(() => void this.tick(), (this.probe.initialDelaySeconds ?? PROBE_DEFAULTS.initialDelaySeconds) * 1000);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    const startedAt = Date.now();
    const outcome = await this.attempt((this.probe.timeoutSeconds ?? PROBE_DEFAULTS.timeoutSeconds) * 1000);
    if (this.stopped) return;
    if (outcome.ok) {
      this.successes++;
      this.failures = 0;
    } else {
      this.failures++;
      this.successes = 0;
    }
    const successThreshold = this.probe.successThreshold ?? PROBE_DEFAULTS.successThreshold;
    const failureThreshold = this.probe.failureThreshold ?? PROBE_DEFAULTS.failureThreshold;
    let next = this.result;
    if (outcome.ok && this.successes >= successThreshold) next = 'success';
    if (!outcome.ok && this.failures >= failureThreshold) next = 'failure';
    if (next !== this.result) {
      this.result = next;
      this.onChange(next, outcome);
    }
    if (this.stopped) return;
    const periodMs = (this.probe.periodSeconds ?? PROBE_DEFAULTS.periodSeconds) * 1000;
    this.timer = setTimeout(() => void this.tick(), Math.max(0, startedAt + periodMs - Date.now()));
  }
}
