// Palette commands: build, clean, load (with a module-parameters box), unload, follow the kernel
// log (all of it or one module's), select the kernel build dir. Each resolves to true when its
// task/terminal started and to false (after telling the user why) when it refused; none throws.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { readSettings } from './config';
import { kernelModuleName, splitModuleParameters, type TaskKind } from '../../shared/src/command-lines';
import { hostLoadProblem, loadProblem, parseCommandOutcome, type CommandOutcome } from '../../shared/src/module-load';
import { tryReadTextFileSync } from '../../shared/src/safe-read';
import { moduleDirOf, modulesOf } from './module-dirs';
import { openKernelLogTerminal } from './kernel-log';
import { pickKernelBuildDir } from './kernel-dir';
import { SELECT_KERNEL_DIR_COMMAND } from './status';
import { createKbuildTask, findModuleDirs, moduleMessagePrefixes, TASK_TYPE } from './tasks';
import { requireTrust } from './trust';

export const COMMANDS = {
  build: 'kmod.buildModule',
  buildAll: 'kmod.buildModuleForAllKernels',
  clean: 'kmod.cleanModule',
  load: 'kmod.loadModule',
  unload: 'kmod.unloadModule',
  followLog: 'kmod.followKernelLog',
  followModuleLog: 'kmod.followModuleLog',
  testInVm: 'kmod.testModuleInVm',
  selectKernelDir: SELECT_KERNEL_DIR_COMMAND,
} as const;

/** A command argument may name the module directory (a path or the Explorer's Uri). */
type Target = vscode.Uri | string | undefined;

function targetPath(target: Target): string | undefined {
  if (target instanceof vscode.Uri) return target.fsPath;
  return typeof target === 'string' && target ? target : undefined;
}

const isDirectory = (file: string) => {
  try {
    return fs.statSync(file).isDirectory();
  } catch {
    return false;
  }
};

/** The module directory to act on: the argument's, the active editor's, the only one, or a choice. */
export async function chooseModuleDir(target: Target): Promise<string | undefined> {
  const fromTarget = targetPath(target) ?? vscode.window.activeTextEditor?.document.uri.fsPath;
  if (fromTarget) {
    const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(fromTarget));
    const stopAt = folder?.uri.fsPath ?? path.parse(fromTarget).root;
    // moduleDirOf starts at the file's directory: for a directory argument, start at the directory.
    const start = isDirectory(fromTarget) ? path.join(fromTarget, 'Makefile') : fromTarget;
    const dir = moduleDirOf(start, stopAt);
    if (dir) return dir;
  }
  const dirs = await findModuleDirs();
  if (dirs.length === 1) return dirs[0];
  if (dirs.length === 0) {
    void vscode.window.showErrorMessage(
      'No module directory found: no Kbuild or Makefile in the workspace declares a module (a line like "obj-m += hello.o").',
    );
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    dirs.map((dir) => ({ label: path.basename(dir), description: vscode.workspace.asRelativePath(dir), dir })),
    { title: 'Module directory', placeHolder: 'Which module?' },
  );
  return picked?.dir;
}

/** The module of a directory that builds several (quick pick); the only one otherwise. */
async function chooseModule(moduleDir: string): Promise<string | undefined> {
  const modules = modulesOf(moduleDir);
  if (modules.length <= 1) return modules[0]?.name;
  const picked = await vscode.window.showQuickPick(
    modules.map((m) => ({ label: m.name, description: m.built ? path.basename(m.ko) : 'not built yet' })),
    { title: 'Module', placeHolder: `${moduleDir} builds several modules` },
  );
  return picked?.label;
}

async function askParameters(): Promise<string | undefined> {
  return vscode.window.showInputBox({
    title: 'Module parameters',
    prompt: 'name=value pairs separated by spaces; quote values with spaces: msg="two words". Empty for none.',
    value: readSettings().moduleParameters,
    validateInput: (text) => {
      const split = splitModuleParameters(text);
      return split.ok ? undefined : split.reason;
    },
  });
}

