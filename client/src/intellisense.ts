// C IntelliSense for kernel modules with no setup: a compile database made from kbuild (the .cmd
// files of the last build, else a dry run of make) for the selected kernel, kept in the extension's
// storage and current after every build, Kbuild change and kernel change; handed to the installed
// clangd or Microsoft C/C++ extension (after asking once), or, when neither is installed, served by
// a clangd we start ourselves as a second language client. Our own server stays the source of the
// modpost findings and kernel hovers: the clangd client leaves those to it.

import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  LanguageClient,
  RevealOutputChannelOn,
  type LanguageClientOptions,
  type Middleware,
  type ServerOptions,
  type TextDocumentFilter,
} from 'vscode-languageclient/node';
import {
  CLANG_DIAGNOSTICS_LEFT_TO_KMOD,
  CLANGD_EXTENSION_ID,
  CLANGD_PACKAGE,
  CPPTOOLS_EXTENSION_ID,
  clangdArguments,
  findClangd,
  parseClangdMode,
  planIntelliSense,
  withCompileCommandsDir,
  type IntelliSensePlan,
} from '../../shared/src/clangd';
import {
  commandsFromBuild,
  formatDatabase,
  kernelSourceTree,
  moduleCompileCommands,
  withFlavour,
  withUnlistedSources,
  type CommandOrigin,
  type CompileCommand,
  type Flavour,
} from '../../shared/src/compile-db';
import { kbuildFile, kernelTreeRoot } from '../../shared/src/kbuild';
import { installedKernels, readRelease, systemRoot } from '../../shared/src/kernel-dir';
import { findExecutable } from '../../shared/src/process';
import { SECTION } from './config';
import { getKernelBuildDir, onDidChangeKernelBuildDir } from './kernel-dir';
import { findModuleDirs, TASK_TYPE } from './tasks';

export const SET_UP_INTELLISENSE_COMMAND = 'kmod.setUpIntelliSense';

/** workspaceState key: the user's answer to "configure the installed C extensions?" */
const CONSENT_KEY = 'kmod.intellisense.configureExtensions';

/** The terminal "Install clangd" opens; when it closes, clangd may be there. */
const INSTALL_TERMINAL = `Install ${CLANGD_PACKAGE}`;

/** Each module dir costs a dry run (1–3 s) the first time: a workspace with more is not a module's. */
const MAX_MODULE_DIRS = 32;

/** Tasks after which the module dir holds fresh .cmd files. */
const BUILDING_TASKS = new Set(['build', 'build-all', 'vm']);

interface ModuleState {
  /** The Kbuild/Makefile and build dir the commands were made for. */
  stamp: string;
  origin: CommandOrigin;
  commands: CompileCommand[];
}

/** One kernel build dir's databases: `<slot>/clang/compile_commands.json`, `<slot>/gcc/…`, and the per-module cache. */
class KernelSlot {
  readonly modules = new Map<string, ModuleState>();

  constructor(
    readonly kdir: string,
    readonly dir: string,
  ) {
    try {
      const cached = JSON.parse(fs.readFileSync(this.cacheFile, 'utf8')) as Record<string, ModuleState>;
      for (const [moduleDir, state] of Object.entries(cached)) this.modules.set(moduleDir, state);
    } catch {
      /* no cache yet */
    }
  }

  get cacheFile(): string {
    return path.join(this.dir, 'modules.json');
  }

  database(flavour: Flavour): string {
    return path.join(this.dir, flavour, 'compile_commands.json');
  }

  saveCache(): void {
    writeIfChanged(this.cacheFile, JSON.stringify(Object.fromEntries(this.modules)));
  }
}

/** Writes `text` unless the file already holds it (a new clang database restarts clangd); true when written. */
function writeIfChanged(file: string, text: string): boolean {
  try {
    if (fs.readFileSync(file, 'utf8') === text) return false;
  } catch {
    /* not there yet */
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, text);
  fs.renameSync(temporary, file);
  return true;
}

/** What the module's commands depend on besides the sources: its Kbuild/Makefile and the build dir's Makefile. */
function stampOf(moduleDir: string, kdir: string): string {
  const parts = [kbuildFile(moduleDir), path.join(kdir, 'Makefile')].map((file) => {
    try {
      const stat = fs.statSync(file ?? '');
      return `${file}:${stat.mtimeMs}:${stat.size}`;
    } catch {
      return `${file}:-`;
    }
  });
  return parts.join('|');
}

