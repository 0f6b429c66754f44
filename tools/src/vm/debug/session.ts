// The `kmod-vm` debug adapter: builds the module, boots the disposable VM with qemu's gdbstub on
// 127.0.0.1, drives gdb through its machine interface and speaks DAP to the editor. Breakpoints in
// the module's source stay pending until the module is loaded; at each load the guest stops in
// do_init_module (invisible to the user), the module's real section addresses are read from the
// kernel and its symbols loaded there, so breakpoints in __init, __exit and ordinary functions hit.
// An oops stops at the faulting line. Ending the session kills gdb, qemu and every child.
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  Breakpoint,
  BreakpointEvent,
  DebugSession,
  InitializedEvent,
  OutputEvent,
  ProgressEndEvent,
  ProgressStartEvent,
  ProgressUpdateEvent,
  Scope,
  Source,
  StackFrame,
  StoppedEvent,
  TerminatedEvent,
  Thread,
} from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { DEBUG_DEFAULTS, DEBUG_REQUESTS, KmodVmLaunchArguments } from '../../../../shared/src/debug-config';
import { kernelVersionOf, readRelease } from '../../../../shared/src/kernel-dir';
import { findExecutable, onTermination } from '../../../../shared/src/process';
import { analyzeModuleDir } from '../../../../server/src/engine/project';
import { filePathOf } from '../../../../server/src/model/uris';
import type { Finding } from '../../../../server/src/model/types';
import { LineSplitter } from '../console';
import { findingsExplaining } from '../explain';
import { SetupError } from '../errors';
import { splitModuleParams } from '../initramfs';
import { defaultCacheDir, prepareKernelImage } from '../kernel-image';
import { buildModule, moduleNameOf, moduleVermagicRelease, selectKoFile } from '../module-build';
import { Accel, KvmFailureMemo, QEMU_BINARY, kvmAccessible } from '../qemu';
import { DebugGuest, KERNEL_STOP_SYMBOLS, KernelStopSymbol, buildDebugInitramfs } from './debug-guest';
import { GdbMi, MiError, MiTuple, miList, miQuote, miString, miTuple } from './gdb-mi';
import {
  ModuleOffsets,
  addSymbolFileCommand,
  moduleSectionNames,
  readModuleOffsets,
  readSectionAddresses,
  symbolFileFor,
} from './module-layout';
import { cachedStopAddresses, debugVmlinuxPath, rememberStopAddresses } from './kernel-symbols';

const THREAD_ID = 1;
/** Frame id of the faulting location shown when an oops stops the session. */
const OOPS_FRAME_ID = 100_000;
const BOOT_TIMEOUT_MS = 180_000;
/** A KVM guest that has not reached its shell by then is taken as KVM not working here. */
const KVM_BOOT_TIMEOUT_MS = 30_000;
/** How long the guest may take to stop after Pause before the session is given up. */
const PAUSE_TIMEOUT_MS = 8_000;
/** Single steps tried to leave a breakpoint before Continue gives up checking and continues. */
const STEP_OFF_ATTEMPTS = 3;
/** The debug session's VM lives at most this long, even if the adapter is killed outright. */
const MAX_SESSION_SECONDS = 8 * 3600;
const CONSOLE_BACKLOG_BYTES = 512 * 1024;
/** struct pt_regs on x86-64, in order (the registers at the time of an oops). */
const PT_REGS = [
  'r15',
  'r14',
  'r13',
  'r12',
  'bp',
  'bx',
  'r11',
  'r10',
  'r9',
  'r8',
  'ax',
  'cx',
  'dx',
  'si',
  'di',
  'orig_ax',
  'ip',
  'cs',
  'flags',
  'sp',
  'ss',
];
const OOPS_HEADLINE = /(BUG: .*|Oops: .*|general protection fault.*|kernel BUG at .*|invalid opcode: .*)$/;

type LaunchArguments = DebugProtocol.LaunchRequestArguments & KmodVmLaunchArguments;

type VariableContainer = { kind: 'locals'; level: number } | { kind: 'varobj'; name: string } | { kind: 'oops-registers' };

interface OopsStop {
  description: string;
  /** The analyzer's finding that explains a crash in this function, when there is one. */
  explanation?: string;
  /** The oops as the kernel printed it so far (from its headline on). */
  consoleLines: string[];
  ip: bigint;
  registers: Map<string, bigint>;
  function?: string;
  file?: string;
  line?: number;
}

export class KmodVmDebugSession extends DebugSession {
  private args: LaunchArguments | undefined;
  private gdb: GdbMi | undefined;
  private guest: DebugGuest | undefined;
  private workDir: string | undefined;
  private consoleServer: net.Server | undefined;
  private readonly consoleClients = new Set<net.Socket>();
  private consoleBacklog = '';
  private debugConsolePending = '';
  private debugConsoleTimer: NodeJS.Timeout | undefined;
  private readonly recentConsole: string[] = [];
  private readonly consoleLines = new LineSplitter((line) => {
    this.recentConsole.push(line);
    if (this.recentConsole.length > 400) this.recentConsole.splice(0, 100);
  });
  private clientSupportsTerminal = false;
  private clientSupportsProgress = false;
  private koFile = '';
  /** What gdb reads the module's symbols from (the .ko, or a copy gdb can relocate). */
  private symbolFile = '';
  private moduleName = '';
  private offsets: ModuleOffsets | undefined;
  private sectionNames = { all: new Set<string>(), allocated: new Set<string>() };
  /** An address inside the module's last loaded symbol file (for remove-symbol-file -a). */
  private loadedSymbolsAt: bigint | undefined;
  /** gdb breakpoint number → which kernel function it watches. */
  private readonly internalBreakpoints = new Map<number, KernelStopSymbol>();
  /** Source path → gdb breakpoint numbers set from the editor. */
  private readonly sourceBreakpoints = new Map<string, number[]>();
  private running = false;
  private ended = false;
  /** Stops we asked for ourselves (to insert a breakpoint while running) are not shown. */
  private silentStopWaiters: ((results: MiTuple) => void)[] = [];
  private pauseTimer: NodeJS.Timeout | undefined;
  private oops: OopsStop | undefined;
  /** Where the guest stopped at one of the editor's breakpoints, and which (until it runs again). */
  private atBreakpoint: { address: bigint; number?: number } | undefined;
  /** The breakpoint a step began at, off until the step ends. */
  private disabledWhileStepping: number | undefined;
  private readonly containers = new Map<number, VariableContainer>();
  private nextContainer = 1;
  private readonly varobjs: string[] = [];
  /** Async records are handled one at a time, in order. */
  private stopChain: Promise<void> = Promise.resolve();
  private symbolsWithoutInit = false;
  private forgetCleanup: () => void = () => undefined;
  /** Set once a guest booted: from then on its end ends the session. */
  private guestReady = false;
  private configured = false;

