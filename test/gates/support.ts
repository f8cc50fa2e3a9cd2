/** Helpers of the gate suites: a deadline-bounded poll and a settled-state probe for promises. */

/** Polls `probe` until it returns something other than undefined; a deadline, not a sleep, bounds it. */
export async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000, everyMs = 10): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Wraps a promise so a test can ask, at any point, whether it has settled yet. */
export function tracked<T>(p: Promise<T>): { promise: Promise<T>; settled: () => boolean } {
  let done = false;
  const promise = p.finally(() => {
    done = true;
  });
  // A rejection is examined by whoever awaits `promise`; do not let it go unhandled meanwhile.
  promise.catch(() => {});
  return { promise, settled: () => done };
}
