// What a new user meets first, in a real workbench: the Getting Started walkthrough (opens, shows its
// steps, the done ones checked), the Build · Test in VM · Debug lenses above module_init/module_exit
// (and gone with kmod.codeLens.enabled off), Ctrl+Shift+B building the module without a picker
// (unless tasks.json names its own default), and New Kernel Module asking where.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { EXTENSION_ID, openInEditor, rangeOf, removeModuleDir, waitFor, withTimeout, workspaceUri } from './helpers';
import { queryTexts, screenshot, waitVisible } from './launcherChannel';

interface WalkthroughStep {
  id: string;
  title: string;
  description: string;
  media: Record<string, string>;
  completionEvents?: string[];
}

const LENS_COMMANDS = ['kmod.buildModule', 'kmod.testModuleInVm', 'kmod.debugModuleInVm'];
const STEP = 'button.getting-started-step';
const QUICK_PICK_ROW = '.quick-input-widget .monaco-list-row';

function extension(): vscode.Extension<unknown> {
  const found = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(found, `${EXTENSION_ID} is not installed`);
  return found;
}

function walkthroughSteps(): WalkthroughStep[] {
  const walkthroughs = (extension().packageJSON as { contributes: { walkthroughs?: { id: string; steps: WalkthroughStep[] }[] } })
    .contributes.walkthroughs;
  assert.ok(walkthroughs?.length === 1, 'package.json contributes one walkthrough');
  return walkthroughs[0].steps;
}

async function moduleLenses(uri: vscode.Uri): Promise<vscode.CodeLens[]> {
  const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 10);
  return lenses.filter((lens) => lens.command && LENS_COMMANDS.includes(lens.command.command));
}

