// Whether a process id names a running process: the test behind every "is the holder of this
// file (lease, part file, store) still there?" question.

/** True when `pid` runs (EPERM: it exists, as another user's process). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
