// "Test Module in VM" on the buggy hello-3, for real: kbuild, Debian's kernel in qemu, the oops on
// rmmod. It must read like a test run (a progress notification through the stages, the boot log
// folded, no protocol lines, the verdict as a notification with its actions) and the crash must land
// as one kmod-vm problem on line 22, on the identifier, with the analyzer's quick fix offered there.
import * as assert from 'assert';
import * as vscode from 'vscode';
import { describeDiagnostics, openInEditor, rangeOf, waitFor, waitForSectionMismatch, withTimeout, workspaceUri } from './helpers';
import { queryTexts, screenshot } from './launcherChannel';

const VM_TIMEOUT_MS = 240_000; // build + TCG boot on a loaded 2-core machine
const TOASTS = '.notifications-toasts .notification-toast';

describe('Test Module in VM (kmod.testModuleInVm)', function () {
  this.timeout(VM_TIMEOUT_MS + 60_000);
  const uri = workspaceUri('hello-3', 'hello-3.c');

  it('shows progress and a verdict, and puts the oops on line 22 as one kmod-vm problem with a quick fix (screenshots)', async () => {
    const terminalConfig = vscode.workspace.getConfiguration('terminal.integrated');
    const gpu = terminalConfig.inspect('gpuAcceleration')?.globalValue;
    // The DOM renderer, so the terminal's text can be read back.
    await terminalConfig.update('gpuAcceleration', 'off', vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('notifications.clearAll');
    const document = (await openInEditor(uri)).document;
    await waitForSectionMismatch(uri);
    const identifier = rangeOf(document, 'Goodbye, world', 'hello3_data');

    let exitCode: number | undefined | 'none' = 'none';
    const ended = new Promise<void>((resolve) => {
      const sub = vscode.tasks.onDidEndTaskProcess((e) => {
        if ((e.execution.task.definition as { task?: string }).task !== 'vm') return;
        exitCode = e.exitCode;
        sub.dispose();
        resolve();
      });
    });
    const seen = new Set<string>();
    let progressShot = false;
    try {
      const command = vscode.commands.executeCommand<boolean>('kmod.testModuleInVm', uri);
      // The module-parameters box: accept it empty.
      let started: boolean | undefined;
      void command.then((value) => (started = value));
      await waitFor(
        async () => {
          if (started !== undefined) return true;
          await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
          return false;
        },
        20_000,
        'the Test in VM command to start its task',
        300,
      );
      assert.strictEqual(started, true, 'Test in VM refused to start');

      // Poll the progress notification while the run goes on.
      let done = false;
      void ended.then(() => (done = true));
      await withTimeout(
        (async () => {
          while (!done) {
            for (const text of await queryTexts(TOASTS)) {
              if (!/Test in VM/.test(text)) continue;
              seen.add(text.replace(/\s+/g, ' '));
              if (!progressShot && /booting|insmod|waiting|rmmod/.test(text)) {
                progressShot = true;
                await screenshot({ name: 'vm-progress', waitFor: [TOASTS] });
              }
            }
            await new Promise((resolve) => setTimeout(resolve, 150));
          }
        })(),
        VM_TIMEOUT_MS,
        'the Test in VM task',
      );
      const stages = [...seen].join(' | ');
      assert.strictEqual(exitCode, 1, `kmod-vmtest reports the oops with exit code 1 (progress seen: ${stages})`);
      assert.match(stages, /building|booting|insmod|rmmod/, `a progress notification with the stages: ${stages}`);

      // The verdict, as a notification with its actions.
      const verdict = await waitFor(
        async () => (await queryTexts(TOASTS)).find((text) => /failed in the VM/.test(text)),
        10_000,
        `the verdict notification (seen: ${stages})`,
      );
      const terminalText = async () => (await queryTexts('.terminal-wrapper.active .xterm-rows')).join('\n');
      assert.match(verdict, /BUG: unable to handle page fault/, `the terminal:\n${await terminalText()}`);
      assert.match(verdict, /hello-3\.c:22/);
      assert.match(verdict, /Show oops/);
      assert.match(verdict, /Open log/);
      console.log(`    progress seen: ${stages}\n    verdict: ${verdict.replace(/\s+/g, ' ')}`);

      // One problem from the kmod-vm matcher, on line 22, spanning the identifier; no [vm] tag; no gcc copy.
      const vm = await waitFor(
        () => {
          const found = vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'kmod-vm');
          return found.length > 0 && found;
        },
        10_000,
        `a kmod-vm problem on ${uri.fsPath} (now: ${describeDiagnostics(uri)})`,
      );
      assert.strictEqual(vm.length, 1, describeDiagnostics(uri));
      assert.strictEqual(vm[0].range.start.line, 21, describeDiagnostics(uri));
      assert.ok(
        vm[0].range.isEqual(identifier) ||
          (vm[0].range.start.character === 0 && vm[0].range.end.character >= document.lineAt(21).text.length),
        `the problem spans hello3_data or the line: ${JSON.stringify(vm[0].range)}`,
      );
      assert.doesNotMatch(vm[0].message, /\[vm\]/);
      assert.match(vm[0].message, /hello_3_exit/);
      const strays = vscode.languages
        .getDiagnostics(uri)
        .filter((d) => /while testing in the VM/.test(d.message) && d.source !== 'kmod-vm');
      assert.deepStrictEqual(strays, [], 'no other matcher takes the VM line');

      // The analyzer's quick fix where the VM problem is.
      const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
        'vscode.executeCodeActionProvider',
        uri,
        vm[0].range,
        vscode.CodeActionKind.QuickFix.value,
      );
      assert.ok(
        actions.some((a) => /Remove __initdata from hello3_data/.test(a.title)),
        `quick fixes on the kmod-vm problem: ${actions.map((a) => a.title).join(', ')}`,
      );

      // The terminal's last screen (what the DOM renderer has): the verdict and the crash line, no protocol or event lines.
      const terminal = await terminalText();
      assert.match(terminal, /verdict: +PROBLEMS/);
      assert.doesNotMatch(terminal, /@@KVMTEST|kmod-vmtest \{/, 'no protocol lines in the terminal');
      const shot = await screenshot({ name: 'vm-verdict', waitFor: [TOASTS] });
      console.log(`    screenshot: ${shot.file}`);
    } finally {
      await terminalConfig.update('gpuAcceleration', gpu, vscode.ConfigurationTarget.Global);
      await vscode.commands.executeCommand('notifications.clearAll');
    }
  });
});
