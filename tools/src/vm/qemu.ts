// Runs one disposable qemu guest: serial console on stdout, streamed line by line, always bounded in time.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConsoleLine, LineSplitter } from './console';
import { findExecutable, onTermination } from '../../../shared/src/process';

/** How long past its own timeout a guest may live if this process dies without stopping it. */
const GUARD_MARGIN_SECONDS = 15;

export type Accel = 'kvm' | 'tcg';
export type BootMode = 'pvh' | 'bzimage';

/** CPU model per accelerator: KVM passes the host CPU through, TCG emulates a plain x86-64. */
const CPU_MODEL: Readonly<Record<Accel, string>> = { kvm: 'host', tcg: 'qemu64' };

export const QEMU_BINARY = 'qemu-system-x86_64';
export const KERNEL_BANNER = /\[\s*\d+\.\d+\]\s*Linux version /;

export interface QemuRunOptions {
  qemu: string;
  accel: Accel;
  kernel: string;
  initrd: string;
  memory: string;
  /** Kernel command line words (console=ttyS0 panic=-1 … come first). */
  append: readonly string[];
  timeoutSeconds: number;
  /** Give up this boot (to try the next accelerator or image) if no kernel line appears in time. */
  bootDeadlineSeconds?: number;
  onLine: (line: ConsoleLine) => void;
}

export interface QemuRunResult {
  lines: ConsoleLine[];
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** The guest ran past --timeout and was killed. */
  timedOut: boolean;
  /** Why the kernel never started (qemu error, boot deadline); undefined when it did. */
  bootFailure?: string;
  stderr: string;
  wallSeconds: number;
  args: string[];
}

export const BASE_KERNEL_ARGS: readonly string[] = ['console=ttyS0', 'panic=-1', 'loglevel=7'];

export function qemuArgs(options: Pick<QemuRunOptions, 'accel' | 'kernel' | 'initrd' | 'memory' | 'append'>): string[] {
  return [
    '-machine',
    'pc',
    '-accel',
    options.accel,
    '-cpu',
    CPU_MODEL[options.accel],
    '-smp',
    '1',
    '-m',
    options.memory,
    // -no-reboot + panic=-1: a panic or a dying /init ends qemu instead of rebooting forever.
    '-nographic',
    '-no-reboot',
    '-nodefaults',
    '-serial',
    'stdio',
    '-net',
    'none',
    '-kernel',
    options.kernel,
    '-initrd',
    options.initrd,
    '-append',
    options.append.join(' '),
  ];
}

/** Whether /dev/kvm can be opened read-write by this user (what qemu needs for -accel kvm). */
export function kvmAccessible(device = '/dev/kvm'): { ok: boolean; reason?: string } {
  try {
    fs.closeSync(fs.openSync(device, 'r+'));
    return { ok: true };
  } catch (err) {
    return { ok: false, reason: `${device}: ${(err as NodeJS.ErrnoException).code ?? String(err)}` };
  }
}

/**
 * qemu's command line under coreutils' timeout and setpriv: even if this process is killed outright
 * (no handler runs), the kernel sends timeout SIGTERM, which it passes to qemu; and a guest can never
 * outlive its time limit by more than a margin.
 */
export function guardedArgv(qemu: string, args: readonly string[], timeoutSeconds: number): string[] {
  const guard = findExecutable('timeout');
  const deathSignal = findExecutable('setpriv');
  return [
    ...(deathSignal ? [deathSignal, '--pdeathsig', 'TERM', '--'] : []),
    ...(guard ? [guard, '--kill-after=5s', `${timeoutSeconds + GUARD_MARGIN_SECONDS}s`] : []),
    qemu,
    ...args,
  ];
}

export function runQemu(options: QemuRunOptions): Promise<QemuRunResult> {
  const args = qemuArgs(options);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const elapsed = () => (performance.now() - started) / 1000;
    // In a process group of its own, so stopping it stops every wrapper too.
    const argv = guardedArgv(options.qemu, args, options.timeoutSeconds);
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const killGroup = (signal: NodeJS.Signals) => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal);
      } catch {
        /* already gone */
      }
    };
    // Stopped by a signal: the VM goes with us.
    const forget = onTermination(() => killGroup('SIGKILL'));
    const lines: ConsoleLine[] = [];
    let stderr = '';
    let kernelStarted = false;
    let timedOut = false;
    let bootFailure: string | undefined;

    const splitter = new LineSplitter((text) => {
      const line = { text, at: elapsed() };
      if (!kernelStarted && KERNEL_BANNER.test(text)) kernelStarted = true;
      lines.push(line);
      options.onLine(line);
    });
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => splitter.push(chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));

    const stop = () => {
      killGroup('SIGTERM');
      setTimeout(() => killGroup('SIGKILL'), 2000).unref();
    };
    const timeout = setTimeout(() => {
      timedOut = true;
      stop();
    }, options.timeoutSeconds * 1000);
    const bootDeadline =
      options.bootDeadlineSeconds === undefined
        ? undefined
        : setTimeout(() => {
            if (kernelStarted) return;
            bootFailure = `no kernel output within ${options.bootDeadlineSeconds} s`;
            stop();
          }, options.bootDeadlineSeconds * 1000);

    child.on('error', (err) => {
      forget();
      clearTimeout(timeout);
      if (bootDeadline) clearTimeout(bootDeadline);
      reject(err);
    });
    child.on('close', (exitCode, signal) => {
      forget();
      clearTimeout(timeout);
      if (bootDeadline) clearTimeout(bootDeadline);
      splitter.flush();
      if (!kernelStarted && !bootFailure) {
        const lastError = stderr.trim().split('\n').slice(-3).join(' / ');
        bootFailure = timedOut
          ? `no kernel output within the ${options.timeoutSeconds} s timeout`
          : `qemu exited (${exitCode ?? signal}) before the kernel started${lastError ? `: ${lastError}` : ''}`;
      }
      resolve({ lines, exitCode, signal, timedOut: timedOut && kernelStarted, bootFailure, stderr, wallSeconds: elapsed(), args });
    });
  });
}

/**
 * Remembers that KVM could not boot a guest on this host (nested virtualisation without working
 * VMX/SVM opens /dev/kvm fine but the guest never runs), so later runs skip the wait.
 */
export class KvmFailureMemo {
  constructor(
    private readonly file: string,
    private readonly qemu: string,
  ) {}

  private key(): string {
    let qemuStamp = '';
    try {
      qemuStamp = String(fs.statSync(this.qemu).mtimeMs);
    } catch {
      // qemu missing: the key just will not match later
    }
    return `${os.hostname()} ${os.release()} ${this.qemu} ${qemuStamp}`;
  }

  recordedFailure(): string | undefined {
    try {
      const memo = JSON.parse(fs.readFileSync(this.file, 'utf8')) as { key?: string; reason?: string; date?: string };
      return memo.key === this.key() ? `${memo.reason} (recorded ${memo.date})` : undefined;
    } catch {
      return undefined;
    }
  }

  recordFailure(reason: string): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const shortReason = reason.length > 160 ? `${reason.slice(0, 157)}...` : reason;
    fs.writeFileSync(this.file, JSON.stringify({ key: this.key(), reason: shortReason, date: new Date().toISOString() }, null, 2));
  }

  clear(): void {
    fs.rmSync(this.file, { force: true });
  }
}
