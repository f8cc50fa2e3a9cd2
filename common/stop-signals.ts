/**
 * The signals that ask a command to stop and clean up: Ctrl-C (SIGINT), a
 * supervisor's SIGTERM, a closed terminal (SIGHUP). A command that handles
 * them keeps handling them until it exits: a terminal delivers Ctrl-C to the
 * launcher and the CLI alike and the launcher forwards it, so the CLI may
 * see the same signal twice, and the second must not kill it mid-cleanup.
 */
import { constants } from 'node:os';

export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

/** The exit code of a command ended by the signal, as a shell reports it (128 + N). */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0);
}

/** Calls handler for each stop signal until the returned function is called. */
export function onStopSignals(handler: (signal: StopSignal) => void): () => void {
  const listeners = STOP_SIGNALS.map((sig) => [sig, () => handler(sig)] as const);
  for (const [sig, listener] of listeners) process.on(sig, listener);
  return () => {
    for (const [sig, listener] of listeners) process.off(sig, listener);
  };
}
