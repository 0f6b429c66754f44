// Palette commands: build, clean, load (with a module-parameters box), unload, follow the kernel
// log (all of it or one module's), select the kernel build dir. Each resolves to true when its
// task/terminal started and to false (after telling the user why) when it refused; none throws.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { readSettings } from './config';
import { splitModuleParameters, type TaskKind } from '../../shared/src/command-lines';
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
async function chooseModuleDir(target: Target): Promise<string | undefined> {
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

async function runTask(
  context: vscode.ExtensionContext,
  kind: TaskKind,
  moduleDir: string,
  extra: { params?: string; module?: string } = {},
): Promise<boolean> {
  const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(moduleDir));
  const result = await createKbuildTask(
    { type: TASK_TYPE, task: kind, moduleDir, ...extra },
    folder ?? vscode.TaskScope.Workspace,
    context,
    { interactive: true },
  );
  if (!result.ok) {
    if (!result.shown) void vscode.window.showErrorMessage(`Kernel Module: ${result.reason}`);
    return false;
  }
  await vscode.tasks.executeTask(result.task);
  return true;
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
    const params = await askParameters();
    if (params === undefined) return false;
    return runTask(context, 'load', dir, { params, module });
  },
  unload: async (context, target) => {
    if (!requireTrust(titleOf.unload)) return false;
    const dir = await chooseModuleDir(target);
    const module = dir ? await chooseModule(dir) : undefined;
    return dir && module ? runTask(context, 'unload', dir, { module }) : false;
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
