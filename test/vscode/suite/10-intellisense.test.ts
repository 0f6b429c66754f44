// C IntelliSense with no setup: with no clangd or C/C++ extension installed (the run disables them)
// and Debian's clangd on PATH, the extension makes a compile database from kbuild and starts clangd
// itself (kmod.clangd.mode auto). Completion after `pr_in` must offer clangd's pr_info in the editor,
// and our own hover stays the only one on a kernel macro. Saves test-artifacts/vscode/intellisense-completion.png.
import * as assert from 'assert';
import * as fs from 'fs';
import * as vscode from 'vscode';
import { openInEditor, setDocumentText, waitFor, workspaceUri } from './helpers';
import { queryTexts, screenshot } from './launcherChannel';

const CLANGD_EXTENSION = 'llvm-vs-code-extensions.vscode-clangd';
const CPPTOOLS_EXTENSION = 'ms-vscode.cpptools';
const SUGGESTIONS = '.suggest-widget.visible .monaco-list-row';
const CLANGD_READY_TIMEOUT_MS = 90_000; // the dry runs of the workspace's modules, then clangd parsing the kernel headers

/** Peak resident memory (VmHWM, MB) of the clangd processes this extension host started. */
function clangdPeakMemoryMb(): number[] {
  return fs
    .readdirSync('/proc')
    .filter((pid) => /^\d+$/.test(pid))
    .flatMap((pid) => {
      try {
        const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
        const parent = Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]);
        if (parent !== process.pid || !/^Name:\s+clangd/m.test(status)) return [];
        return [Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) / 1024];
      } catch {
        return [];
      }
    });
}

const labelText = (item: vscode.CompletionItem) =>
  typeof item.label === 'string' ? item.label : item.label.label + (item.label.detail ?? '');

describe('C IntelliSense: the extension starts clangd itself', function () {
  this.timeout(CLANGD_READY_TIMEOUT_MS + 60_000);
  const uri = workspaceUri('hello-3', 'hello-3.c');
  const editorConfig = vscode.workspace.getConfiguration('editor');
  let original: string | undefined;

  // Word-based suggestions would offer pr_info from other open files: only clangd's may count.
  before(() => editorConfig.update('wordBasedSuggestions', 'off', vscode.ConfigurationTarget.Global));
  after(async () => {
    await vscode.commands.executeCommand('hideSuggestWidget');
    if (original !== undefined) await setDocumentText((await openInEditor(uri)).document, original);
    await editorConfig.update('wordBasedSuggestions', undefined, vscode.ConfigurationTarget.Global);
  });

  it('no C extension is installed, so clangd is ours (auto mode)', () => {
    assert.strictEqual(vscode.extensions.getExtension(CLANGD_EXTENSION), undefined);
    assert.strictEqual(vscode.extensions.getExtension(CPPTOOLS_EXTENSION), undefined);
    assert.strictEqual(vscode.workspace.getConfiguration('kmod').get('clangd.mode'), 'auto');
  });

  it('completion after pr_in offers pr_info in the editor', async () => {
    const editor = await openInEditor(uri);
    original = editor.document.getText();
    const line = original.split('\n').findIndex((text) => text.includes('return 0;'));
    assert.ok(line > 0, 'hello-3.c has no "return 0;"');
    await editor.edit((edit) => edit.insert(new vscode.Position(line, 0), '\tpr_in\n'));
    const position = new vscode.Position(line, '\tpr_in'.length);
    editor.selection = new vscode.Selection(position, position);
    const started = Date.now();
    const offered = await waitFor(
      async () => {
        const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', uri, position);
        // clangd's item carries the macro's parameters ("pr_info(fmt, ...)"); a word-based one would not.
        return list.items.find((item) => /^\W*pr_info\(fmt/.test(labelText(item)));
      },
      CLANGD_READY_TIMEOUT_MS,
      'clangd to offer pr_info(fmt, ...) after pr_in',
      500,
    );
    const memory = clangdPeakMemoryMb();
    assert.strictEqual(memory.length, 1, 'one clangd, started by this extension host');
    console.log(
      `    clangd offered ${labelText(offered)} ${Date.now() - started} ms after the first request; peak memory ${memory[0].toFixed(0)} MB`,
    );

    await vscode.commands.executeCommand('workbench.action.closePanel');
    await vscode.commands.executeCommand('notifications.clearAll');
    await vscode.commands.executeCommand('editor.action.triggerSuggest');
    const shot = await screenshot({ name: 'intellisense-completion', waitFor: [SUGGESTIONS], timeoutMs: 10_000 });
    assert.ok(fs.statSync(shot.file).size > 10_000, `${shot.file} looks empty`);
    assert.deepStrictEqual(shot.found, { [SUGGESTIONS]: true }, `the suggest widget was not on screen in ${shot.file}`);
    const rows = await queryTexts(SUGGESTIONS);
    assert.ok(
      rows.some((row) => row.includes('pr_info')),
      `the suggestions on screen lack pr_info: ${JSON.stringify(rows)}`,
    );
    console.log(`    screenshot: ${shot.file}`);
    await vscode.commands.executeCommand('hideSuggestWidget');
  });

  it('a kernel macro gets one hover, ours: clangd leaves it to the kernel-module server', async () => {
    const document = (await openInEditor(uri)).document;
    const line = document
      .getText()
      .split('\n')
      .findIndex((text) => /^\s*printk\(/.test(text));
    const position = new vscode.Position(line, document.lineAt(line).text.indexOf('printk') + 2);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, position);
    const texts = hovers.map((hover) => hover.contents.map((c) => (typeof c === 'string' ? c : c.value)).join('\n'));
    assert.strictEqual(texts.length, 1, `hovers on printk: ${JSON.stringify(texts)}`);
    assert.match(texts[0], /printk/);
  });

  it('kmod.clangd.mode off stops our clangd (its status item stays, one click from the setting); auto starts it again', async () => {
    const config = vscode.workspace.getConfiguration('kmod');
    const statusTexts = async () => (await queryTexts('.statusbar-item')).filter((text) => text.includes('IntelliSense'));
    try {
      await config.update('clangd.mode', 'off', vscode.ConfigurationTarget.Workspace);
      await waitFor(() => clangdPeakMemoryMb().length === 0, 15_000, 'our clangd to stop');
      assert.ok((await statusTexts()).length > 0, 'no IntelliSense status item');
    } finally {
      await config.update('clangd.mode', undefined, vscode.ConfigurationTarget.Workspace);
    }
    await waitFor(() => clangdPeakMemoryMb().length === 1, 30_000, 'our clangd to start again');
  });
});
