// Kbuild client features in a real extension host: status bar, task provider (argv, groups), the
// load/unload/log commands and their refusals. Nothing is loaded into a kernel: rmmod of a module
// that is not loaded and insmod refusals only.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { waitFor, workspaceUri } from './helpers';
import { queryTexts, screenshot } from './launcherChannel';
import { hostLoadProblem, loadProblem } from '../../../shared/src/module-load';

const TOASTS = '.notifications-toasts .notification-toast';

const KBUILD_COMMANDS = [
  'kmod.buildModule',
  'kmod.buildModuleForAllKernels',
  'kmod.cleanModule',
  'kmod.hideBuildOutputs',
  'kmod.loadModule',
  'kmod.unloadModule',
  'kmod.followKernelLog',
  'kmod.followModuleLog',
  'kmod.selectKernelBuildDir',
];

/** Exit code of the next task process whose definition has `task === kind`. */
function nextExitCode(kind: string, timeoutMs: number): Promise<number | undefined | 'timeout'> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      sub.dispose();
      resolve('timeout');
    }, timeoutMs);
    const sub = vscode.tasks.onDidEndTaskProcess((e) => {
      if ((e.execution.task.definition as { task?: string }).task !== kind) return;
      clearTimeout(timer);
      sub.dispose();
      resolve(e.exitCode);
    });
  });
}

