// Background threads give the cores to the editor's first. On Linux a thread's nice value is its
// own (setpriority on the calling thread), so a worker can lower itself and nothing else; clangd's
// background index runs at low priority the same way.

import * as os from 'node:os';

/** The nice value background workers run at: the main thread and open files' workers win the cores while they need them. */
export const BACKGROUND_NICENESS = 10;

/**
 * Lowers the calling thread's priority to `niceness` (never raises it). Only on Linux: elsewhere
 * the call would lower the whole process, the editor's thread with it.
 */
export function lowerThreadPriority(niceness = BACKGROUND_NICENESS): void {
  if (process.platform !== 'linux') return;
  try {
    if (os.getPriority() < niceness) os.setPriority(niceness);
  } catch {
    // Not permitted (a sandbox): the thread runs as it is.
  }
}