async function startTask(
  context: vscode.ExtensionContext,
  kind: TaskKind,
  moduleDir: string,
  extra: { params?: string; module?: string } = {},
  outcomeFile?: string,
): Promise<vscode.TaskExecution | undefined> {
  const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(moduleDir));
  const result = await createKbuildTask(
    { type: TASK_TYPE, task: kind, moduleDir, ...extra },
    folder ?? vscode.TaskScope.Workspace,
    context,
    { interactive: true, outcomeFile },
  );
  if (!result.ok) {
    if (!result.shown) void vscode.window.showErrorMessage(`Kernel Module: ${result.reason}`);
    return undefined;
  }
  return vscode.tasks.executeTask(result.task);
}

async function runTask(
  context: vscode.ExtensionContext,
  kind: TaskKind,
  moduleDir: string,
  extra: { params?: string; module?: string } = {},
): Promise<boolean> {
  return (await startTask(context, kind, moduleDir, extra)) !== undefined;
}

const TEST_IN_VM = 'Test in VM';
const CHOOSE_HEADERS = 'Choose Kernel Headers';
const FOLLOW_MODULE_LOG = 'Follow Module Log';
const UNLOAD = 'Unload';

/** Offers the next step after a notification about `moduleDir` (nothing waits for the answer). */
function offer(message: Thenable<string | undefined>, moduleDir: string): void {
  void message.then((choice) => {
    if (choice === TEST_IN_VM) void vscode.commands.executeCommand(COMMANDS.testInVm, moduleDir);
    if (choice === CHOOSE_HEADERS) void vscode.commands.executeCommand(COMMANDS.selectKernelDir);
    if (choice === FOLLOW_MODULE_LOG) void vscode.commands.executeCommand(COMMANDS.followModuleLog, moduleDir);
    if (choice === UNLOAD) void vscode.commands.executeCommand(COMMANDS.unload, moduleDir);
  });
}

/** Why the host cannot load this module, told before anything asks for parameters; false when nothing stands in the way. */
function refuseUnloadable(koFile: string, moduleDir: string): boolean {
  const problem = loadProblem(koFile, os.release());
  if (!problem) return false;
  const buttons = problem.kind === 'other-kernel' ? [TEST_IN_VM, CHOOSE_HEADERS] : [TEST_IN_VM];
  const next = problem.kind === 'other-kernel' ? '' : ' Test the module in a throwaway VM instead.';
  offer(vscode.window.showErrorMessage(`${problem.message}${next}`, ...buttons), moduleDir);
  return true;
}

/** Load or unload as a task, then what came of it as a notification with the next step. */
async function runLoadTask(
  context: vscode.ExtensionContext,
  kind: 'load' | 'unload',
  moduleDir: string,
  extra: { params?: string; module: string },
): Promise<boolean> {
  const outcomeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kmod-outcome-'));
  const outcomeFile = path.join(outcomeDir, 'outcome.json');
  const execution = await startTask(context, kind, moduleDir, extra, outcomeFile);
  if (!execution) {
    fs.rmSync(outcomeDir, { recursive: true, force: true });
    return false;
  }
  const ended = vscode.tasks.onDidEndTaskProcess((event) => {
    if (event.execution !== execution && event.execution.task.name !== execution.task.name) return;
    ended.dispose();
    const outcome = parseCommandOutcome(tryReadTextFileSync(outcomeFile, 1024 * 1024));
    fs.rmSync(outcomeDir, { recursive: true, force: true });
    announce(kind, moduleDir, kernelModuleName(extra.module), outcome ?? { exitCode: event.exitCode ?? 1, messages: [] });
  });
  context.subscriptions.push(ended);
  return true;
}

function announce(kind: 'load' | 'unload', moduleDir: string, name: string, outcome: CommandOutcome): void {
  if (outcome.exitCode === 0) {
    const message =
      kind === 'load'
        ? vscode.window.showInformationMessage(`${name} is loaded into the running kernel (${os.release()}).`, FOLLOW_MODULE_LOG, UNLOAD)
        : vscode.window.showInformationMessage(`${name} is unloaded.`);
    offer(message, moduleDir);
    return;
  }
  // The explanations name what to do; the last (the module's state) is the most specific.
  const why = outcome.messages.filter((m) => !m.endsWith('shows its messages')).join(' ');
  const command = kind === 'load' ? 'insmod' : 'rmmod';
  const text = `${kind === 'load' ? 'Loading' : 'Unloading'} ${name} failed${why ? `: ${why}` : ` (${command} exited with ${outcome.exitCode}; see the terminal)`}`;
  const vmHelps = hostLoadProblem(os.release()) !== undefined || /\bVM\b/.test(why);
  offer(vscode.window.showErrorMessage(text, ...(vmHelps ? [TEST_IN_VM] : [])), moduleDir);
}

