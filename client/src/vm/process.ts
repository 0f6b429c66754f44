// Small helpers around child_process: every command is an argument array, never a shell string.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

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