  constructor() {
    super();
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
  }

  protected override initializeRequest(response: DebugProtocol.InitializeResponse, args: DebugProtocol.InitializeRequestArguments): void {
    this.clientSupportsTerminal = args.supportsRunInTerminalRequest === true;
    this.clientSupportsProgress = args.supportsProgressReporting === true;
    response.body = {
      supportsConfigurationDoneRequest: true,
      supportsConditionalBreakpoints: true,
      supportsEvaluateForHovers: true,
      supportsExceptionInfoRequest: true,
      supportsTerminateRequest: true,
      supportTerminateDebuggee: true,
    };
    this.sendResponse(response);
  }

  protected override launchRequest(response: DebugProtocol.LaunchResponse, args: LaunchArguments): void {
    void this.onLaunch(response, args);
  }

  private async onLaunch(response: DebugProtocol.LaunchResponse, args: LaunchArguments): Promise<void> {
    this.args = args;
    const progressId = 'kmod-vm-launch';
    const progress = (message: string) => {
      this.say(`${message}\n`);
      if (this.clientSupportsProgress) this.sendEvent(new ProgressUpdateEvent(progressId, message));
    };
    if (this.clientSupportsProgress) this.sendEvent(new ProgressStartEvent(progressId, 'Debug module in VM'));
    try {
      await this.startSession(args, progress);
      // Without the build dir's link tables (a scan of its headers): no link finding explains an oops.
      const kernelVersion = args.kernelBuildDir ? kernelVersionOf(args.kernelBuildDir) : undefined;
      this.moduleFindings = analyzeModuleDir(args.moduleDir, { kernelVersion, keepFacts: false }).then(
        (analysis) => analysis.findings,
        () => [],
      );
      this.sendResponse(response);
      this.sendEvent(new InitializedEvent());
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      await this.endSession();
      this.fail(response, message);
    } finally {
      if (this.clientSupportsProgress) this.sendEvent(new ProgressEndEvent(progressId));
    }
  }

