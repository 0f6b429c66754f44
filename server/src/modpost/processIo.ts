// Small process helpers shared by the wrappers (kbuild-run, kmod-run, kmsg-follow).

import type { ChildProcess } from 'node:child_process';
import * as os from 'node:os';
import { StringDecoder } from 'node:string_decoder';

/** Splits a byte stream into lines (UTF-8 safe across chunk boundaries); calls `onLine` without the newline. */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: Buffer | string): void {
    this.pending += typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    let newline: number;
    while ((newline = this.pending.indexOf('\n')) >= 0) {
      const line = this.pending.slice(0, newline).replace(/\r$/, '');
      this.pending = this.pending.slice(newline + 1);
      this.onLine(line);
    }
  }

  /** Flushes a last line that had no newline. */
  end(): void {
    this.pending += this.decoder.end();
    if (this.pending.length > 0) {
      const line = this.pending;
      this.pending = '';
      this.onLine(line);
    }
  }
}

export function signalExitCode(signal: NodeJS.Signals | null): number {
  if (!signal) return 1;
  return 128 + (os.constants.signals[signal] ?? 0);
}

const FORWARDED: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Forwards termination signals to the child's process group (the child must be spawned with
 * `detached: true`, which makes it a group leader), so make and its compilers stop together and
 * none is left behind. A second signal kills the group. Returns a function that stops forwarding.
 */
export function forwardSignals(child: ChildProcess): () => void {
  let received = 0;
  const handler = (signal: NodeJS.Signals) => {
    received++;
    if (child.pid === undefined || child.exitCode !== null) return;
    try {
      process.kill(-child.pid, received > 1 ? 'SIGKILL' : signal);
    } catch {
      /* the group is already gone */
    }
  };
  for (const signal of FORWARDED) process.on(signal, handler);
  return () => {
    for (const signal of FORWARDED) process.off(signal, handler);
  };
}
