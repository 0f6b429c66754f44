// "Build module" (kmod.buildModule) runs a real VS Code task with real kbuild against the installed kernel
// headers; modpost's warning has to land in Problems on the offending line. When the environment lacks
// something (here: a kernel build directory that does not exist) the command says so and returns false.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { describeDiagnostics, KMOD_SOURCE, openInEditor, rangeOf, waitFor, withTimeout, workspaceUri } from './helpers';
import { queryTexts } from './launcherChannel';

const BUILD_COMMAND = 'kmod.buildModule';
const BUILD_TIMEOUT_MS = 120_000;
const COMMAND_TIMEOUT_MS = 30_000; // the command starts the task; it must not wait on a prompt
const ERROR_TOAST = '.notifications-toasts .notification-toast:has(.codicon-error)';

interface TaskWatch {
  /** Names of the tasks started since the watch began. */
  started: string[];
  exitCodes: (number | undefined)[];
  /** Resolves when the first task started since the watch began has ended. */
  firstEnded: Promise<void>;
  dispose(): void;
}

function watchTasks(): TaskWatch {
  const started: vscode.TaskExecution[] = [];
  const exitCodes: (number | undefined)[] = [];
  let reportEnd: () => void = () => undefined;
  const firstEnded = new Promise<void>((resolve) => {
    reportEnd = resolve;
  });
  const subscriptions = [
    vscode.tasks.onDidStartTask((e) => started.push(e.execution)),
    vscode.tasks.onDidEndTaskProcess((e) => {
      if (started.includes(e.execution)) exitCodes.push(e.exitCode);
    }),
    vscode.tasks.onDidEndTask((e) => {
      if (e.execution === started[0]) reportEnd();
    }),
  ];
  return {
    get started() {
      return started.map((execution) => execution.task.name);
    },
    exitCodes,
    firstEnded,
    dispose: () => subscriptions.forEach((s) => s.dispose()),
  };
}

/** Terminates every running task: a build one test started must not make the next one "already active". */
async function endAllTasks(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 500)); // a task start can trail the command's result
  for (const execution of vscode.tasks.taskExecutions) execution.terminate();
  await waitFor(
    () => vscode.tasks.taskExecutions.length === 0,
    10_000,
    `running tasks to end (${vscode.tasks.taskExecutions.map((e) => e.task.name).join(', ')})`,
  );
}

