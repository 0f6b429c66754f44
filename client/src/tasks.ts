// Task provider for `"type": "kbuild"` tasks (tasks.json and the Run Task list): build, clean,
// load, unload and kernel-log tasks as ProcessExecutions with argument vectors.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { readSettings, toolPaths } from './config';
import { commandLine, TASK_KINDS, type TaskKind, type TaskRequest } from '../../shared/src/command-lines';
import { bestGuess, installedKernels, readRelease, systemRoot, type KernelDir } from '../../shared/src/kernel-dir';
import { messagePrefixesFromSource } from '../../shared/src/log-filter';
import { buildReportFile } from './build-problems';
import { isModuleDir, moduleDirOf, modulesOf } from './module-dirs';
import { BUILD_TASK_MATCHERS, VM_TASK_MATCHERS } from '../../shared/src/problem-matchers';
import { currentDetection, resolveKernelBuildDir } from './kernel-dir';
import { UNTRUSTED_EXPLANATION } from './trust';
import { readTextFileSync } from '../../shared/src/safe-read';
import { vmTestExecution } from './vm-test';

export const TASK_TYPE = 'kbuild';

export interface KbuildTaskDefinition extends vscode.TaskDefinition {
  type: typeof TASK_TYPE;
  task: TaskKind;
  /** Module directory; relative paths and ${workspaceFolder} are resolved against the task's folder. */
  moduleDir?: string;
  /** Kernel build directory; default: kmod.kernelBuildDir or the detected one. */
  kernelBuildDir?: string;
  /** Module parameters for load; default: kmod.moduleParameters. */
  params?: string;
  /** Which module of the directory (load/unload/module-log) when it builds several. */
  module?: string;
}

const LABELS: Readonly<Record<TaskKind, string>> = {
  build: 'Build module',
  'build-all': 'Build module for all installed kernels',
  clean: 'Clean module',
  load: 'Load module (insmod)',
  unload: 'Unload module (rmmod)',
  log: 'Follow kernel log',
  'module-log': 'Follow module log',
  vm: 'Test module in VM',
};

export interface TaskOptions {
  /** Ask the user (quick pick of headers) instead of failing when a choice is needed. */
  interactive: boolean;
  /** Kernel build dir already chosen by the caller. */
  kernelDir?: KernelDir;
  /** Where load/unload write their outcome, for the caller's notification. */
  outcomeFile?: string;
}

/** `shown`: the user has already been told (e.g. the missing-headers notification). */
export type TaskResult = { ok: true; task: vscode.Task } | { ok: false; reason: string; shown?: boolean };

const folderOf = (scope: vscode.Task['scope']): vscode.WorkspaceFolder | undefined =>
  scope !== undefined && typeof scope === 'object' ? scope : vscode.workspace.workspaceFolders?.[0];

function resolveModuleDir(definition: KbuildTaskDefinition, folder: vscode.WorkspaceFolder | undefined): string | undefined {
  const base = folder?.uri.fsPath;
  const raw = (definition.moduleDir ?? '').replace(/\$\{workspaceFolder\}/g, base ?? '');
  if (!raw) return base;
  return path.isAbsolute(raw) ? raw : base ? path.join(base, raw) : undefined;
}

function kernelDirFromDefinition(definition: KbuildTaskDefinition, folder: vscode.WorkspaceFolder | undefined): KernelDir | undefined {
  if (!definition.kernelBuildDir) return undefined;
  const dir = definition.kernelBuildDir.replace(/\$\{workspaceFolder\}/g, folder?.uri.fsPath ?? '');
  return { dir, release: readRelease(dir) ?? path.basename(dir), source: 'setting', matchesRunningKernel: false };
}

/** Every installed kernel build dir, and those the kmod.kernelBuildDirs setting adds. */
function everyKernelDir(folder: vscode.WorkspaceFolder | undefined): string[] {
  const configured = vscode.workspace.getConfiguration('kmod', folder?.uri).get<string[]>('kernelBuildDirs') ?? [];
  const dirs = [...installedKernels(systemRoot(), os.release()).map((kernel) => kernel.dir), ...configured];
  return [...new Map(dirs.map((dir) => [realPath(dir), dir])).values()];
}

function realPath(dir: string): string {
  try {
    return fs.realpathSync(dir);
  } catch {
    return dir;
  }
}