describe('Kbuild client features', function () {
  this.timeout(60_000);

  it('shows the kernel release of the build dir in the status bar', async () => {
    const texts = await waitFor(
      async () => {
        const found = await queryTexts('.statusbar-item');
        return found.some((t) => /\d+\.\d+\.\d+/.test(t) || /kernel headers/i.test(t)) && found;
      },
      10_000,
      'the kernel build dir status item',
    );
    assert.ok(texts.length > 0);
  });

  it('lists every installed headers dir with its version in the kernel picker, the one in use marked (screenshot)', async () => {
    const rowSelector = '.quick-input-widget .monaco-list-row';
    void vscode.commands.executeCommand('kmod.selectKernelBuildDir');
    try {
      const shot = await screenshot({ name: 'kernel-picker', waitFor: [rowSelector], timeoutMs: 8000 });
      assert.ok(fs.statSync(shot.file).size > 10_000, `${shot.file} looks empty`);
      const rows = await queryTexts(rowSelector);
      const row = (release: RegExp) => rows.find((text) => release.test(text));
      const row61 = row(/6\.1\.0-\d+-amd64/);
      const row612 = row(/6\.12\.\d+\+deb\d+-amd64/);
      assert.ok(row61 && row612, `both installed headers should be offered: ${JSON.stringify(rows)}`);
      assert.match(row61, /Linux 6\.1\.\d+/, 'an entry whose release hides the upstream version shows it');
      assert.doesNotMatch(row612, /Linux 6\.12/, 'an entry whose release is the version says it once');
      assert.ok(
        rows.every((text) => !/running kernel/.test(text)),
        `no installed headers are for this machine's running kernel: ${JSON.stringify(rows)}`,
      );
      assert.strictEqual(rows.filter((text) => /in use/.test(text)).length, 1, `exactly one entry is in use: ${JSON.stringify(rows)}`);
      assert.ok(rows.some((text) => /Browse/.test(text)));
      console.log(`    screenshot: ${shot.file}`);
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    }
  });

  it('saves the picked headers for this workspace, not for every workspace', async () => {
    const config = () => vscode.workspace.getConfiguration('kmod').inspect<string>('kernelBuildDir');
    const before = config();
    const picked = vscode.commands.executeCommand<boolean>('kmod.selectKernelBuildDir');
    try {
      await waitFor(async () => (await queryTexts('.quick-input-widget .monaco-list-row')).length > 0, 8000, 'the kernel picker');
      await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
      assert.strictEqual(await picked, true);
      const after = config();
      assert.match(after?.workspaceValue ?? '', /linux-headers-6\.12\./, 'the first (newest) entry, saved in the workspace');
      assert.strictEqual(after?.globalValue, before?.globalValue, 'the user default is untouched');
      const status = await waitFor(
        async () => (await queryTexts('.statusbar-item')).find((text) => /6\.12\.\d+/.test(text)),
        5000,
        'the status bar to show the new headers',
      );
      assert.doesNotMatch(status, /choose/i);
    } finally {
      await vscode.workspace
        .getConfiguration('kmod')
        .update('kernelBuildDir', before?.workspaceValue, vscode.ConfigurationTarget.Workspace);
    }
  });

  it('hides kbuild outputs in the Explorer on request, keeping the other files.exclude patterns (screenshot)', async () => {
    const files = vscode.workspace.getConfiguration('files');
    const before = files.inspect<Record<string, boolean>>('exclude')?.workspaceValue;
    await files.update('exclude', { ...(before ?? {}), '**/keep-me': true }, vscode.ConfigurationTarget.Workspace);
    const built = workspaceUri('hello-3', 'hello-3.mod.c').fsPath;
    fs.writeFileSync(built, '/* a build output */\n');
    try {
      await vscode.commands.executeCommand('workbench.view.explorer');
      assert.strictEqual(await vscode.commands.executeCommand('kmod.hideBuildOutputs'), true);
      const exclude = vscode.workspace.getConfiguration('files').inspect<Record<string, boolean>>('exclude')?.workspaceValue ?? {};
      for (const glob of ['**/*.o', '**/*.ko', '**/*.mod.c', '**/.*.cmd', '**/modules.order', '**/Module.symvers'])
        assert.strictEqual(exclude[glob], true, glob);
      assert.strictEqual(exclude['**/keep-me'], true, "the user's own pattern stays");
      const rows = await waitFor(
        async () => {
          const texts = await queryTexts('.explorer-folders-view .monaco-list-row');
          return texts.includes('hello-3.c') && !texts.includes('hello-3.mod.c') && texts;
        },
        10_000,
        'the Explorer without hello-3.mod.c',
      );
      assert.ok(rows.includes('Makefile'));
      const shot = await screenshot({ name: 'explorer-outputs-hidden', waitFor: ['.explorer-folders-view'] });
      console.log(`    screenshot: ${shot.file}`);
    } finally {
      await files.update('exclude', before, vscode.ConfigurationTarget.Workspace);
    }
  });

  it('opens the .*.cmd records kbuild writes as Kbuild, not as Windows batch files', async () => {
    const file = path.join(workspaceUri('hello-3').fsPath, '.probe.o.cmd');
    fs.writeFileSync(file, 'cmd_probe.o := gcc -c -o probe.o probe.c\n');
    try {
      const document = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
      assert.strictEqual(document.languageId, 'kbuild');
    } finally {
      fs.rmSync(file, { force: true });
    }
  });

  it('registers every command', async () => {
    const all = await vscode.commands.getCommands(true);
    for (const id of KBUILD_COMMANDS) assert.ok(all.includes(id), id);
  });

  it('provides build/clean tasks per module directory as argv process executions', async () => {
    const tasks = await vscode.tasks.fetchTasks({ type: 'kbuild' });
    const build = tasks.find((t) => t.definition.task === 'build' && t.definition.moduleDir === 'hello-3');
    assert.ok(build, `no build task for hello-3 among ${tasks.map((t) => t.name).join(', ')}`);
    assert.strictEqual(build.group?.id, vscode.TaskGroup.Build.id);
    assert.ok(build.execution instanceof vscode.ProcessExecution);
    const args = build.execution.args;
    const make = args.slice(args.indexOf('--') + 1);
    assert.deepStrictEqual([make[0], make[1], make[3], make[4]], ['make', '-C', `M=${workspaceUri('hello-3').fsPath}`, 'modules']);
    assert.ok(tasks.some((t) => t.definition.task === 'build' && t.definition.moduleDir === 'multi'));
  });

  it('load refuses with false (no prompt left waiting) when the .ko is not built', async () => {
    fs.rmSync(path.join(workspaceUri('multi').fsPath, 'multi.ko'), { force: true });
    assert.strictEqual(await vscode.commands.executeCommand('kmod.loadModule', workspaceUri('multi', 'a.c')), false);
    await vscode.commands.executeCommand('notifications.clearAll');
  });

  it('load checks first that this kernel can take the module, before asking for parameters (screenshot)', async () => {
    const ko = workspaceUri('hello-3', 'hello-3.ko').fsPath;
    assert.ok(fs.existsSync(ko), `${ko} should have been built by the build tests`);
    const problem = loadProblem(ko, os.release());
    assert.ok(problem, `this test host can load ${ko}: the test would insmod it`);
    await vscode.commands.executeCommand('notifications.clearAll');
    try {
      assert.strictEqual(await vscode.commands.executeCommand('kmod.loadModule', workspaceUri('hello-3', 'hello-3.c')), false);
      const toast = await waitFor(
        async () => (await queryTexts(TOASTS)).find((text) => text.includes(problem.message.slice(0, 40))),
        5000,
        `a notification saying: ${problem.message}`,
      );
      assert.match(toast, /Test in VM/, 'the next step is a button');
      assert.deepStrictEqual(await queryTexts('.quick-input-widget .monaco-inputbox'), [], 'no parameters box');
      const shot = await screenshot({ name: 'load-refused', waitFor: [TOASTS] });
      console.log(`    screenshot: ${shot.file}`);
    } finally {
      await vscode.commands.executeCommand('notifications.clearAll');
    }
  });

  it("unload runs rmmod as a task that ends with rmmod's exit status, and says what came of it", async () => {
    const exit = nextExitCode('unload', 20_000);
    assert.strictEqual(await vscode.commands.executeCommand('kmod.unloadModule', workspaceUri('hello-3', 'hello-3.c')), true);
    assert.strictEqual(await exit, 1, 'rmmod of a module that is not loaded fails');
    const toast = await waitFor(
      async () => (await queryTexts(TOASTS)).find((text) => /Unloading hello_3 failed/.test(text)),
      5000,
      'the outcome notification',
    );
    if (hostLoadProblem(os.release())) assert.match(toast, /Test in VM/);
    await vscode.commands.executeCommand('notifications.clearAll');
  });

  it('follow module log opens a terminal that keeps following', async () => {
    assert.strictEqual(await vscode.commands.executeCommand('kmod.followModuleLog', workspaceUri('hello-3', 'hello-3.c')), true);
    const terminal = await waitFor(
      () => vscode.window.terminals.find((t) => t.name === 'Kernel log: hello-3'),
      5000,
      'the module log terminal',
    );
    assert.ok(((await terminal.processId) ?? 0) > 0);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.strictEqual(terminal.exitStatus, undefined, 'kmsg-follow ended instead of following');
    terminal.dispose();
  });
});
