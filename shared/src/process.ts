// Process helpers for every program: every command is an argument array, never a shell string.

import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
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

/** What must be undone if the program is stopped now: kill a VM, remove a temp dir. */
const cleanups = new Set<() => void>();
let terminationHandled = false;

function runCleanups(): void {
  for (const cleanup of [...cleanups].reverse()) {
    try {
      cleanup();
    } catch {
      /* best effort: the next cleanup still runs */
    }
  }
  cleanups.clear();
}

/**
 * Registers a synchronous cleanup that runs if the program ends while it is registered: on
 * SIGINT, SIGTERM or SIGHUP (the program then exits with 128 + the signal's number) and on a
 * normal exit. Returns the function that unregisters it (call it once the resource is gone).
 */
export function onTermination(cleanup: () => void): () => void {
  if (!terminationHandled) {
    terminationHandled = true;
    for (const signal of FORWARDED)
      process.on(signal, () => {
        runCleanups();
        process.exit(signalExitCode(signal));
      });
    process.on('exit', runCleanups);
  }
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

export interface TeeOptions {
  /** stdin 'inherit' lets sudo ask for a password on the task's terminal. */
  stdin: 'ignore' | 'inherit';
  /** Own process group, with signals forwarded to the whole group (make and its compilers). */
  group: boolean;
  /** Every output line, with the stream it came on. */
  onLine: (line: string, stream: NodeJS.WritableStream) => void;
  /** Why the program could not start, as text for the user, and the exit status to return. */
  onSpawnError: (error: NodeJS.ErrnoException, program: string) => number;
}

/** Runs argv, copying its output through unchanged while handing each line to onLine; resolves to its exit status. */
export async function runTee(
  argv: readonly string[],
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
  options: TeeOptions,
): Promise<number> {
  // In a group of its own, the command would outlive this process if it were killed outright (no
  // handler runs): util-linux's setpriv makes the kernel send it SIGTERM when its parent dies.
  // (Only for a command that exists: a missing one must fail to spawn, which is reported as such.)
  const guard = options.group && argv[0] && findExecutable(argv[0]) ? findExecutable('setpriv') : undefined;
  const [program, ...args] = guard ? [guard, '--pdeathsig', 'TERM', '--', ...argv] : argv;
  const child = spawn(program, args, { stdio: [options.stdin, 'pipe', 'pipe'], detached: options.group });
  let stopForwarding: () => void;
  if (options.group) stopForwarding = forwardSignals(child);
  else {
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    FORWARDED.forEach((signal) => process.on(signal, forward));
    stopForwarding = () => FORWARDED.forEach((signal) => process.off(signal, forward));
  }
  const splitters = [new LineSplitter((line) => options.onLine(line, out)), new LineSplitter((line) => options.onLine(line, err))];
  child.stdout!.on('data', (chunk: Buffer) => {
    out.write(chunk);
    splitters[0].push(chunk);
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    err.write(chunk);
    splitters[1].push(chunk);
  });
  const exitCode = await new Promise<number>((resolve) => {
    child.on('error', (error: NodeJS.ErrnoException) => resolve(options.onSpawnError(error, path.basename(program))));
    child.on('close', (code, signal) => resolve(code ?? signalExitCode(signal)));
  });
  stopForwarding();
  splitters.forEach((s) => s.end());
  return exitCode;
}

export interface CommandResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Called with every chunk of stdout/stderr as it arrives (for live build output). */
  onOutput?: (text: string) => void;
  /** Feed this file to the command's stdin instead of /dev/null. */
  stdinFile?: string;
  /** Send stdout to this file instead of capturing it. */
  stdoutFile?: string;
  timeoutMs?: number;
}

/** Runs `command args…` and resolves with its output; never rejects for a non-zero exit. */
export function runCommand(command: string, args: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const stdoutFd = options.stdoutFile ? fs.openSync(options.stdoutFile, 'w') : undefined;
    const stdinFd = options.stdinFile ? fs.openSync(options.stdinFile, 'r') : undefined;
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: [stdinFd ?? 'ignore', stdoutFd ?? 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      options.onOutput?.(chunk);
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      options.onOutput?.(chunk);
    });
    const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs) : undefined;
    const closeFds = () => {
      if (stdoutFd !== undefined) fs.closeSync(stdoutFd);
      if (stdinFd !== undefined) fs.closeSync(stdinFd);
    };
    child.on('error', (err) => {
      if (timer) clearTimeout(timer);
      closeFds();
      reject(err);
    });
    child.on('close', (exitCode, signal) => {
      if (timer) clearTimeout(timer);
      closeFds();
      resolve({ exitCode, signal, stdout, stderr });
    });
  });
}

/** Finds an executable on PATH (like `command -v`), or undefined. */
export function findExecutable(name: string, searchPath = process.env.PATH ?? ''): string | undefined {
  if (name.includes('/')) return isExecutable(name) ? name : undefined;
  for (const dir of searchPath.split(':')) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
