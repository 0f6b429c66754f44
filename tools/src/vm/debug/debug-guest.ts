// The guest of a debug session: the same disposable kernel as Test in VM, but interactive. The
// first serial port is the user's console (kernel log and a shell); the second is a private control
// channel on which the debugger asks for fixed actions (load, unload, look up kernel symbols). No
// text from the control channel or the user is parsed as shell code by this side: the guest's
// control loop knows a handful of verbs and reads the module's file, name and parameters from files.
import { spawn, ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { CpioEntry, writeNewc } from '../cpio';
import { SetupError } from '../errors';
import { GUEST_PREAMBLE, MODULE_STATE_FUNCTION } from '../guest-init';
import { checkBusybox } from '../initramfs';
import { Accel, BASE_KERNEL_ARGS, guardedArgv, qemuArgs } from '../qemu';
import { LineSplitter } from '../console';
import { onTermination } from '../../../../shared/src/process';

export const CONTROL_MARKER = '@@KMODDBG';

/** What the control loop can do; each answer ends with "@@KMODDBG done <verb> rc=<n>". */
export type ControlVerb = 'insmod' | 'rmmod' | 'state' | 'kallsyms' | 'sections';

/** Kernel functions the debugger stops in without the user seeing it. */
export const KERNEL_STOP_SYMBOLS = ['do_init_module', '__die'] as const;
export type KernelStopSymbol = (typeof KERNEL_STOP_SYMBOLS)[number];

export const DEBUG_INIT_SCRIPT = `${GUEST_PREAMBLE}[ -e /dev/ttyS1 ] || mknod /dev/ttyS1 c 4 65

read -r MOD_FILE < /kmoddbg/module-file
read -r MOD_NAME < /kmoddbg/module-name
set --
while IFS= read -r param; do set -- "$@" "$param"; done < /kmoddbg/params

${MODULE_STATE_FUNCTION}say() { echo "*** $*" > /dev/console; }

control() {
  echo "${CONTROL_MARKER} ready kernel=$(uname -r)"
  while IFS= read -r verb; do
    case "$verb" in
      insmod)
        say "insmod $MOD_FILE $*"
        insmod "$MOD_FILE" "$@" 2>/dev/console
        echo "${CONTROL_MARKER} done insmod rc=$?" ;;
      rmmod)
        say "rmmod $MOD_NAME"
        rmmod "$MOD_NAME" 2>/dev/console
        echo "${CONTROL_MARKER} done rmmod rc=$?" ;;
      state)
        echo "${CONTROL_MARKER} state $(module_state)"
        echo "${CONTROL_MARKER} done state rc=0" ;;
      kallsyms)
        grep -E ' (${KERNEL_STOP_SYMBOLS.join('|')})$' /proc/kallsyms | while read -r address type name; do
          echo "${CONTROL_MARKER} symbol $name $address"
        done
        echo "${CONTROL_MARKER} done kallsyms rc=0" ;;
      sections)
        for s in /sys/module/$MOD_NAME/sections/.* /sys/module/$MOD_NAME/sections/*; do
          [ -f "$s" ] && read -r address < "$s" && echo "${CONTROL_MARKER} section \${s##*/} $address"
        done
        echo "${CONTROL_MARKER} done sections rc=0" ;;
      '') ;;
      *) echo "${CONTROL_MARKER} done unknown rc=127" ;;
    esac
  done
}
stty -F /dev/ttyS1 -echo 2>/dev/null
control < /dev/ttyS1 > /dev/ttyS1 2>&1 &

export PS1='vm:\\w# '
echo
echo "Kernel Module Tools debug VM, kernel $(uname -r). The module is $MOD_FILE ($MOD_NAME)."
echo "Load and Unload are in the debug toolbar; this is a shell in the guest (poweroff ends the session)."
while true; do setsid cttyhack sh; done
`;

export function buildDebugInitramfs(spec: { koFile: string; moduleName: string; params: readonly string[]; busybox: string }): Buffer {
  checkBusybox(spec.busybox);
  if (!/^[A-Za-z0-9_]+$/.test(spec.moduleName)) throw new SetupError(`Unexpected module name ${JSON.stringify(spec.moduleName)}.`);
  const koName = path.basename(spec.koFile);
  if (/[\n\r\0]/.test(koName)) throw new SetupError(`Module file name ${JSON.stringify(koName)} contains a newline.`);
  if (spec.params.some((param) => /[\n\r\0]/.test(param))) throw new SetupError('Module parameters must not contain newlines.');
  const lines = (values: readonly string[]) => Buffer.from(values.map((value) => `${value}\n`).join(''), 'utf8');
  const entries: CpioEntry[] = [
    ...['bin', 'sbin', 'dev', 'proc', 'sys', 'tmp', 'modules', 'kmoddbg'].map((name): CpioEntry => ({ type: 'dir', name })),
    { type: 'chardev', name: 'dev/console', major: 5, minor: 1 },
    { type: 'file', name: 'bin/busybox', data: fs.readFileSync(spec.busybox), mode: 0o755 },
    { type: 'file', name: 'init', data: Buffer.from(DEBUG_INIT_SCRIPT, 'utf8'), mode: 0o755 },
    { type: 'file', name: `modules/${koName}`, data: fs.readFileSync(spec.koFile) },
    { type: 'file', name: 'kmoddbg/module-file', data: lines([`/modules/${koName}`]) },
    { type: 'file', name: 'kmoddbg/module-name', data: lines([spec.moduleName]) },
    { type: 'file', name: 'kmoddbg/params', data: lines(spec.params) },
  ];
  return writeNewc(entries);
}

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export function freeLocalPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface DebugGuestOptions {
  qemu: string;
  accel: Accel;
  kernel: string;
  initrd: string;
  memory: string;
  extraKernelArgs: readonly string[];
  /** Private directory (mode 0700) for the control socket; the caller removes it. */
  workDir: string;
  /** How long the guest may live at most, even if this process dies without stopping it. */
  maxSeconds: number;
  /** Raw bytes of the user's console (kernel log and shell), as they arrive. */
  onConsole: (chunk: string) => void;
  onExit: (description: string) => void;
}

export interface ControlAnswer {
  rc: number;
  /** The "@@KMODDBG <words>" lines before the final "done" line, without the marker. */
  lines: string[];
}

/**
 * The running guest: qemu with its gdbstub on 127.0.0.1, the console as a byte stream, and the
 * control channel. `stop()` kills qemu's whole process group.
 */
export class DebugGuest {
  readonly gdbPort: number;
  private readonly child: ChildProcess;
  private control: net.Socket | undefined;
  private readonly controlServer: net.Server;
  private readonly answers: { line: (words: string) => void; fail: (err: Error) => void }[] = [];
  private readyWaiters: (() => void)[] = [];
  private ready = false;
  private exited = false;
  private exitDescription = '';
  private readonly forgetCleanup: () => void;
  /** The guest's own release, from its "ready" line. */
  release = '';
  private commandChain: Promise<unknown> = Promise.resolve();

  private constructor(options: DebugGuestOptions, gdbPort: number, controlServer: net.Server, socketPath: string) {
    this.gdbPort = gdbPort;
    this.controlServer = controlServer;
    controlServer.on('connection', (socket) => {
      this.control = socket;
      const splitter = new LineSplitter((line) => this.controlLine(line));
      socket.setEncoding('utf8').on('data', (chunk: string) => splitter.push(chunk));
      socket.on('error', () => undefined);
    });
    const args = [
      ...qemuArgs({ ...options, append: [...BASE_KERNEL_ARGS, 'nokaslr', ...options.extraKernelArgs] }),
      // The second serial port is the control channel; qemu connects to our socket.
      '-serial',
      `unix:${socketPath}`,
      // Never all interfaces: whoever reaches the gdbstub owns the guest kernel.
      '-gdb',
      `tcp:127.0.0.1:${gdbPort}`,
    ];
    const argv = guardedArgv(options.qemu, args, options.maxSeconds);
    this.child = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    this.forgetCleanup = onTermination(() => this.killGroup('SIGKILL'));
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => options.onConsole(chunk));
    let stderr = '';
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    this.child.stdin?.on('error', () => undefined);
    this.child.on('error', (err) => this.ended(options, `qemu could not start: ${err.message}`));
    this.child.on('exit', (code, signal) => {
      const last = stderr.trim().split('\n').slice(-2).join(' / ');
      this.ended(options, `the VM ended (qemu ${signal ?? `exit ${code}`})${last ? `: ${last}` : ''}`);
    });
  }

  static async start(options: DebugGuestOptions): Promise<DebugGuest> {
    const socketPath = path.join(options.workDir, 'control.sock');
    const controlServer = net.createServer();
    await new Promise<void>((resolve, reject) => {
      controlServer.once('error', reject);
      controlServer.listen(socketPath, () => resolve());
    });
    const port = await freeLocalPort();
    return new DebugGuest(options, port, controlServer, socketPath);
  }

  get running(): boolean {
    return !this.exited;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Resolves when /init's control loop answered, or rejects when the guest ends or the time is up. */
  waitReady(timeoutMs: number): Promise<void> {
    if (this.ready) return Promise.resolve();
    if (this.exited) return Promise.reject(new Error('the VM is not running'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the VM did not start its shell within ${Math.round(timeoutMs / 1000)} s`)),
        timeoutMs,
      );
      this.readyWaiters.push(() => {
        clearTimeout(timer);
        if (this.ready) resolve();
        else reject(new Error(`the VM ended while booting: ${this.exitDescription}`));
      });
    });
  }

  /** Sends keystrokes to the user's console. */
  typeIntoConsole(data: string): void {
    if (!this.exited) this.child.stdin?.write(data);
  }

  /** Runs one control verb; answers come back in order, one command at a time. 0: no time limit. */
  run(verb: ControlVerb, timeoutMs = 60_000): Promise<ControlAnswer> {
    const next = this.commandChain.then(() => this.runNow(verb, timeoutMs));
    this.commandChain = next.catch(() => undefined);
    return next;
  }

  private runNow(verb: ControlVerb, timeoutMs: number): Promise<ControlAnswer> {
    const socket = this.control;
    if (!socket || this.exited) return Promise.reject(new Error('the VM is not running'));
    return new Promise((resolve, reject) => {
      const lines: string[] = [];
      // insmod and rmmod wait as long as the user stays at a breakpoint in the module: no bound.
      const timer =
        timeoutMs > 0
          ? setTimeout(() => {
              this.answers.shift();
              reject(new Error(`the VM did not finish "${verb}" within ${Math.round(timeoutMs / 1000)} s`));
            }, timeoutMs)
          : undefined;
      this.answers.push({
        line: (words) => {
          const done = /^done (\S+) rc=(\d+)$/.exec(words);
          if (!done) {
            lines.push(words);
            return;
          }
          this.answers.shift();
          clearTimeout(timer);
          resolve({ rc: Number(done[2]), lines });
        },
        fail: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      });
      socket.write(`${verb}\n`);
    });
  }

  private controlLine(line: string): void {
    const at = line.indexOf(CONTROL_MARKER);
    if (at < 0) return;
    const words = line.slice(at + CONTROL_MARKER.length).trim();
    const ready = /^ready kernel=(\S+)/.exec(words);
    if (ready) {
      this.release = ready[1];
      this.ready = true;
      this.readyWaiters.forEach((wake) => wake());
      this.readyWaiters = [];
      return;
    }
    this.answers[0]?.line(words);
  }

  private killGroup(signal: NodeJS.Signals): void {
    try {
      if (this.child.pid !== undefined) process.kill(-this.child.pid, signal);
    } catch {
      /* already gone */
    }
  }

  /** Kills qemu and its wrappers; resolves once qemu has exited (or after a bounded wait). */
  async stop(): Promise<void> {
    this.control?.destroy();
    this.controlServer.close();
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.killGroup('SIGTERM');
    const hard = setTimeout(() => this.killGroup('SIGKILL'), 1500);
    await Promise.race([gone, new Promise((resolve) => setTimeout(resolve, 5000))]);
    clearTimeout(hard);
    this.killGroup('SIGKILL');
  }

  private ended(options: DebugGuestOptions, description: string): void {
    if (this.exited) return;
    this.exited = true;
    this.exitDescription = description;
    this.forgetCleanup();
    this.killGroup('SIGKILL');
    this.control?.destroy();
    this.controlServer.close();
    this.readyWaiters.forEach((wake) => wake());
    this.readyWaiters = [];
    for (const waiting of this.answers.splice(0)) waiting.fail(new Error(description));
    options.onExit(description);
  }
}