/** A task for a definition, or why it cannot be made (missing headers, module, …). */
export async function createKbuildTask(
  definition: KbuildTaskDefinition,
  scope: vscode.WorkspaceFolder | vscode.TaskScope,
  context: vscode.ExtensionContext,
  options: TaskOptions,
): Promise<TaskResult> {
  if (!TASK_KINDS.includes(definition.task))
    return { ok: false, reason: `unknown kbuild task "${String(definition.task)}" (one of ${TASK_KINDS.join(', ')})` };
  const folder = typeof scope === 'object' ? scope : folderOf(undefined);
  const moduleDir = resolveModuleDir(definition, folder);
  if (!moduleDir || !fs.existsSync(moduleDir))
    return { ok: false, reason: `module directory ${moduleDir ?? '(none: open a folder)'} does not exist` };
  const needsModule = definition.task === 'load' || definition.task === 'unload' || definition.task === 'module-log';
  const needsKernelDir =
    definition.task === 'build' || definition.task === 'clean' || definition.task === 'load' || definition.task === 'vm';
  const builds = definition.task === 'build' || definition.task === 'build-all' || definition.task === 'clean' || definition.task === 'vm';
  if ((builds || needsModule) && !isModuleDir(moduleDir)) {
    return { ok: false, reason: `no Kbuild/Makefile in ${moduleDir} declares a module (it needs a line like "obj-m += hello.o")` };
  }
  let kernelDir = options.kernelDir ?? kernelDirFromDefinition(definition, folder);
  if (!kernelDir && needsKernelDir) {
    kernelDir = options.interactive ? await resolveKernelBuildDir() : bestGuess(currentDetection());
    if (!kernelDir && (definition.task === 'build' || definition.task === 'clean' || definition.task === 'vm')) {
      const detection = currentDetection();
      const reason =
        detection.kind === 'invalid-setting'
          ? detection.problem
          : 'no kernel build directory: install the kernel headers (see the status bar) or set kmod.kernelBuildDir';
      return { ok: false, reason, shown: options.interactive };
    }
  }
  const modules = modulesOf(moduleDir);
  const module = definition.module
    ? modules.find((m) => m.name === definition.module || m.name.replace(/-/g, '_') === definition.module)
    : modules[0];
  if (needsModule && !module) return { ok: false, reason: `no module ${definition.module ?? ''} in ${moduleDir}` };
  if (definition.task === 'load' && module && !module.built)
    return { ok: false, reason: `${module.ko} does not exist yet: build the module first` };

  const settings = readSettings(folder?.uri);
  const request: TaskRequest = {
    kind: definition.task,
    kdir: kernelDir?.dir,
    kdirRelease: kernelDir?.release,
    kdirs: definition.task === 'build-all' ? everyKernelDir(folder) : undefined,
    reportFile: buildReportFile(moduleDir),
    moduleDir: path.resolve(moduleDir),
    module,
    params: definition.params,
    logMatches: definition.task === 'module-log' && module ? moduleMessagePrefixes(module.sources) : undefined,
    outcomeFile: options.outcomeFile,
  };
  const line = commandLine(request, settings, toolPaths(context));
  if (!line.ok) return { ok: false, reason: line.reason };
  const { process: program, args, env, cwd } = line.command;
  // Test in VM runs as a test (progress, verdict); the rest are plain processes.
  const execution =
    definition.task === 'vm'
      ? vmTestExecution(line.command, path.basename(moduleDir))
      : new vscode.ProcessExecution(program, args, { cwd, env });
  const name =
    module && needsModule ? `${LABELS[definition.task]}: ${module.name}` : `${LABELS[definition.task]}: ${path.basename(moduleDir)}`;
  const matchers =
    definition.task === 'build' || definition.task === 'build-all' ? BUILD_TASK_MATCHERS : definition.task === 'vm' ? VM_TASK_MATCHERS : [];
  const task = new vscode.Task(definition, scope, name, TASK_TYPE, execution, matchers);
  if (definition.task === 'build' || definition.task === 'build-all') task.group = vscode.TaskGroup.Build;
  if (definition.task === 'clean') task.group = vscode.TaskGroup.Clean;
  task.isBackground = definition.task === 'log' || definition.task === 'module-log';
  task.presentationOptions = {
    reveal: vscode.TaskRevealKind.Always,
    panel: task.isBackground ? vscode.TaskPanelKind.Dedicated : vscode.TaskPanelKind.Shared,
    clear: definition.task === 'build' || definition.task === 'build-all',
    // kmod-run prints the command it runs itself; VS Code's echo would show our wrapper around it.
    echo: !(definition.task === 'load' || definition.task === 'unload' || definition.task === 'clean'),
  };
  return { ok: true, task };
}

/** The module's own printk texts, so the module log also shows lines that do not name the module. */
export function moduleMessagePrefixes(sources: readonly string[]): string[] {
  const prefixes = new Set<string>();
  for (const source of sources) {
    try {
      messagePrefixesFromSource(readTextFileSync(source, 8 * 1024 * 1024)).forEach((p) => prefixes.add(p));
    } catch {
      /* unreadable source: the module name still matches */
    }
  }
  return [...prefixes].slice(0, 20);
}

/** A task that only prints why the requested one cannot run (tasks.json entries that are not runnable). */
function refusalTask(definition: KbuildTaskDefinition, scope: vscode.WorkspaceFolder | vscode.TaskScope, reason: string): vscode.Task {
  const execution = new vscode.CustomExecution(async () => {
    const write = new vscode.EventEmitter<string>();
    const close = new vscode.EventEmitter<number>();
    return {
      onDidWrite: write.event,
      onDidClose: close.event,
      open: () => {
        write.fire(`kmod: cannot run this kbuild task: ${reason}\r\n`);
        close.fire(1);
      },
      close: () => undefined,
    };
  });
  return new vscode.Task(definition, scope, `${LABELS[definition.task] ?? 'kbuild'}`, TASK_TYPE, execution);
}