describe(`Build module (${BUILD_COMMAND})`, function () {
  this.timeout(BUILD_TIMEOUT_MS + 30_000);
  const uri = workspaceUri('hello-3', 'hello-3.c');

  afterEach(endAllTasks);

  it('refuses politely when kmod.kernelBuildDir does not exist', async () => {
    const missingDir = path.join(os.tmpdir(), `kmod-no-such-kernel-build-dir-${process.pid}`);
    const config = vscode.workspace.getConfiguration('kmod');
    const pinned = config.inspect<string>('kernelBuildDir')?.workspaceValue;
    await config.update('kernelBuildDir', missingDir, vscode.ConfigurationTarget.Workspace);
    const tasks = watchTasks();
    try {
      await openInEditor(uri);
      // The file's URI as argument, as from the explorer's context menu. A throw fails the test.
      const result = await withTimeout(vscode.commands.executeCommand<unknown>(BUILD_COMMAND, uri), COMMAND_TIMEOUT_MS, BUILD_COMMAND);
      assert.strictEqual(result, false, `${BUILD_COMMAND} should return false when it refuses`);
      const message = await waitFor(
        async () =>
          (await queryTexts(ERROR_TOAST)).find((text) => text.includes(missingDir) || /kernelBuildDir|kernel build dir/i.test(text)),
        5000,
        `an error notification naming ${missingDir}`,
      );
      assert.ok(message);
      assert.deepStrictEqual(tasks.started, [], 'no build task should start');
    } finally {
      tasks.dispose();
      await config.update('kernelBuildDir', pinned, vscode.ConfigurationTarget.Workspace);
      await vscode.commands.executeCommand('notifications.clearAll');
    }
  });

  it('runs kbuild as a task and shows the modpost finding in Problems on the right line', async () => {
    const document = (await openInEditor(uri)).document;
    const reference = rangeOf(document, 'Goodbye, world', 'hello3_data');
    const koFile = workspaceUri('hello-3', 'hello-3.ko').fsPath;
    fs.rmSync(koFile, { force: true });
    const tasks = watchTasks();
    try {
      const result = await withTimeout(vscode.commands.executeCommand<unknown>(BUILD_COMMAND, uri), COMMAND_TIMEOUT_MS, BUILD_COMMAND);
      assert.notStrictEqual(result, false, `${BUILD_COMMAND} refused to build`);
      await waitFor(() => tasks.started.length > 0, 10_000, `${BUILD_COMMAND} to start a VS Code task`);
      await withTimeout(tasks.firstEnded, BUILD_TIMEOUT_MS, `the build task "${tasks.started[0]}"`);
      // Debian's headers set CONFIG_SECTION_MISMATCH_WARN_ONLY: modpost warns and the build succeeds.
      assert.ok(
        tasks.exitCodes.every((code) => code === 0 || code === undefined),
        `task exit codes: ${tasks.exitCodes.join(', ')}`,
      );
      assert.ok(fs.existsSync(koFile), `kbuild did not produce ${koFile}`);

      const fromBuild = await waitFor(
        () => {
          const found = vscode.languages.getDiagnostics(uri).filter((d) => d.source !== KMOD_SOURCE && /section mismatch/i.test(d.message));
          return found.length > 0 && found;
        },
        10_000,
        `a build (non-kmod) "section mismatch" diagnostic on ${uri.fsPath} (now: ${describeDiagnostics(uri)})`,
      );
      assert.ok(
        fromBuild.some((d) => d.range.start.line === reference.start.line && d.source === 'modpost'),
        `expected the modpost finding on line ${reference.start.line + 1}; got ${describeDiagnostics(uri)}`,
      );
      assert.ok(
        fromBuild.some((d) => d.range.end.character - d.range.start.character === 'hello3_data'.length),
        `the build problem should span hello3_data; got ${describeDiagnostics(uri)}`,
      );

      // The build saw the file as it was: once it is edited, its build problems go (the analyzer's stay live).
      const edit = new vscode.WorkspaceEdit();
      edit.insert(uri, new vscode.Position(document.lineCount, 0), '\n');
      assert.ok(await vscode.workspace.applyEdit(edit));
      await waitFor(
        () => vscode.languages.getDiagnostics(uri).every((d) => d.source === KMOD_SOURCE),
        10_000,
        `the build's problems on ${uri.fsPath} to go after an edit (now: ${describeDiagnostics(uri)})`,
      );
      await vscode.commands.executeCommand('workbench.action.files.revert');
    } finally {
      tasks.dispose();
    }
  });

  it('builds for every installed kernel and shows the problem once, with the kernels it occurs on', async () => {
    const moduleDir = workspaceUri('hello-3').fsPath;
    const copies = path.join(os.homedir(), '.cache', 'kmod-tools', 'builds');
    const before = new Set(fs.existsSync(copies) ? fs.readdirSync(copies) : []);
    await openInEditor(uri);
    const tasks = watchTasks();
    try {
      const result = await withTimeout(
        vscode.commands.executeCommand<unknown>('kmod.buildModuleForAllKernels', uri),
        COMMAND_TIMEOUT_MS,
        'build for all',
      );
      assert.notStrictEqual(result, false, 'Build for all installed kernels refused');
      await waitFor(() => tasks.started.length > 0, 10_000, 'the build-for-all task to start');
      assert.match(tasks.started[0], /all installed kernels/);
      await withTimeout(tasks.firstEnded, 2 * BUILD_TIMEOUT_MS, `the task "${tasks.started[0]}"`);
      const fromBuilds = await waitFor(
        () => {
          const found = vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'modpost');
          return found.length > 0 && found;
        },
        10_000,
        `modpost problems on ${uri.fsPath} (now: ${describeDiagnostics(uri)})`,
      );
      assert.strictEqual(fromBuilds.length, 1, `one problem for all kernels: ${describeDiagnostics(uri)}`);
      assert.match(fromBuilds[0].message, /\(on every kernel built (?:6\.1\.\d+, 6\.12\.\d+|6\.12\.\d+, 6\.1\.\d+)\)/);
      const made = fs.readdirSync(copies).filter((dir) => !before.has(dir) && dir.startsWith(`${path.basename(moduleDir)}-`));
      assert.strictEqual(made.length, 1, 'one set of per-kernel copies, outside the workspace');
      assert.ok(fs.readdirSync(path.join(copies, made[0])).length >= 2, 'a copy per kernel');
    } finally {
      tasks.dispose();
      for (const dir of fs.existsSync(copies) ? fs.readdirSync(copies) : [])
        if (!before.has(dir)) fs.rmSync(path.join(copies, dir), { recursive: true, force: true });
    }
  });
});