const titleOf: Readonly<Record<TaskKind, string>> = {
  build: 'Building a module',
  'build-all': 'Building a module for every kernel',
  clean: 'Cleaning a module',
  load: 'Loading a module',
  unload: 'Unloading a module',
  log: 'Following the kernel log',
  'module-log': 'Following the module log',
  vm: 'Testing a module in a VM',
};

type Handler = (context: vscode.ExtensionContext, target: Target) => Promise<boolean>;

const HANDLERS: Readonly<Record<keyof typeof COMMANDS, Handler>> = {
  build: async (context, target) => {
    if (!requireTrust(titleOf.build)) return false;
    const dir = await chooseModuleDir(target);
    return dir ? runTask(context, 'build', dir) : false;
  },
  buildAll: async (context, target) => {
    if (!requireTrust(titleOf['build-all'])) return false;
    const dir = await chooseModuleDir(target);
    return dir ? runTask(context, 'build-all', dir) : false;
  },
  clean: async (context, target) => {
    if (!requireTrust(titleOf.clean)) return false;
    const dir = await chooseModuleDir(target);
    return dir ? runTask(context, 'clean', dir) : false;
  },
  load: async (context, target) => {
    if (!requireTrust(titleOf.load)) return false;
    const dir = await chooseModuleDir(target);
    const module = dir ? await chooseModule(dir) : undefined;
    if (!dir || !module) return false;
    const ref = modulesOf(dir).find((m) => m.name === module)!;
    if (!ref.built) {
      const build = 'Build Module';
      // Not awaited: the command returns now; the button starts a build later.
      void vscode.window.showErrorMessage(`${path.basename(ref.ko)} has not been built yet.`, build).then((choice) => {
        if (choice === build) void runTask(context, 'build', dir);
      });
      return false;
    }
    if (refuseUnloadable(ref.ko, dir)) return false;
    const params = await askParameters();
    if (params === undefined) return false;
    return runLoadTask(context, 'load', dir, { params, module });
  },
  unload: async (context, target) => {
    if (!requireTrust(titleOf.unload)) return false;
    const dir = await chooseModuleDir(target);
    const module = dir ? await chooseModule(dir) : undefined;
    return dir && module ? runLoadTask(context, 'unload', dir, { module }) : false;
  },
  followLog: async (context) =>
    openKernelLogTerminal(context, { kind: 'log', moduleDir: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? os.homedir() }),
  followModuleLog: async (context, target) => {
    const dir = await chooseModuleDir(target);
    const module = dir ? await chooseModule(dir) : undefined;
    if (!dir || !module) return false;
    const ref = modulesOf(dir).find((m) => m.name === module)!;
    return openKernelLogTerminal(context, {
      kind: 'module-log',
      moduleDir: dir,
      module: ref,
      logMatches: moduleMessagePrefixes(ref.sources),
    });
  },
  testInVm: async (context, target) => {
    if (!requireTrust(titleOf.vm)) return false;
    const dir = await chooseModuleDir(target);
    if (!dir) return false;
    const params = await askParameters();
    return params === undefined ? false : runTask(context, 'vm', dir, { params });
  },
  selectKernelDir: async () => (await pickKernelBuildDir()) !== undefined,
};

export function registerCommands(context: vscode.ExtensionContext): void {
  for (const [key, id] of Object.entries(COMMANDS) as [keyof typeof COMMANDS, string][]) {
    context.subscriptions.push(
      vscode.commands.registerCommand(id, async (target?: Target): Promise<boolean> => {
        try {
          return await HANDLERS[key](context, target);
        } catch (error) {
          void vscode.window.showErrorMessage(`Kernel Module: ${id} failed: ${(error as Error).message}`);
          return false;
        }
      }),
    );
  }
}