  private async startSession(args: LaunchArguments, progress: (message: string) => void): Promise<void> {
    const gdbPath = findExecutable('gdb');
    if (!gdbPath) throw new SetupError('gdb is not installed: the debugger drives the VM through it.', ['gdb']);
    const qemu = findExecutable(QEMU_BINARY);
    if (!qemu) throw new SetupError(`${QEMU_BINARY} not found.`, ['qemu-system-x86']);
    if (!args.moduleDir || !fs.existsSync(args.moduleDir))
      throw new SetupError(`Module directory ${args.moduleDir || '(none)'} does not exist.`);
    const kdir = args.kernelBuildDir;
    const release = kdir ? readRelease(kdir) : undefined;
    if (!release) {
      throw new SetupError(`Cannot read the kernel release from ${kdir || '(no kernel build directory)'}/include/generated/utsrelease.h.`, [
        'linux-headers-amd64',
      ]);
    }
    const params = splitModuleParams(args.moduleParameters ?? '');
    const cacheDir = args.cacheDir || defaultCacheDir();

    if (args.build ?? DEBUG_DEFAULTS.build) {
      progress(`Building: make -C ${kdir} M=${path.resolve(args.moduleDir)} modules`);
      const build = await buildModule(kdir, args.moduleDir, (text) => this.sendEvent(new OutputEvent(text, 'stdout')));
      if (build.exitCode !== 0)
        throw new SetupError(`The module build failed (make exited ${build.exitCode}); its output is in the Debug Console.`);
    }
    this.koFile = selectKoFile(args.moduleDir, args.ko);
    this.moduleName = moduleNameOf(this.koFile);
    const builtFor = moduleVermagicRelease(this.koFile);
    if (builtFor && builtFor !== release)
      throw new SetupError(`${path.basename(this.koFile)} was built for ${builtFor}, not ${release}: rebuild it.`);
    this.sectionNames = moduleSectionNames(this.koFile);
    this.offsets = await readModuleOffsets(gdbPath, this.koFile);

    const image = await prepareKernelImage({ release, cacheDir, log: (m) => progress(m) });
    const kernel = image.vmlinux ?? image.bzImage;
    if (!kernel) throw new SetupError(`No kernel image to boot for ${release}.`, [`linux-image-${release}`]);
    let vmlinuxWithSymbols: string | undefined;
    if (args.kernelFrames ?? DEBUG_DEFAULTS.kernelFrames) {
      vmlinuxWithSymbols = debugVmlinuxPath(cacheDir, release);
      if (!fs.existsSync(vmlinuxWithSymbols)) {
        throw new SetupError(
          `Kernel frames need Debian's debug vmlinux for ${release}, which is not downloaded yet. Run "Kernel Module Tools: Download Kernel Debug Symbols" (about 860 MB) or turn kernelFrames off.`,
        );
      }
    }

    this.workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kmod-vmdebug-'));
    const workDir = this.workDir;
    this.forgetCleanup = onTermination(() => {
      this.gdb?.kill();
      fs.rmSync(workDir, { recursive: true, force: true });
    });
    this.symbolFile = await symbolFileFor(this.koFile, this.workDir);
    const initrd = path.join(this.workDir, 'initramfs.cpio');
    fs.writeFileSync(
      initrd,
      buildDebugInitramfs({ koFile: this.koFile, moduleName: this.moduleName, params, busybox: args.busybox || '/bin/busybox' }),
    );
    await this.openConsole(args);
    const memo = new KvmFailureMemo(path.join(cacheDir, 'kvm-failure.json'), qemu);
    for (const accel of accelerators(args.accel ?? DEBUG_DEFAULTS.accel, memo)) {
      progress(`Booting ${release} with ${accel.toUpperCase()} (the VM's console is in the terminal "VM console")`);
      this.guest = await DebugGuest.start({
        qemu,
        accel,
        kernel,
        initrd,
        memory: args.memory || DEBUG_DEFAULTS.memory,
        extraKernelArgs: [],
        workDir: this.workDir,
        maxSeconds: MAX_SESSION_SECONDS,
        onConsole: (chunk) => this.consoleOutput(chunk),
        onExit: (description) => {
          if (this.guestReady) this.guestEnded(description);
        },
      });
      try {
        await this.guest.waitReady(accel === 'kvm' ? KVM_BOOT_TIMEOUT_MS : BOOT_TIMEOUT_MS);
        this.guestReady = true;
        if (accel === 'kvm') memo.clear();
        break;
      } catch (err) {
        if (accel !== 'kvm') throw err;
        // Nested virtualisation can open /dev/kvm and still fail to run a guest: remember, use TCG.
        const reason = err instanceof Error ? err.message : String(err);
        memo.recordFailure(reason);
        progress(`KVM did not work here (${reason}); using TCG emulation.`);
        const failed = this.guest;
        this.guest = undefined;
        await failed.stop();
      }
    }
    if (!this.guest) throw new Error('The VM did not start.');

    let stops = cachedStopAddresses(cacheDir, kernel);
    if (!stops) {
      progress('Looking up do_init_module and __die in the guest kernel (once per kernel image)');
      const answer = await this.guest.run('kallsyms', 120_000);
      stops = new Map();
      for (const line of answer.lines) {
        const symbol = /^symbol (\S+) ([0-9a-f]+)$/.exec(line);
        if (symbol) stops.set(symbol[1] as KernelStopSymbol, BigInt(`0x${symbol[2]}`));
      }
      if (!stops.has('do_init_module')) throw new Error('The guest kernel has no do_init_module in /proc/kallsyms.');
      rememberStopAddresses(cacheDir, kernel, stops);
    }

    progress(`Attaching gdb to 127.0.0.1:${this.guest.gdbPort}`);
    const gdb = new GdbMi(gdbPath, [], { killWithParent: true });
    this.gdb = gdb;
    gdb.on('async', (record: { kind: string; asyncClass: string; results: MiTuple }) => this.onAsync(record));
    // gdb's own chatter ("Breakpoint 3, hello_3_init () at …") repeats what the editor shows.
    gdb.on('output', (text: string, kind: string) => {
      if (kind === 'target' && !this.ended) this.sendEvent(new OutputEvent(text, 'console'));
    });
    if (args.trace) gdb.on('trace', (line: string) => this.sendEvent(new OutputEvent(`${line}\n`, 'console')));
    gdb.on('unresponsive', (command: string) => void this.abort(`gdb did not answer (${command}); the session ends.`));
    gdb.on('exit', () => void this.abort('gdb exited; the session ends.'));
    for (const setting of ['mi-async on', 'pagination off', 'confirm off', 'breakpoint pending on', 'print pretty off']) {
      await gdb.run(`-gdb-set ${setting}`);
    }
    if (vmlinuxWithSymbols) await gdb.run(`-file-exec-and-symbols ${miQuote(vmlinuxWithSymbols)}`, 120_000);
    // target remote halts the guest; it runs again at configurationDone.
    await gdb.run(`-target-select remote 127.0.0.1:${this.guest.gdbPort}`, 30_000);
    for (const symbol of KERNEL_STOP_SYMBOLS) {
      const address = stops.get(symbol);
      if (address === undefined) continue;
      // Hardware breakpoints: they never write into guest memory (KVM would otherwise need int3 there).
      const answer = await gdb.run(`-break-insert -h *0x${address.toString(16)}`);
      const number = Number(miString(miTuple(answer.results.bkpt), 'number'));
      this.internalBreakpoints.set(number, symbol);
    }
  }

  protected override setBreakPointsRequest(
    response: DebugProtocol.SetBreakpointsResponse,
    args: DebugProtocol.SetBreakpointsArguments,
  ): void {
    void this.onSetBreakPoints(response, args);
  }

  private async onSetBreakPoints(
    response: DebugProtocol.SetBreakpointsResponse,
    args: DebugProtocol.SetBreakpointsArguments,
  ): Promise<void> {
    const file = args.source.path;
    const gdb = this.gdb;
    if (!file || !gdb) {
      response.body = {
        breakpoints: (args.breakpoints ?? []).map((bp) => ({ verified: false, line: bp.line, message: 'No debug session.' })),
      };
      this.sendResponse(response);
      return;
    }
    try {
      const breakpoints = await this.whileStopped(async () => {
        const old = this.sourceBreakpoints.get(file) ?? [];
        if (old.length) await gdb.run(`-break-delete ${old.join(' ')}`);
        const numbers: number[] = [];
        const result: DebugProtocol.Breakpoint[] = [];
        for (const wanted of args.breakpoints ?? []) {
          const condition = wanted.condition ? `-c ${miQuote(wanted.condition)} ` : '';
          try {
            const answer = await gdb.run(`-break-insert -f ${condition}${miQuote(`${file}:${wanted.line}`)}`);
            const bkpt = miTuple(answer.results.bkpt);
            const number = Number(miString(bkpt, 'number'));
            numbers.push(number);
            result.push(this.toDapBreakpoint(bkpt, wanted.line));
          } catch (err) {
            result.push({ verified: false, line: wanted.line, message: err instanceof Error ? err.message : String(err) });
          }
        }
        this.sourceBreakpoints.set(file, numbers);
        return result;
      });
      response.body = { breakpoints };
      this.sendResponse(response);
    } catch (err) {
      this.fail(response, err instanceof Error ? err.message : String(err));
    }
  }