interface RefreshOptions {
  /** A build just ended: re-read its .cmd files even where the cache is current. */
  afterBuild?: boolean;
  /** It built for every kernel: make every kernel's database, not only the selected one's. */
  everyKernel?: boolean;
}

type Status =
  | { kind: 'hidden' }
  | { kind: 'untrusted' }
  | { kind: 'no-kernel' }
  | { kind: 'generating' }
  | { kind: 'failed'; message: string }
  | { kind: 'needs-consent' }
  | { kind: 'no-clangd' }
  | { kind: 'off' }
  | { kind: 'bad-path'; path: string }
  | { kind: 'clangd-failed'; message: string }
  | { kind: 'ready'; servedBy: string[]; files: number; database: string; release: string };

class IntelliSense implements vscode.Disposable {
  private readonly log = vscode.window.createOutputChannel('Kernel Module IntelliSense', { log: true });
  /** clangd's own output: one channel for every clangd we start, since a stopped one may still write its last lines. */
  private readonly clangdOutput = vscode.window.createOutputChannel('clangd (Kernel Module Tools)', { log: true });
  private readonly item = vscode.window.createStatusBarItem('kmod.intellisense', vscode.StatusBarAlignment.Right, 99);
  private readonly slots = new Map<string, KernelSlot>();
  private status: Status = { kind: 'hidden' };
  private clangd?: { client: LanguageClient; key: string };
  private running?: Promise<void>;
  private again: RefreshOptions | undefined;
  private askedForConsent = false;
  private readonly activatedAt = Date.now();

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly kmodClient: () => LanguageClient | undefined,
  ) {
    this.item.name = 'Kernel Module IntelliSense';
    this.item.command = SET_UP_INTELLISENSE_COMMAND;
  }

  private storageRoot(): string {
    return path.join((this.context.storageUri ?? this.context.globalStorageUri).fsPath, 'compile-commands');
  }

  private slot(kdir: string): KernelSlot {
    let slot = this.slots.get(kdir);
    if (!slot) {
      const name = `${readRelease(kdir) ?? path.basename(kdir)}-${createHash('sha256').update(kdir).digest('hex').slice(0, 8)}`;
      slot = new KernelSlot(kdir, path.join(this.storageRoot(), name.replace(/[^A-Za-z0-9._+-]/g, '_')));
      this.slots.set(kdir, slot);
    }
    return slot;
  }

  /** Brings the databases and the C tooling up to date. Runs one at a time; requests that arrive meanwhile are folded into one more run. */
  refresh(options: RefreshOptions = {}): Promise<void> {
    if (this.running) {
      this.again = {
        afterBuild: !!this.again?.afterBuild || !!options.afterBuild,
        everyKernel: !!this.again?.everyKernel || !!options.everyKernel,
      };
      return this.running;
    }
    this.running = this.run(options)
      .catch((error: unknown) => this.log.error(`IntelliSense: ${(error as Error).stack ?? String(error)}`))
      .finally(() => {
        this.running = undefined;
        const next = this.again;
        this.again = undefined;
        if (next) void this.refresh(next);
      });
    return this.running;
  }

  private async run(options: RefreshOptions): Promise<void> {
    const moduleDirs = await this.moduleDirs();
    if (moduleDirs.length === 0) return this.show({ kind: 'hidden' });
    if (!vscode.workspace.isTrusted) return this.show({ kind: 'untrusted' });
    const selected = await getKernelBuildDir();
    if (!selected) {
      await this.stopClangd();
      return this.show({ kind: 'no-kernel' });
    }

    const slot = this.slot(selected.dir);
    for (const known of [...slot.modules.keys()]) if (!moduleDirs.includes(known)) slot.modules.delete(known);
    if (!slot.modules.size || options.afterBuild) this.show({ kind: 'generating' });
    // The modules open in editors first: clangd starts on them while the others' dry runs go on
    // (it reads the database only at start, so it restarts once if the rest changes it).
    const openFiles = vscode.workspace.textDocuments.map((document) => document.uri.fsPath);
    const first = moduleDirs.filter((dir) => openFiles.some((file) => file.startsWith(dir + path.sep)));
    const phases =
      first.length > 0 && first.length < moduleDirs.length ? [first, moduleDirs.filter((dir) => !first.includes(dir))] : [moduleDirs];
    const failures: string[] = [];
    for (const phase of phases) {
      failures.push(...(await this.generate(slot, phase, !!options.afterBuild)));
      const changed = this.writeDatabases(slot, moduleDirs);
      if (slot.modules.size > 0) await this.wire(slot, changed, selected.release);
    }
    if (failures.length > 0 && (slot.modules.size === 0 || this.status.kind === 'ready')) {
      this.show({ kind: 'failed', message: failures.join('\n') });
    }

    // A build for every kernel left .cmd files for the last one only: the others get theirs too.
    if (options.everyKernel) {
      for (const kernel of this.otherKernels(selected.dir)) {
        const other = this.slot(kernel);
        await this.generate(other, moduleDirs, true);
        this.writeDatabases(other, moduleDirs);
      }
    }
  }

  /**
   * The workspace's external module dirs. Directories inside a kernel source tree are left out:
   * there every Makefile declares obj-m, each would cost a dry run, and the tree makes its own
   * database (`make compile_commands.json` after a build).
   */
  private async moduleDirs(): Promise<string[]> {
    const all = await findModuleDirs();
    const external = all.filter((dir) => kernelTreeRoot(dir) === undefined);
    if (external.length < all.length) this.log.info(`${all.length - external.length} module dir(s) inside a kernel source tree left out`);
    if (external.length > MAX_MODULE_DIRS)
      this.log.warn(`${external.length} module dirs: only the first ${MAX_MODULE_DIRS} get compile commands`);
    return external.slice(0, MAX_MODULE_DIRS);
  }

  private otherKernels(selected: string): string[] {
    const configured = vscode.workspace.getConfiguration(SECTION).get<string[]>('kernelBuildDirs') ?? [];
    const dirs = [...installedKernels(systemRoot(), os.release()).map((k) => k.dir), ...configured];
    return [...new Set(dirs)].filter((dir) => dir !== selected);
  }

  /** Each module dir's commands for the slot's kernel; returns what could not be made. */
  private async generate(slot: KernelSlot, moduleDirs: readonly string[], afterBuild: boolean): Promise<string[]> {
    const failures: string[] = [];
    const pending = [...moduleDirs];
    // A dry run mostly waits on kbuild's compiler probes: two at a time finish sooner even on two cores.
    const worker = async () => {
      for (let moduleDir = pending.shift(); moduleDir !== undefined; moduleDir = pending.shift()) {
        const failure = await this.generateOne(slot, moduleDir, afterBuild);
        if (failure) failures.push(failure);
      }
    };
    await Promise.all([worker(), worker()]);
    slot.saveCache();
    return failures.sort();
  }

  /** One module dir's commands into the slot (kept when current); what went wrong, if anything. */
  private async generateOne(slot: KernelSlot, moduleDir: string, afterBuild: boolean): Promise<string | undefined> {
    const stamp = stampOf(moduleDir, slot.kdir);
    const started = Date.now();
    try {
      let state: ModuleState | undefined;
      if (afterBuild) {
        const built = commandsFromBuild(slot.kdir, moduleDir);
        if (built.commands.length > 0 && built.missing.length === 0) state = { stamp, origin: 'build', commands: built.commands };
      }
      if (!state && slot.modules.get(moduleDir)?.stamp === stamp) return undefined;
      state ??= { stamp, ...(await moduleCompileCommands(slot.kdir, moduleDir)) };
      slot.modules.set(moduleDir, state);
      const from = state.origin === 'build' ? "the build's .cmd files" : 'a dry run of make';
      this.log.info(`${moduleDir}: ${state.commands.length} file(s) from ${from} for ${slot.kdir} in ${Date.now() - started} ms`);
      return undefined;
    } catch (error) {
      // A folder deleted while make ran is not a failure to report: the next plan leaves it out.
      if (!fs.existsSync(moduleDir)) {
        this.log.info(`${moduleDir}: deleted during the dry run`);
        return undefined;
      }
      this.log.error(`${moduleDir}: ${(error as Error).message}`);
      return `${path.basename(moduleDir)}: ${(error as Error).message}`;
    }
  }

  /**
   * Writes both flavours (and the module dirs' copies the setting asks for); true when the clang
   * database changed. clangd guesses the flags of a C file kbuild does not compile from its
   * neighbours, so its database holds kbuild's commands only, and a new file does not restart it;
   * cpptools and other tools get entries for those files too.
   */
  private writeDatabases(slot: KernelSlot, moduleDirs: readonly string[]): boolean {
    const perModule = moduleDirs.flatMap((dir) => {
      const state = slot.modules.get(dir);
      return state ? [{ dir, compiled: state.commands, commands: withUnlistedSources(state.commands, dir) }] : [];
    });
    const compiled = perModule.flatMap((m) => m.compiled);
    const everyFile = perModule.flatMap((m) => m.commands);
    const changed = writeIfChanged(slot.database('clang'), formatDatabase(withFlavour(compiled, 'clang')));
    writeIfChanged(slot.database('gcc'), formatDatabase(withFlavour(everyFile, 'gcc')));
    const flavour = vscode.workspace.getConfiguration(SECTION).get<string>('compileCommands.moduleDir');
    if (flavour === 'clang' || flavour === 'gcc') {
      for (const { dir, commands } of perModule)
        writeIfChanged(path.join(dir, 'compile_commands.json'), formatDatabase(withFlavour(commands, flavour)));
    }
    return changed;
  }

  private plan(): IntelliSensePlan {
    return planIntelliSense({
      mode: parseClangdMode(vscode.workspace.getConfiguration(SECTION).get<string>('clangd.mode') ?? 'auto'),
      clangdExtension: vscode.extensions.getExtension(CLANGD_EXTENSION_ID) !== undefined,
      cpptools: vscode.extensions.getExtension(CPPTOOLS_EXTENSION_ID) !== undefined,
      find: () => findClangd(),
      resolveExecutable: (file) => findExecutable(file),
    });
  }

  /** Hands the database to whoever serves C IntelliSense; `changed`: its content is new since the last run. */
  private async wire(slot: KernelSlot, changed: boolean, release: string): Promise<void> {
    const plan = this.plan();
    const files = [...slot.modules.values()].reduce((n, m) => n + m.commands.length, 0);
    const servedBy: string[] = [];
    let waitingForConsent = false;
    if (plan.clangdExtension || plan.cpptools) {
      if (this.consent(plan) === 'yes') {
        if (plan.clangdExtension) servedBy.push(await this.configureClangdExtension(slot, changed));
        if (plan.cpptools) servedBy.push(await this.configureCpptools(slot));
      } else waitingForConsent = true;
    }
    if (plan.ownClangd) {
      try {
        servedBy.push(await this.startClangd(plan.ownClangd, slot, changed));
      } catch (error) {
        return this.show({ kind: 'clangd-failed', message: (error as Error).message });
      }
    } else {
      await this.stopClangd();
    }
    if (servedBy.length === 0) {
      if (waitingForConsent) return this.show({ kind: 'needs-consent' });
      if (plan.problem === 'bad-path') return this.show({ kind: 'bad-path', path: this.configuredMode() });
      return this.show({ kind: plan.problem === 'off' ? 'off' : 'no-clangd' });
    }
    this.show({
      kind: 'ready',
      servedBy,
      files,
      database: slot.database(plan.ownClangd || plan.clangdExtension ? 'clang' : 'gcc'),
      release,
    });
  }

  private configuredMode(): string {
    return vscode.workspace.getConfiguration(SECTION).get<string>('clangd.mode') ?? 'auto';
  }

  /**
   * The answer to "point the installed C extensions at the database?", asked once per workspace
   * before writing their settings into it. Unanswered: asks (once a session, without waiting; the
   * answer starts another refresh).
   */
  private consent(plan: IntelliSensePlan): 'yes' | 'no' | undefined {
    const answer = this.context.workspaceState.get<'yes' | 'no'>(CONSENT_KEY);
    if (answer || this.askedForConsent) return answer;
    this.askedForConsent = true;
    const names = [plan.clangdExtension ? 'clangd (clangd.arguments)' : '', plan.cpptools ? 'C/C++ (C_Cpp.default.compileCommands)' : '']
      .filter(Boolean)
      .join(' and ');
    void vscode.window
      .showInformationMessage(
        `Kernel Module Tools made a compile database for this workspace's kernel modules from kbuild. Point ${names} at it? This changes this workspace's settings.`,
        'Yes',
        'No',
      )
      .then(async (choice) => {
        if (choice === undefined) return;
        await this.context.workspaceState.update(CONSENT_KEY, choice === 'Yes' ? 'yes' : 'no');
        await this.refresh();
      });
    return undefined;
  }

  private async configureClangdExtension(slot: KernelSlot, changed: boolean): Promise<string> {
    const config = vscode.workspace.getConfiguration('clangd');
    const current = config.get<string[]>('arguments') ?? [];
    const wanted = withCompileCommandsDir(current, path.dirname(slot.database('clang')));
    const argumentsChanged = JSON.stringify(current) !== JSON.stringify(wanted);
    if (argumentsChanged) await config.update('arguments', wanted, vscode.ConfigurationTarget.Workspace);
    // clangd reads its arguments at start: restart it when they, or the database, changed.
    if (argumentsChanged || changed) await vscode.commands.executeCommand('clangd.restart').then(undefined, () => undefined);
    return 'the clangd extension';
  }

  private async configureCpptools(slot: KernelSlot): Promise<string> {
    const config = vscode.workspace.getConfiguration('C_Cpp.default');
    const wanted = slot.database('gcc');
    if (config.get<unknown>('compileCommands') !== wanted)
      await config.update('compileCommands', wanted, vscode.ConfigurationTarget.Workspace);
    return 'C/C++ (cpptools)';
  }

  /** Starts (or keeps) our clangd for the modules' C files and the kernel headers; returns who serves. */
  private async startClangd(binary: string, slot: KernelSlot, changed: boolean): Promise<string> {
    const databaseDir = path.dirname(slot.database('clang'));
    const trees = [...new Set([slot.kdir, kernelSourceTree(slot.kdir)])];
    const roots = [...slot.modules.keys(), ...trees].sort();
    const key = JSON.stringify({ binary, databaseDir, roots });
    const label = `${path.basename(binary)} (started by Kernel Module Tools)`;
    const running = this.clangd;
    if (running?.key === key && !changed && running.client.isRunning()) return label;
    const why = !running ? 'start' : running.key !== key ? 'new module dirs or kernel' : changed ? 'new compile database' : 'not running';
    await this.stopClangd();
    const serverOptions: ServerOptions = { command: binary, args: clangdArguments(databaseDir) };
    const documentSelector: TextDocumentFilter[] = roots.map((root) => ({
      scheme: 'file',
      language: 'c',
      pattern: { baseUri: vscode.Uri.file(root).toString(), pattern: '**/*' },
    }));
    const started = Date.now();
    const clientOptions: LanguageClientOptions = {
      documentSelector,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      outputChannel: this.clangdOutput,
      middleware: this.clangdMiddleware(started),
    };
    const client = new LanguageClient('kmod.clangd', 'clangd (Kernel Module Tools)', serverOptions, clientOptions);
    this.clangd = { client, key };
    try {
      await client.start();
    } catch (error) {
      await this.stopClangd();
      throw error;
    }
    this.log.info(`started ${binary} ${clangdArguments(databaseDir).join(' ')} (${why}) in ${Date.now() - started} ms`);
    return label;
  }

  private async stopClangd(): Promise<void> {
    const running = this.clangd;
    this.clangd = undefined;
    if (running) await running.client.dispose().catch(() => undefined);
  }

  /** What our server already answers, clangd's client leaves out: kernel hovers, the same definition, the outline, diagnostics our findings cover. */
  private clangdMiddleware(startedAt: number): Middleware {
    let firstDiagnostics = true;
    const kmodResult = async <R>(
      method: string,
      document: vscode.TextDocument,
      position: vscode.Position,
      token: vscode.CancellationToken,
    ) => {
      const kmod = this.kmodClient();
      if (!kmod?.isRunning()) return null;
      const params = kmod.code2ProtocolConverter.asTextDocumentPositionParams(document, position);
      return kmod.sendRequest<R | null>(method, params, token).catch(() => null);
    };
    return {
      provideHover: async (document, position, token, next) => {
        const ours = await kmodResult<{ contents: unknown }>('textDocument/hover', document, position, token);
        return ours?.contents ? undefined : next(document, position, token);
      },
      provideDefinition: async (document, position, token, next) => {
        const [theirs, ours] = await Promise.all([
          next(document, position, token),
          kmodResult<{ uri: string; range: { start: { line: number } } }>('textDocument/definition', document, position, token),
        ]);
        if (!ours || !theirs) return theirs;
        const oursFile = vscode.Uri.parse(ours.uri).fsPath;
        const elsewhere = (uri: vscode.Uri, line: number) => uri.fsPath !== oursFile || line !== ours.range.start.line;
        const list = Array.isArray(theirs) ? theirs : [theirs];
        const kept = list.filter((target) =>
          'targetUri' in target
            ? elsewhere(target.targetUri, target.targetRange.start.line)
            : elsewhere(target.uri, target.range.start.line),
        );
        return kept as vscode.Location[] | vscode.LocationLink[];
      },
      provideDocumentSymbols: () => [],
      handleDiagnostics: (uri, diagnostics, next) => {
        if (firstDiagnostics) {
          firstDiagnostics = false;
          const now = Date.now();
          this.log.info(
            `clangd: first diagnostics (${uri.fsPath}) ${now - startedAt} ms after it started, ${now - this.activatedAt} ms after activation`,
          );
        }
        next(
          uri,
          diagnostics.filter((d) => !(typeof d.code === 'string' && d.code in CLANG_DIAGNOSTICS_LEFT_TO_KMOD)),
        );
      },
    };
  }

  private show(status: Status): void {
    this.status = status;
    const item = this.item;
    item.backgroundColor = undefined;
    const warn = () => {
      item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
    };
    switch (status.kind) {
      case 'hidden':
        item.hide();
        return;
      case 'untrusted':
        item.text = '$(shield) IntelliSense';
        item.tooltip =
          'C IntelliSense for kernel modules runs kbuild (make -n) to learn the compiler flags: it needs a trusted workspace. Click to manage Workspace Trust.';
        break;
      case 'no-kernel':
        item.text = '$(warning) IntelliSense';
        item.tooltip = 'No kernel build directory: the compile database needs the kernel headers. Click to pick one.';
        warn();
        break;
      case 'generating':
        item.text = '$(sync~spin) IntelliSense';
        item.tooltip = 'Making the compile database from kbuild…';
        break;
      case 'failed':
        item.text = '$(warning) IntelliSense';
        item.tooltip = `The compile database could not be made:\n${status.message}\nClick to try again (the log is in Output › Kernel Module IntelliSense).`;
        warn();
        break;
      case 'needs-consent':
        item.text = '$(warning) IntelliSense';
        item.tooltip = 'The installed C extension does not know the compile database yet. Click to point it there.';
        warn();
        break;
      case 'no-clangd':
        item.text = '$(warning) IntelliSense';
        item.tooltip = `No C language server: install clangd (sudo apt install ${CLANGD_PACKAGE}) or the clangd extension. Click to install.`;
        warn();
        break;
      case 'off':
        item.text = '$(circle-slash) IntelliSense';
        item.tooltip = 'kmod.clangd.mode is off and no C extension is installed. Click to open the setting.';
        break;
      case 'bad-path':
        item.text = '$(warning) IntelliSense';
        item.tooltip = `kmod.clangd.mode names ${status.path}, which is not an executable. Click to open the setting.`;
        warn();
        break;
      case 'clangd-failed':
        item.text = '$(warning) IntelliSense';
        item.tooltip = `clangd did not start: ${status.message}\nClick to try again.`;
        warn();
        break;
      case 'ready':
        item.text = '$(check) IntelliSense';
        item.tooltip = [
          `C IntelliSense for kernel modules: ${status.servedBy.join(', ')}`,
          `Compile database: ${status.files} file(s) for ${status.release}`,
          status.database,
          'Click for actions.',
        ].join('\n');
        break;
    }
    item.show();
  }

  /** The status item's click: whatever fixes the current state. */
  async fix(): Promise<boolean> {
    const status = this.status;
    switch (status.kind) {
      case 'untrusted':
        await vscode.commands.executeCommand('workbench.trust.manage');
        return false;
      case 'no-kernel':
        await vscode.commands.executeCommand('kmod.selectKernelBuildDir');
        return false;
      case 'needs-consent':
        await this.context.workspaceState.update(CONSENT_KEY, undefined);
        this.askedForConsent = false;
        await this.refresh();
        return false;
      case 'no-clangd':
        return this.offerInstall();
      case 'off':
      case 'bad-path':
        await vscode.commands.executeCommand('workbench.action.openSettings', `${SECTION}.clangd.mode`);
        return false;
      case 'ready':
        return this.actions();
      default:
        this.log.show(true);
        this.slots.clear();
        await fs.promises.rm(this.storageRoot(), { recursive: true, force: true });
        await this.refresh();
        return this.status.kind === 'ready';
    }
  }

  private async offerInstall(): Promise<boolean> {
    const install = `Install ${CLANGD_PACKAGE} in a Terminal`;
    const choice = await vscode.window.showWarningMessage(
      `C completion and compile errors for kernel modules need clangd. Install the Debian package "${CLANGD_PACKAGE}" (or the clangd extension), then this sets itself up.`,
      install,
    );
    if (choice !== install) return false;
    const terminal = vscode.window.createTerminal({ name: INSTALL_TERMINAL });
    terminal.show();
    terminal.sendText(`sudo apt-get install ${CLANGD_PACKAGE}`);
    return true;
  }

  private async actions(): Promise<boolean> {
    const items = [
      { label: 'Regenerate the compile database', run: () => this.rebuildAll() },
      { label: 'Open compile_commands.json', run: () => this.openDatabase() },
      ...(this.clangd ? [{ label: 'Restart clangd', run: () => this.restartClangd() }] : []),
      { label: 'Show the log', run: async () => this.log.show() },
    ];
    const picked = await vscode.window.showQuickPick(items, { title: 'Kernel Module IntelliSense' });
    if (!picked) return false;
    await picked.run();
    return true;
  }

  private async rebuildAll(): Promise<void> {
    for (const slot of this.slots.values()) slot.modules.clear();
    await this.refresh();
  }

  private async openDatabase(): Promise<void> {
    if (this.status.kind !== 'ready') return;
    await vscode.window.showTextDocument(vscode.Uri.file(this.status.database), { preview: true });
  }

  private async restartClangd(): Promise<void> {
    await this.clangd?.client.restart();
  }

  dispose(): void {
    void this.stopClangd().finally(() => this.clangdOutput.dispose());
    this.item.dispose();
    this.log.dispose();
  }
}

