/**
 * Waiting on a condition with a deadline: re-checks when something wakes it
 * (a file watcher's change event) and, as a safety net, on a short poll.
 * The condition returns a value (done) or undefined/false (not yet), or
 * throws to abort the wait.
 */
import type { EventEmitter } from 'node:events';
import { TimeoutError } from '../../common/errors.js';

export interface WaitOptions {
  timeoutMs: number;
  what: string;
  pollMs?: number;
  /** an emitter whose 'change' events trigger an immediate re-check (fs.watch) */
  wakeOn?: EventEmitter;
}

export function waitFor<T>(check: () => T | undefined | false | Promise<T | undefined | false>, options: WaitOptions): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    let running = false;
    let again = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearInterval(poll);
      clearTimeout(deadline);
      options.wakeOn?.off('change', attempt);
      fn();
    };
    async function attempt(): Promise<void> {
      if (settled) return;
      if (running) {
        again = true;
        return;
      }
      running = true;
      try {
        const value = await check();
        if (value !== undefined && value !== false) finish(() => resolve(value));
      } catch (err) {
        finish(() => reject(err));
      } finally {
        running = false;
        if (again && !settled) {
          again = false;
          void attempt();
        }
      }
    }
    const poll = setInterval(() => void attempt(), options.pollMs ?? 100);
    const deadline = setTimeout(() => finish(() => reject(new TimeoutError(options.what, options.timeoutMs))), options.timeoutMs);
    options.wakeOn?.on('change', attempt);
    void attempt();
  });
}
