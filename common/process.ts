/**
 * Whether a process exists, for every place that checks a recorded pid
 * (daemon pid files, lock holders, a pod's parent). Signal 0 tests without
 * touching the process; EPERM means it exists but belongs to someone else.
 */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
