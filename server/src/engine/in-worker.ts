// One job on a worker thread of its own: the thread does the work (and its garbage) and ends; the
// caller's thread stays free for requests and gets back only the result.

import { Worker, type ResourceLimits } from 'node:worker_threads';

/**
 * Runs the worker `script` on `data` and resolves with its one message, made into a T by
 * `fromMessage`; runs `inThread` instead when the worker cannot start, fails or ends without an
 * answer (the result is the same, only the caller's thread is busier). `resourceLimits` bound its
 * heap (a job that outgrows them ends the worker, and runs in this thread).
 */
export function inWorker<T>(
  script: string,
  data: unknown,
  fromMessage: (message: unknown) => T,
  inThread: () => T | Promise<T>,
  resourceLimits?: ResourceLimits,
): Promise<T> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (result: () => T | Promise<T>): void => {
      if (settled) return;
      settled = true;
      try {
        Promise.resolve(result()).then(resolve, reject);
      } catch (error) {
        reject(error);
      }
    };
    let worker: Worker;
    try {
      worker = new Worker(script, { workerData: data, resourceLimits });
    } catch {
      settle(inThread);
      return;
    }
    worker.once('message', (message: unknown) => {
      settle(() => fromMessage(message));
      void worker.terminate();
    });
    worker.once('error', () => settle(inThread));
    worker.once('exit', () => settle(inThread));
  });
}