/** Module directories in the workspace: folders whose Kbuild/Makefile declares obj-m. */
export async function findModuleDirs(): Promise<string[]> {
  const makefiles = await vscode.workspace.findFiles('**/{Kbuild,Makefile}', '{**/node_modules/**,**/.git/**}', 500);
  const dirs = [...new Set(makefiles.map((uri) => path.dirname(uri.fsPath)))].filter(isModuleDir);
  return dirs.sort();
}

/** True when tasks.json (of the folder or the workspace) already names a default build task. */
export function hasDefaultBuildTask(configured: unknown): boolean {
  if (!Array.isArray(configured)) return false;
  return configured.some((task: unknown) => {
    const group = (task as { group?: unknown } | null)?.group;
    if (!group || typeof group !== 'object') return false;
    const { kind, isDefault } = group as { kind?: unknown; isDefault?: unknown };
    return kind === 'build' && (isDefault === true || typeof isDefault === 'string');
  });
}

/**
 * The Build group marked as its default, so that Ctrl+Shift+B runs the build without a picker. The
 * API types leave isDefault to tasks.json, but VS Code takes it from provided tasks too (its
 * extension host sends `{ _id: group.id, isDefault }`); the object inherits Build's id and label.
 */
function defaultBuildGroup(): vscode.TaskGroup {
  const group = Object.create(vscode.TaskGroup.Build) as vscode.TaskGroup;
  Object.defineProperty(group, 'isDefault', { value: true, enumerable: true });
  return group;
}

/**
 * The module directory whose build is the default build task: the active editor's module, else the
 * workspace's only one. None when tasks.json names a default (the user's choice wins; two defaults
 * would bring the picker back) or when it is unclear which module is meant.
 */
function defaultBuildDir(dirs: readonly string[]): string | undefined {
  const active = vscode.window.activeTextEditor?.document.uri;
  const activeFolder = active?.scheme === 'file' ? vscode.workspace.getWorkspaceFolder(active) : undefined;
  const activeDir = active && activeFolder ? moduleDirOf(active.fsPath, activeFolder.uri.fsPath) : undefined;
  const dir = activeDir ?? (dirs.length === 1 ? dirs[0] : undefined);
  if (!dir) return undefined;
  const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(dir));
  return hasDefaultBuildTask(vscode.workspace.getConfiguration('tasks', folder?.uri).get<unknown>('tasks')) ? undefined : dir;
}

export class KbuildTaskProvider implements vscode.TaskProvider {
  constructor(private readonly context: vscode.ExtensionContext) {}

  async provideTasks(): Promise<vscode.Task[]> {
    if (!vscode.workspace.isTrusted) return [];
    const tasks: vscode.Task[] = [];
    const dirs = await findModuleDirs();
    const defaultDir = defaultBuildDir(dirs);
    for (const dir of dirs) {
      const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(dir));
      if (!folder) continue;
      const relative = path.relative(folder.uri.fsPath, dir) || '.';
      for (const kind of ['build', 'build-all', 'clean', 'load', 'unload', 'module-log'] as const) {
        const result = await createKbuildTask({ type: TASK_TYPE, task: kind, moduleDir: relative }, folder, this.context, {
          interactive: false,
        });
        if (!result.ok) continue;
        if (kind === 'build' && dir === defaultDir) result.task.group = defaultBuildGroup();
        tasks.push(result.task);
      }
    }
    const logResult = await createKbuildTask(
      { type: TASK_TYPE, task: 'log' },
      vscode.workspace.workspaceFolders?.[0] ?? vscode.TaskScope.Workspace,
      this.context,
      { interactive: false },
    );
    if (logResult.ok) tasks.push(logResult.task);
    return tasks;
  }

  async resolveTask(task: vscode.Task): Promise<vscode.Task | undefined> {
    const definition = task.definition as KbuildTaskDefinition;
    const scope = task.scope ?? vscode.TaskScope.Workspace;
    if (!vscode.workspace.isTrusted) return refusalTask(definition, scope, `kbuild tasks ${UNTRUSTED_EXPLANATION}`);
    const result = await createKbuildTask(definition, scope, this.context, { interactive: false });
    if (!result.ok) return refusalTask(definition, scope, result.reason);
    // VS Code requires the resolved task to carry the original definition object.
    const resolved = new vscode.Task(
      definition,
      scope,
      task.name,
      TASK_TYPE,
      result.task.execution,
      task.problemMatchers.length ? task.problemMatchers : result.task.problemMatchers,
    );
    resolved.group = task.group ?? result.task.group;
    resolved.isBackground = result.task.isBackground;
    resolved.presentationOptions = { ...result.task.presentationOptions, ...task.presentationOptions };
    return resolved;
  }
}

export function registerTaskProvider(context: vscode.ExtensionContext): void {
  context.subscriptions.push(vscode.tasks.registerTaskProvider(TASK_TYPE, new KbuildTaskProvider(context)));
}
