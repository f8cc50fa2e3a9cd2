/**
 * One clock for every process of a run: high-resolution epoch milliseconds.
 * `performance.timeOrigin + performance.now()` is monotonic within a process
 * and comparable across processes on the same machine, which is what lets the
 * harness order a secret event, a Vault feed line and a fault on one timeline.
 */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Resolves after `ms`. For pacing loops only — tests must wait on events, never on this. */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
