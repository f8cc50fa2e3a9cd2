/**
 * For pod programs (the Vault double, the manager): exit when the daemon that
 * started this pod is gone, so a SIGKILLed daemon leaves no orphans. The
 * daemon's pid comes from `REKEY_CHAOS_PARENT_PID` (docs/architecture.md).
 * A re-parented process (ppid changed) or a vanished pid both mean the
 * daemon died.
 */
import { pidAlive } from './process.js';

const CHECK_EVERY_MS = 250;

/** Starts an unref'd timer; returns a function that stops watching. No-op outside the embedded cluster. */
export function exitWhenParentDies(onExit: () => void = () => process.exit(0)): () => void {
  const parentPid = Number(process.env.REKEY_CHAOS_PARENT_PID);
  if (!Number.isInteger(parentPid) || parentPid <= 0) return () => {};
  const startPpid = process.ppid;
  const timer = setInterval(() => {
    if (!pidAlive(parentPid) || (startPpid === parentPid && process.ppid !== parentPid)) {
      clearInterval(timer);
      onExit();
    }
  }, CHECK_EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