  private toDapBreakpoint(bkpt: MiTuple | undefined, requestedLine: number): DebugProtocol.Breakpoint {
    const id = Number(miString(bkpt, 'number'));
    const pending = miString(bkpt, 'pending') !== undefined || miString(bkpt, 'addr') === '<PENDING>';
    const line = Number(miString(bkpt, 'line') ?? miString(miTuple(miList(bkpt?.locations)[0]), 'line') ?? requestedLine);
    const breakpoint: DebugProtocol.Breakpoint = new Breakpoint(!pending, line);
    breakpoint.id = id;
    if (pending) breakpoint.message = `Binds when ${this.moduleName || 'the module'} is loaded in the VM.`;
    return breakpoint;
  }

  protected override configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    void this.onConfigurationDone(response);
  }

  private async onConfigurationDone(response: DebugProtocol.ConfigurationDoneResponse): Promise<void> {
    try {
      this.configured = true;
      await this.resume();
      this.sendResponse(response);
      if (this.args?.loadModule ?? DEBUG_DEFAULTS.loadModule) void this.moduleCommand('insmod');
    } catch (err) {
      this.fail(response, err instanceof Error ? err.message : String(err));
    }
  }

  /** What VS Code shows in the exception widget at the faulting line. */
  protected override exceptionInfoRequest(response: DebugProtocol.ExceptionInfoResponse): void {
    const oops = this.oops;
    if (!oops) {
      this.fail(response, 'Not stopped at an oops.');
      return;
    }
    const where = oops.function ? ` in ${oops.function}` : '';
    response.body = {
      exceptionId: 'Oops',
      description:
        `${oops.description}${where}.` +
        (oops.explanation ? ` Explained by ${oops.explanation}` : '') +
        ' The kernel goes on handling the oops when you continue; the module will likely stay loaded until the VM ends.',
      breakMode: 'always',
      details: { message: oops.description, stackTrace: oops.consoleLines.join('\n') },
    };
    this.sendResponse(response);
  }

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    response.body = { threads: [new Thread(THREAD_ID, `VM CPU (${this.moduleName || 'module'})`)] };
    this.sendResponse(response);
  }

  protected override stackTraceRequest(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): void {
    void this.onStackTrace(response, args);
  }

  private async onStackTrace(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): Promise<void> {
    try {
      if (this.oops) {
        const frame = new StackFrame(
          OOPS_FRAME_ID,
          `${this.oops.function ?? `0x${this.oops.ip.toString(16)}`} (oops)`,
          this.oops.file ? new Source(path.basename(this.oops.file), this.oops.file) : undefined,
          this.oops.line ?? 0,
        );
        frame.instructionPointerReference = `0x${this.oops.ip.toString(16)}`;
        response.body = { stackFrames: [frame], totalFrames: 1 };
        this.sendResponse(response);
        return;
      }
      const gdb = this.requireGdb();
      const answer = await gdb.run('-stack-list-frames 0 40');
      const frames: DebugProtocol.StackFrame[] = [];
      const withKernelSymbols = this.args?.kernelFrames ?? false;
      for (const entry of miList(answer.results.stack)) {
        const frame = miTuple(entry);
        const level = Number(miString(frame, 'level'));
        const fullname = miString(frame, 'fullname');
        const func = miString(frame, 'func') ?? '??';
        const addr = miString(frame, 'addr') ?? '';
        if (!fullname && !withKernelSymbols) {
          // Without the kernel's debug vmlinux the unwinder cannot go past the module (ORC, no frame pointers).
          const kernel = new StackFrame(level + 1, `kernel code ${addr} (no kernel symbols: see kernelFrames)`);
          kernel.presentationHint = 'subtle';
          frames.push(kernel);
          break;
        }
        const line = Number(miString(frame, 'line') ?? 0);
        // Kernel frames name Debian's build paths, which are not on this machine: say where, link nothing.
        const onDisk = fullname !== undefined && path.isAbsolute(fullname) && fs.existsSync(fullname);
        const stackFrame = new StackFrame(
          level + 1,
          onDisk || !fullname ? func : `${func} (${path.basename(fullname)}:${line})`,
          onDisk ? new Source(path.basename(fullname), fullname) : undefined,
          onDisk ? line : 0,
        );
        stackFrame.instructionPointerReference = addr;
        if (!onDisk) stackFrame.presentationHint = 'subtle';
        frames.push(stackFrame);
      }
      const start = args.startFrame ?? 0;
      const shown = args.levels ? frames.slice(start, start + args.levels) : frames.slice(start);
      response.body = { stackFrames: shown, totalFrames: frames.length };
      this.sendResponse(response);
    } catch (err) {
      this.fail(response, err instanceof Error ? err.message : String(err));
    }
  }

  protected override scopesRequest(response: DebugProtocol.ScopesResponse, args: DebugProtocol.ScopesArguments): void {
    if (args.frameId === OOPS_FRAME_ID) {
      response.body = { scopes: [new Scope('Registers at the oops', this.container({ kind: 'oops-registers' }), false)] };
    } else {
      response.body = { scopes: [new Scope('Locals', this.container({ kind: 'locals', level: args.frameId - 1 }), false)] };
    }
    this.sendResponse(response);
  }

  protected override variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): void {
    void this.onVariables(response, args);
  }

  private async onVariables(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): Promise<void> {
    const container = this.containers.get(args.variablesReference);
    try {
      response.body = { variables: container ? await this.variablesOf(container) : [] };
      this.sendResponse(response);
    } catch (err) {
      this.fail(response, err instanceof Error ? err.message : String(err));
    }
  }

  private async variablesOf(container: VariableContainer): Promise<DebugProtocol.Variable[]> {
    const gdb = this.requireGdb();
    if (container.kind === 'oops-registers') {
      return [...(this.oops?.registers ?? [])].map(([name, value]) => ({ name, value: `0x${value.toString(16)}`, variablesReference: 0 }));
    }
    if (container.kind === 'locals') {
      const answer = await gdb.run(`-stack-list-variables --thread ${THREAD_ID} --frame ${container.level} --simple-values`);
      const variables: DebugProtocol.Variable[] = [];
      for (const entry of miList(answer.results.variables)) {
        const variable = miTuple(entry);
        const name = miString(variable, 'name') ?? '?';
        const value = miString(variable, 'value');
        if (value !== undefined) {
          variables.push({ name, value, type: miString(variable, 'type'), variablesReference: 0 });
          continue;
        }
        variables.push(await this.varobjVariable(name, name, container.level));
      }
      return variables;
    }
    const answer = await gdb.run(`-var-list-children --simple-values ${container.name}`);
    const children: DebugProtocol.Variable[] = [];
    for (const entry of miList(answer.results.children)) {
      const child = miTuple(entry);
      const name = miString(child, 'name') ?? '';
      this.varobjs.push(name);
      const numchild = Number(miString(child, 'numchild') ?? 0);
      children.push({
        name: miString(child, 'exp') ?? name,
        value: miString(child, 'value') ?? (numchild ? '{…}' : ''),
        type: miString(child, 'type'),
        variablesReference: numchild > 0 ? this.container({ kind: 'varobj', name }) : 0,
      });
    }
    return children;
  }

  /** A variable gdb shows with children (a struct, an array, a pointer to one). */
  private async varobjVariable(label: string, expression: string, level: number): Promise<DebugProtocol.Variable> {
    const gdb = this.requireGdb();
    const answer = await gdb.run(`-var-create --thread ${THREAD_ID} --frame ${level} - * ${miQuote(expression)}`);
    const name = miString(answer.results, 'name') ?? '';
    this.varobjs.push(name);
    const numchild = Number(miString(answer.results, 'numchild') ?? 0);
    return {
      name: label,
      value: miString(answer.results, 'value') ?? '',
      type: miString(answer.results, 'type'),
      variablesReference: numchild > 0 ? this.container({ kind: 'varobj', name }) : 0,
    };
  }

  protected override evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): void {
    void this.onEvaluate(response, args);
  }

  private async onEvaluate(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): Promise<void> {
    try {
      const gdb = this.requireGdb();
      if (this.running) throw new Error('The VM is running: pause it or stop at a breakpoint to evaluate.');
      const expression = args.expression.trim();
      if (expression.startsWith('>')) {
        // A gdb command typed into the Debug Console.
        const output = await gdb.console(expression.slice(1).trim(), 30_000);
        response.body = { result: output.trimEnd(), variablesReference: 0 };
        this.sendResponse(response);
        return;
      }
      const level = args.frameId === undefined || args.frameId === OOPS_FRAME_ID ? 0 : args.frameId - 1;
      let value: string;
      try {
        value =
          miString(
            (await gdb.run(`-data-evaluate-expression --thread ${THREAD_ID} --frame ${level} ${miQuote(expression)}`)).results,
            'value',
          ) ?? '';
      } catch (err) {
        throw err instanceof MiError ? new Error(await this.explainEvaluationError(err.message)) : err;
      }
      if (value.startsWith('{') || /^\(struct |^\(union /.test(value)) {
        const variable = await this.varobjVariable(expression, expression, level);
        response.body = { result: variable.value, type: variable.type, variablesReference: variable.variablesReference };
      } else {
        response.body = { result: value, variablesReference: 0 };
      }
      this.sendResponse(response);
    } catch (err) {
      this.fail(response, err instanceof Error ? err.message : String(err));
    }
  }

  /** gdb says "Cannot access memory at address 0x…"; say which section that is and why it is gone. */
  private async explainEvaluationError(message: string): Promise<string> {
    const address = /Cannot access memory at address (0x[0-9a-f]+)/.exec(message)?.[1];
    if (!address || !this.gdb) return message;
    const symbol = (await this.gdb.console(`info symbol ${address}`).catch(() => '')).trim();
    const where = /^(\S+)(?: \+ \d+)? in section (\S+)/.exec(symbol);
    if (!where) return message;
    const [, name, section] = where;
    if (section.startsWith('.init.')) {
      return (
        `${message}: ${name} is in ${section}, the module's init memory, which the kernel frees once the init ` +
        `function has returned (that is what __init/__initdata mean). Reading it after init oopses.`
      );
    }
    return `${message} (${name}, section ${section})`;
  }

  protected override continueRequest(response: DebugProtocol.ContinueResponse): void {
    void this.step(response, '-exec-continue');
  }

  protected override nextRequest(response: DebugProtocol.NextResponse): void {
    void this.step(response, '-exec-next');
  }

  protected override stepInRequest(response: DebugProtocol.StepInResponse): void {
    void this.step(response, '-exec-step');
  }

  protected override stepOutRequest(response: DebugProtocol.StepOutResponse): void {
    void this.step(response, '-exec-finish');
  }

  private async step(response: DebugProtocol.Response, command: string): Promise<void> {
    try {
      const at = this.oops ? undefined : this.atBreakpoint;
      if (at && command === '-exec-continue') {
        const stoppedAgain = await this.stepOffBreakpoint(at.address);
        if (stoppedAgain) {
          this.sendResponse(response);
          this.queueStop(stoppedAgain);
          return;
        }
      } else if (at?.number !== undefined) {
        // Stepping from a breakpoint, gdb steps over it first: with it off, a step that did not
        // move is just made again (see stepOffBreakpoint), and it comes back on at the next stop.
        await this.requireGdb().run(`-break-disable ${at.number}`);
        this.disabledWhileStepping = at.number;
      }
      // From an oops there is nothing to step: the kernel goes on handling it.
      await this.resume(this.oops ? '-exec-continue' : command);
      this.sendResponse(response);
    } catch (err) {
      this.fail(response, err instanceof Error ? err.message : String(err));
    }
  }

  protected override pauseRequest(response: DebugProtocol.PauseResponse): void {
    void this.onPause(response);
  }

  private async onPause(response: DebugProtocol.PauseResponse): Promise<void> {
    try {
      await this.requireGdb().run('-exec-interrupt');
      this.pauseTimer = setTimeout(
        () => void this.abort(`The VM did not stop within ${PAUSE_TIMEOUT_MS / 1000} s of Pause; the session ends.`),
        PAUSE_TIMEOUT_MS,
      );
      this.sendResponse(response);
    } catch (err) {
      this.fail(response, err instanceof Error ? err.message : String(err));
    }
  }

  protected override customRequest(command: string, response: DebugProtocol.Response): void {
    if (command === DEBUG_REQUESTS.insmod || command === DEBUG_REQUESTS.rmmod) {
      if (!this.guest?.running) {
        this.fail(response, 'The VM is not running.');
        return;
      }
      void this.moduleCommand(command === DEBUG_REQUESTS.insmod ? 'insmod' : 'rmmod');
      this.sendResponse(response);
      return;
    }
    super.customRequest(command, response, undefined);
  }

  protected override disconnectRequest(response: DebugProtocol.DisconnectResponse): void {
    void this.endSession().then(() => this.sendResponse(response));
  }

  protected override terminateRequest(response: DebugProtocol.TerminateResponse): void {
    void this.endSession().then(() => {
      this.sendResponse(response);
      this.sendEvent(new TerminatedEvent());
    });
  }

  /** Load or unload in the guest; the outcome goes to the Debug Console. */
  private async moduleCommand(verb: 'insmod' | 'rmmod'): Promise<void> {
    const guest = this.guest;
    if (!guest) return;
    try {
      const answer = await guest.run(verb, 0);
      const what = verb === 'insmod' ? `Loaded ${this.moduleName}` : `Unloaded ${this.moduleName}`;
      this.say(answer.rc === 0 ? `${what}.\n` : `${verb} ${this.moduleName} failed (rc=${answer.rc}); see the VM console.\n`);
      if (verb === 'insmod' && answer.rc === 0 && this.symbolsWithoutInit) await this.loadSymbolsFromSysfs();
    } catch (err) {
      if (!this.ended) this.say(`${verb}: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }

  private onAsync(record: { kind: string; asyncClass: string; results: MiTuple }): void {
    if (record.kind === 'exec' && record.asyncClass === 'running') {
      this.running = true;
      return;
    }
    if (record.kind === 'notify' && record.asyncClass === 'breakpoint-modified') {
      const bkpt = miTuple(record.results.bkpt);
      const number = Number(miString(bkpt, 'number'));
      if (!this.internalBreakpoints.has(number)) this.sendEvent(new BreakpointEvent('changed', this.toDapBreakpoint(bkpt, 0)));
      return;
    }
    if (record.kind === 'exec' && record.asyncClass === 'stopped') {
      this.running = false;
      if (this.pauseTimer) clearTimeout(this.pauseTimer);
      this.pauseTimer = undefined;
      this.queueStop(record.results);
    }
  }

  /** Stops are handled one after the other, in the order gdb reported them. */
  private queueStop(results: MiTuple): void {
    this.stopChain = this.stopChain
      .then(() => this.onStopped(results))
      .catch((err: unknown) => {
        this.say(`Debugger: ${err instanceof Error ? err.message : String(err)}\n`);
      });
  }

  private async onStopped(results: MiTuple): Promise<void> {
    this.clearVariables();
    // target remote halts the guest; that stop is ours until the editor has sent its breakpoints.
    if (!this.configured) return;
    const reason = miString(results, 'reason') ?? '';
    if (this.silentStopWaiters.length) {
      this.silentStopWaiters.shift()?.(results);
      return;
    }
    if (reason.startsWith('exited') || reason === 'disconnected') {
      await this.abort('The VM stopped answering the debugger; the session ends.');
      return;
    }
    if (this.disabledWhileStepping !== undefined) {
      await this.requireGdb()
        .run(`-break-enable ${this.disabledWhileStepping}`)
        .catch(() => undefined);
      this.disabledWhileStepping = undefined;
    }
    const internal = reason === 'breakpoint-hit' ? this.internalBreakpoints.get(Number(miString(results, 'bkptno'))) : undefined;
    if (internal === 'do_init_module') {
      await this.onModuleLoading();
      await this.resume();
      return;
    }
    if (internal === '__die') {
      this.oops = await this.readOops();
      const text = this.oops.description;
      this.say(`Oops in ${this.oops.function ?? 'the kernel'}${this.oops.line ? ` (line ${this.oops.line})` : ''}: ${text}\n`);
      this.sendEvent(new StoppedEvent('exception', THREAD_ID, text));
      return;
    }
    // Where a breakpoint stop is: Continue steps off it first (stepOffBreakpoint).
    const address = reason === 'breakpoint-hit' ? await this.evaluateAddress('$pc').catch(() => undefined) : undefined;
    const number = Number(miString(results, 'bkptno'));
    this.atBreakpoint = address === undefined ? undefined : { address, number: Number.isInteger(number) ? number : undefined };
    const dapReason =
      reason === 'breakpoint-hit' ? 'breakpoint' : reason === 'end-stepping-range' || reason === 'function-finished' ? 'step' : 'pause';
    this.sendEvent(new StoppedEvent(dapReason, THREAD_ID));
  }

  /** Stopped in do_init_module(mod): if it is our module, load its symbols where the kernel put it. */
  private async onModuleLoading(): Promise<void> {
    const offsets = this.offsets;
    if (!offsets) return;
    const mod = await this.evaluateAddress('(unsigned long)$rdi');
    const name = await this.readCString(mod + BigInt(offsets.name));
    if (name !== this.moduleName) return;
    const sectAttrs = await this.readWord(mod + BigInt(offsets.sectAttrs));
    const sections =
      sectAttrs === undefined ? undefined : await readSectionAddresses((a, n) => this.readMemory(a, n), sectAttrs, this.sectionNames.all);
    if (!sections) {
      this.symbolsWithoutInit = true;
      this.say(
        `Could not read ${this.moduleName}'s section table at load time; symbols come from /sys/module after insmod (breakpoints in __init functions will not hit).\n`,
      );
      return;
    }
    await this.replaceSymbols(sections);
    const summary = [...sections].filter(([n]) => /^\.(init\.text|exit\.text|text|data|init\.data|bss)$/.test(n));
    this.say(`${this.moduleName} is loading: symbols at ${summary.map(([n, a]) => `${n} 0x${a.toString(16)}`).join(', ')}\n`);
  }

  private async loadSymbolsFromSysfs(): Promise<void> {
    const guest = this.guest;
    if (!guest) return;
    const answer = await guest.run('sections', 30_000);
    const sections = new Map<string, bigint>();
    for (const line of answer.lines) {
      const match = /^section (\S+) (0x[0-9a-f]+)$/.exec(line);
      if (match && this.sectionNames.allocated.has(match[1])) sections.set(match[1], BigInt(match[2]));
    }
    if (!sections.size) return;
    await this.whileStopped(() => this.replaceSymbols(sections));
  }

  private async replaceSymbols(sections: ReadonlyMap<string, bigint>): Promise<void> {
    const gdb = this.requireGdb();
    if (this.loadedSymbolsAt !== undefined)
      await gdb.console(`remove-symbol-file -a 0x${this.loadedSymbolsAt.toString(16)}`).catch(() => '');
    const placed = new Map([...sections].filter(([name]) => this.sectionNames.allocated.has(name)));
    await gdb.console(addSymbolFileCommand(this.symbolFile, placed), 30_000);
    this.loadedSymbolsAt = placed.values().next().value;
  }

  /** Stopped in __die(str, regs, err): the registers of the faulting context and its source line. */
  private async readOops(): Promise<OopsStop> {
    const gdb = this.requireGdb();
    const regsAddress = await this.evaluateAddress('(unsigned long)$rsi');
    const bytes = await this.readMemory(regsAddress, PT_REGS.length * 8);
    const registers = new Map<string, bigint>();
    PT_REGS.forEach((name, i) => bytes && registers.set(name, bytes.readBigUInt64LE(i * 8)));
    const ip = registers.get('ip') ?? 0n;
    const headline = [...this.recentConsole].reverse().find((line) => OOPS_HEADLINE.test(line));
    const description = headline ? (OOPS_HEADLINE.exec(headline)?.[1] ?? headline) : 'Oops';
    const from = headline ? this.recentConsole.lastIndexOf(headline) : -1;
    const stop: OopsStop = { description, ip, registers, consoleLines: from >= 0 ? this.recentConsole.slice(from, from + 40) : [] };
    const hex = `0x${ip.toString(16)}`;
    const lineInfo = await gdb.console(`info line *${hex}`).catch(() => '');
    const located = /^Line (\d+) of "([^"]+)"/m.exec(lineInfo);
    if (located) {
      stop.line = Number(located[1]);
      stop.file = path.isAbsolute(located[2]) ? located[2] : path.resolve(this.args?.moduleDir ?? '.', located[2]);
    }
    // info line names the function as the debug info does (hello_3_exit, not its alias cleanup_module).
    const symbol =
      /starts at address 0x[0-9a-f]+ <([^+>]+)/.exec(lineInfo) ??
      /^(\S+)(?: \+ \d+)? in section/m.exec(await gdb.console(`info symbol ${hex}`).catch(() => ''));
    if (symbol) stop.function = symbol[1];
    if (stop.function) stop.explanation = await this.explainCrash(stop.function);
    return stop;
  }

  /** The analyzer's finding on the crashing function (the seed: it reads __initdata), worded for this kernel. */
  private async explainCrash(fn: string): Promise<string | undefined> {
    const timeout = new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 5000).unref());
    const findings = (await Promise.race([this.moduleFindings, timeout])) ?? [];
    const cause = findingsExplaining(fn, findings)[0];
    const file = cause ? filePathOf(cause.uri) : undefined;
    return cause ? `${file ? path.basename(file) : ''}:${cause.range.start.line + 1}: ${cause.message}` : undefined;
  }

  /** The analyzer's findings on the module, begun once the VM runs: by the time something oopses they are there. */
  private moduleFindings: Promise<Finding[]> = Promise.resolve([]);

  private async evaluateAddress(expression: string): Promise<bigint> {
    const answer = await this.requireGdb().run(`-data-evaluate-expression ${miQuote(expression)}`);
    return BigInt.asUintN(64, BigInt(miString(answer.results, 'value') ?? '0'));
  }

  private async readMemory(address: bigint, length: number): Promise<Buffer | undefined> {
    try {
      const answer = await this.requireGdb().run(`-data-read-memory-bytes 0x${address.toString(16)} ${length}`);
      const first = miTuple(miList(answer.results.memory)[0]);
      const contents = miString(first, 'contents');
      return contents && contents.length === length * 2 ? Buffer.from(contents, 'hex') : undefined;
    } catch {
      return undefined;
    }
  }

  private async readWord(address: bigint): Promise<bigint | undefined> {
    return (await this.readMemory(address, 8))?.readBigUInt64LE(0);
  }

  private async readCString(address: bigint): Promise<string | undefined> {
    const bytes = await this.readMemory(address, 64);
    const end = bytes?.indexOf(0) ?? -1;
    return bytes && end >= 0 ? bytes.toString('latin1', 0, end) : undefined;
  }

  /** Runs `work` with the guest stopped: gdb cannot insert breakpoints in a running remote target. */
  private async whileStopped<T>(work: () => Promise<T>): Promise<T> {
    const gdb = this.requireGdb();
    if (!this.running) return work();
    const stopped = new Promise<void>((resolve) => this.silentStopWaiters.push(() => resolve()));
    await gdb.run('-exec-interrupt');
    await Promise.race([
      stopped,
      new Promise((_, reject) => setTimeout(() => reject(new Error('the VM did not stop to take the breakpoint')), PAUSE_TIMEOUT_MS)),
    ]);
    try {
      return await work();
    } finally {
      await this.resume();
    }
  }

  /**
   * Executes the instruction under the breakpoint the guest stopped at before continuing, and
   * checks that it did: under TCG, gdb's own step over it once in many runs left the guest where
   * it was, and the same breakpoint reported again (Continue seemed to do nothing). Returns the
   * stop when the step lands on another breakpoint (the editor shows it).
   */
  private async stepOffBreakpoint(address: bigint): Promise<MiTuple | undefined> {
    const gdb = this.requireGdb();
    for (let attempt = 1; attempt <= STEP_OFF_ATTEMPTS; attempt++) {
      const stopped = new Promise<MiTuple>((resolve) => this.silentStopWaiters.push(resolve));
      await gdb.run('-exec-step-instruction');
      this.running = true;
      const results = await Promise.race([
        stopped,
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error('the VM did not stop after one instruction')), PAUSE_TIMEOUT_MS).unref(),
        ),
      ]);
      const pc = await this.evaluateAddress('$pc');
      // On the next instruction's own breakpoint: that stop is the editor's to show.
      if (pc !== address) return miString(results, 'reason') === 'breakpoint-hit' ? results : undefined;
      this.say(
        `Debugger: the step off the breakpoint at 0x${address.toString(16)} left the guest there (try ${attempt}); stepping again.\n`,
      );
    }
    return undefined;
  }

  private async resume(command = '-exec-continue'): Promise<void> {
    this.atBreakpoint = undefined;
    this.oops = undefined;
    this.clearVariables();
    await this.requireGdb().run(command);
    this.running = true;
  }

  private container(container: VariableContainer): number {
    const reference = this.nextContainer++;
    this.containers.set(reference, container);
    return reference;
  }

  private clearVariables(): void {
    this.containers.clear();
    const names = this.varobjs.splice(0).filter((name) => !name.includes('.'));
    if (names.length && this.gdb?.running) for (const name of names) void this.gdb.command(`-var-delete ${name}`).catch(() => undefined);
  }

  private requireGdb(): GdbMi {
    if (!this.gdb?.running) throw new Error('The debugger is not attached.');
    return this.gdb;
  }

  /** The VM's console: a terminal in the editor (typing goes to the guest's shell) or the Debug Console. */
  private async openConsole(args: LaunchArguments): Promise<void> {
    const wantTerminal = (args.console ?? DEBUG_DEFAULTS.console) === 'integratedTerminal' && this.clientSupportsTerminal;
    if (!wantTerminal || !this.workDir) return;
    const socketPath = path.join(this.workDir, 'console.sock');
    const server = net.createServer((socket) => {
      this.consoleClients.add(socket);
      socket.write(this.consoleBacklog);
      socket.setEncoding('utf8').on('data', (data: string) => this.guest?.typeIntoConsole(data));
      socket.on('close', () => this.consoleClients.delete(socket));
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => resolve());
    });
    this.consoleServer = server;
    const consoleScript = path.join(__dirname, 'vm-console.js');
    this.runInTerminalRequest(
      {
        kind: 'integrated',
        title: `VM console (${this.moduleName})`,
        cwd: args.moduleDir,
        args: [process.execPath, consoleScript, socketPath],
        env: { ELECTRON_RUN_AS_NODE: '1' },
      },
      10_000,
      (reply) => {
        if (!reply.success)
          this.say(`Could not open the VM console terminal (${reply.message ?? 'no reason given'}); console output goes here.\n`);
      },
    );
  }

  private consoleOutput(chunk: string): void {
    this.consoleLines.push(chunk);
    if (!this.consoleServer) {
      // The serial console arrives a few bytes at a time: the Debug Console gets whole lines (and a
      // prompt once it has stood still for a moment).
      this.debugConsolePending += chunk;
      const end = this.debugConsolePending.lastIndexOf('\n');
      if (end >= 0) {
        this.sendEvent(new OutputEvent(this.debugConsolePending.slice(0, end + 1), 'stdout'));
        this.debugConsolePending = this.debugConsolePending.slice(end + 1);
      }
      if (this.debugConsoleTimer) clearTimeout(this.debugConsoleTimer);
      this.debugConsoleTimer = setTimeout(() => {
        if (this.debugConsolePending) this.sendEvent(new OutputEvent(this.debugConsolePending, 'stdout'));
        this.debugConsolePending = '';
      }, 150);
      return;
    }
    this.consoleBacklog += chunk;
    if (this.consoleBacklog.length > CONSOLE_BACKLOG_BYTES) this.consoleBacklog = this.consoleBacklog.slice(-CONSOLE_BACKLOG_BYTES / 2);
    for (const client of this.consoleClients) client.write(chunk);
  }

  private guestEnded(description: string): void {
    void this.abort(`${description[0].toUpperCase()}${description.slice(1)}; the debug session ends.`);
  }

  /** Ends the session from our side (VM gone, gdb unresponsive) with a message. */
  private async abort(message: string): Promise<void> {
    if (this.ended) return;
    this.say(`${message}\n`);
    await this.endSession();
    this.sendEvent(new TerminatedEvent());
  }

  /** Detaches gdb, kills qemu and its wrappers, closes the console and removes the temp dir. Bounded. */
  async endSession(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    if (this.pauseTimer) clearTimeout(this.pauseTimer);
    if (this.debugConsoleTimer) clearTimeout(this.debugConsoleTimer);
    const gdb = this.gdb;
    const guest = this.guest;
    await Promise.all([gdb?.exit(2000), guest?.stop()]);
    for (const client of this.consoleClients) client.end('\r\n[the VM has stopped]\r\n');
    this.consoleServer?.close();
    if (this.workDir) fs.rmSync(this.workDir, { recursive: true, force: true });
    this.forgetCleanup();
  }

  private say(text: string): void {
    this.sendEvent(new OutputEvent(text, 'console'));
  }

  private fail(response: DebugProtocol.Response, message: string): void {
    response.success = false;
    response.message = message;
    this.sendResponse(response);
  }
}

/** The accelerators to try in order: KVM first when it may work here, then TCG. */
function accelerators(choice: 'auto' | Accel, memo: KvmFailureMemo): Accel[] {
  if (choice !== 'auto') return [choice];
  return kvmAccessible().ok && !memo.recordedFailure() ? ['kvm', 'tcg'] : ['tcg'];
}