describe('First run', function () {
  this.timeout(90_000);

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('notifications.clearAll');
  });

  describe('Getting Started walkthrough', () => {
    it('names only media that exist and commands that are registered', async () => {
      const steps = walkthroughSteps();
      assert.deepStrictEqual(
        steps.map((step) => step.id),
        ['headers', 'module', 'build', 'vm', 'intellisense'],
      );
      const registered = new Set(await vscode.commands.getCommands(true));
      for (const step of steps) {
        for (const file of Object.values(step.media).filter((value) => /\.(svg|png|md)$/.test(value)))
          assert.ok(fs.existsSync(path.join(extension().extensionPath, file)), `step ${step.id}: ${file} does not exist`);
        const linked = [...step.description.matchAll(/\(command:([\w.]+)\)/g)].map((match) => match[1]);
        const completing = (step.completionEvents ?? []).filter((e) => e.startsWith('onCommand:')).map((e) => e.slice('onCommand:'.length));
        assert.ok(linked.length > 0, `step ${step.id} has no command button`);
        for (const command of [...linked, ...completing])
          assert.ok(registered.has(command), `step ${step.id}: ${command} is not registered`);
      }
    });

    it('opens from "Kernel Module: Get Started" with its steps, those already done checked (screenshot)', async () => {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await vscode.commands.executeCommand('kmod.openWalkthrough');
      const titles = walkthroughSteps().map((step) => step.title);
      const shown = await waitFor(
        async () => {
          const texts = await queryTexts(`${STEP} h3.step-title`);
          return titles.every((title) => texts.includes(title)) && texts;
        },
        15_000,
        `the walkthrough's steps ${JSON.stringify(titles)} on screen`,
        250,
      );
      assert.strictEqual(shown.length, titles.length, `steps on screen: ${JSON.stringify(shown)}`);
      // The fixture has headers (6.1) and modules: those steps complete on their context keys.
      const checked = await waitFor(
        async () => {
          const texts = await queryTexts(`${STEP}[aria-checked="true"] h3.step-title`);
          return texts.includes(titles[0]) && texts.includes(titles[1]) && texts;
        },
        10_000,
        'the headers and module steps to be checked',
        250,
      );
      const shot = await screenshot({ name: 'walkthrough', waitFor: [STEP, '.getting-started-media'], timeoutMs: 8000 });
      assert.deepStrictEqual(shot.found, { [STEP]: true, '.getting-started-media': true }, `not everything was on screen in ${shot.file}`);
      console.log(`    screenshot: ${shot.file}`);
      assert.ok(!checked.includes(titles[3]), `Test in VM is not done yet: ${JSON.stringify(checked)}`);
    });
  });

  describe('code lenses', () => {
    const uri = workspaceUri('hello-3', 'hello-3.c');
    const config = () => vscode.workspace.getConfiguration('kmod', uri);

    it('puts Build · Test in VM · Debug above module_init and module_exit (screenshot)', async () => {
      const editor = await openInEditor(uri);
      const lines = [
        rangeOf(editor.document, 'module_init(', 'module_init').start.line,
        rangeOf(editor.document, 'module_exit(', 'module_exit').start.line,
      ];
      const lenses = await waitFor(
        async () => {
          const found = await moduleLenses(uri);
          return found.length === 6 && found;
        },
        10_000,
        'six module lenses on hello-3.c',
        200,
      );
      for (const line of lines) {
        const onLine = lenses.filter((lens) => lens.range.start.line === line);
        assert.deepStrictEqual(
          onLine.map((lens) => lens.command?.command),
          LENS_COMMANDS,
          `line ${line + 1}`,
        );
        assert.deepStrictEqual(
          onLine.map((lens) => lens.command?.title.replace(/^\$\([\w-]+\) /, '')),
          ['Build', 'Test in VM', 'Debug'],
        );
        for (const lens of onLine) assert.strictEqual((lens.command?.arguments?.[0] as vscode.Uri).fsPath, uri.fsPath);
      }
      editor.revealRange(new vscode.Range(lines[0] - 6, 0, lines[1] + 4, 0), vscode.TextEditorRevealType.InCenter);
      const lens = '.contentWidgets .codelens-decoration';
      const texts = await waitFor(
        async () => {
          const found = await queryTexts(lens);
          return found.filter((text) => /Build.*Test in VM.*Debug/s.test(text)).length === 2 && found;
        },
        10_000,
        'both lens lines drawn in the editor',
        250,
      );
      assert.ok(texts.length >= 2);
      const shot = await screenshot({ name: 'code-lenses', waitFor: [lens], timeoutMs: 8000 });
      assert.ok(shot.found[lens], `no lens on screen in ${shot.file}`);
      console.log(`    screenshot: ${shot.file}`);
    });

    it('shows none in a C file outside a module directory', async () => {
      const dir = workspaceUri('not-a-module').fsPath;
      fs.mkdirSync(dir, { recursive: true });
      const file = path.join(dir, 'loose.c');
      fs.writeFileSync(file, 'static int __init f(void) { return 0; }\nmodule_init(f);\n');
      try {
        await openInEditor(vscode.Uri.file(file));
        assert.deepStrictEqual(await moduleLenses(vscode.Uri.file(file)), []);
      } finally {
        await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
        removeModuleDir(dir);
      }
    });

    it('hides them when kmod.codeLens.enabled is false', async () => {
      await openInEditor(uri);
      await config().update('codeLens.enabled', false, vscode.ConfigurationTarget.Workspace);
      try {
        await waitFor(async () => (await moduleLenses(uri)).length === 0, 10_000, 'the lenses to go', 200);
        await waitFor(
          async () => !(await queryTexts('.contentWidgets .codelens-decoration')).some((text) => /Test in VM/.test(text)),
          10_000,
          'the lenses to leave the editor',
          250,
        );
      } finally {
        await config().update('codeLens.enabled', undefined, vscode.ConfigurationTarget.Workspace);
      }
      await waitFor(async () => (await moduleLenses(uri)).length === 6, 10_000, 'the lenses to come back', 200);
    });
  });

  describe('default build task', () => {
    const tasksFile = () => path.join(workspaceUri('.vscode').fsPath, 'tasks.json');
    const buildTaskOf = (tasks: vscode.Task[], moduleDir: string) =>
      tasks.find((task) => task.definition.task === 'build' && task.definition.moduleDir === moduleDir);

    it("is the active module's Build module task, and only that one", async () => {
      await openInEditor(workspaceUri('hello-3', 'hello-3.c'));
      const tasks = await vscode.tasks.fetchTasks({ type: 'kbuild' });
      const hello = buildTaskOf(tasks, 'hello-3');
      assert.ok(hello, `no build task for hello-3 among ${tasks.map((t) => t.name).join(', ')}`);
      assert.strictEqual(hello.group?.id, vscode.TaskGroup.Build.id);
      assert.strictEqual(hello.group?.isDefault, true, 'Build module of the active module is the default build task');
      const otherDefaults = tasks.filter((task) => task !== hello && task.group?.isDefault);
      assert.deepStrictEqual(
        otherDefaults.map((task) => task.name),
        [],
      );
    });

    it('Ctrl+Shift+B (Run Build Task) builds it without a picker', async () => {
      await openInEditor(workspaceUri('hello-3', 'hello-3.c'));
      const started = new Promise<vscode.Task>((resolve) => {
        const sub = vscode.tasks.onDidStartTask((event) => {
          if (event.execution.task.definition.type !== 'kbuild') return;
          sub.dispose();
          resolve(event.execution.task);
        });
      });
      const ended = new Promise<number | undefined>((resolve) => {
        const sub = vscode.tasks.onDidEndTaskProcess((event) => {
          if ((event.execution.task.definition as { task?: string }).task !== 'build') return;
          sub.dispose();
          resolve(event.exitCode);
        });
      });
      await vscode.commands.executeCommand('workbench.action.tasks.build');
      const task = await withTimeout(started, 20_000, 'a task to start after Run Build Task');
      assert.deepStrictEqual([task.definition.task, task.definition.moduleDir], ['build', 'hello-3']);
      assert.deepStrictEqual(await queryTexts(QUICK_PICK_ROW), [], 'a picker was shown');
      assert.strictEqual(await withTimeout(ended, 60_000, 'the build'), 0, 'the build of hello-3 failed');
    });

    it('leaves the choice to tasks.json when it names a default build task', async () => {
      assert.ok(!fs.existsSync(tasksFile()), 'the fixture has no tasks.json');
      const own = { label: 'my build', type: 'shell', command: 'true', group: { kind: 'build', isDefault: true } };
      fs.writeFileSync(tasksFile(), JSON.stringify({ version: '2.0.0', tasks: [own] }, null, 2));
      try {
        await openInEditor(workspaceUri('hello-3', 'hello-3.c'));
        await waitFor(
          () => (vscode.workspace.getConfiguration('tasks').get<unknown[]>('tasks') ?? []).length === 1,
          10_000,
          'VS Code to read the new tasks.json',
          200,
        );
        const hello = buildTaskOf(await vscode.tasks.fetchTasks({ type: 'kbuild' }), 'hello-3');
        assert.ok(hello);
        assert.ok(!hello.group?.isDefault, 'Build module must not be a second default');
      } finally {
        fs.rmSync(tasksFile(), { force: true });
      }
    });
  });

  describe('New Kernel Module…', () => {
    it('asks where, the workspace folder first (screenshot)', async () => {
      const folder = vscode.workspace.workspaceFolders![0];
      const result = vscode.commands.executeCommand<string | undefined>('kmod.newModule');
      try {
        const rows = await waitFor(
          async () => {
            const found = await queryTexts(QUICK_PICK_ROW);
            return found.length >= 2 && found;
          },
          10_000,
          'the parent folder picker',
          200,
        );
        assert.match(rows[0], new RegExp(folder.name));
        assert.ok(rows[0].includes(folder.uri.fsPath), `first row: ${rows[0]}`);
        assert.match(rows[rows.length - 1], /Choose a folder/);
        assert.deepStrictEqual(await waitVisible(['.quick-input-widget']), { '.quick-input-widget': true });
        const shot = await screenshot({ name: 'new-module-where', waitFor: [QUICK_PICK_ROW], timeoutMs: 8000 });
        console.log(`    screenshot: ${shot.file}`);
      } finally {
        await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
      }
      assert.strictEqual(await withTimeout(result, 10_000, 'kmod.newModule after Escape'), undefined);
    });
  });
});