export function registerIntelliSense(context: vscode.ExtensionContext, kmodClient: () => LanguageClient | undefined): void {
  const intelliSense = new IntelliSense(context, kmodClient);
  let timer: NodeJS.Timeout | undefined;
  /** Kbuild edits and new files come in bursts (save all, git checkout): wait for the last. */
  const soon = () => {
    clearTimeout(timer);
    timer = setTimeout(() => void intelliSense.refresh(), 1500);
  };
  const watcher = vscode.workspace.createFileSystemWatcher('**/{Kbuild,Makefile,*.c}');
  watcher.onDidCreate(soon);
  watcher.onDidDelete(soon);
  watcher.onDidChange((uri) => {
    if (!uri.fsPath.endsWith('.c')) soon();
  });
  context.subscriptions.push(
    intelliSense,
    watcher,
    { dispose: () => clearTimeout(timer) },
    vscode.commands.registerCommand(SET_UP_INTELLISENSE_COMMAND, () => intelliSense.fix()),
    onDidChangeKernelBuildDir(() => void intelliSense.refresh()),
    vscode.workspace.onDidGrantWorkspaceTrust(() => void intelliSense.refresh()),
    vscode.extensions.onDidChange(() => void intelliSense.refresh()),
    vscode.window.onDidCloseTerminal((terminal) => {
      if (terminal.name === INSTALL_TERMINAL) void intelliSense.refresh();
    }),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration(`${SECTION}.clangd.mode`) || event.affectsConfiguration(`${SECTION}.compileCommands.moduleDir`)) {
        void intelliSense.refresh();
      }
    }),
    vscode.tasks.onDidEndTaskProcess((event) => {
      const definition = event.execution.task.definition;
      if (definition.type !== TASK_TYPE || !BUILDING_TASKS.has(String(definition.task))) return;
      void intelliSense.refresh({ afterBuild: true, everyKernel: definition.task === 'build-all' });
    }),
  );
  void intelliSense.refresh();
}
