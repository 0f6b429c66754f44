// Saves test-artifacts/vscode/hello-3-squiggle-hover.png: the editor with the squiggle under hello3_data
// in hello_3_exit and its hover open. The launcher owns the browser page, so the test asks it (see
// launcherChannel.ts) and checks that both really were on screen.
import * as assert from 'assert';
import * as fs from 'fs';
import * as vscode from 'vscode';
import { hoverText, openInEditor, rangeOf, waitFor, waitForSectionMismatch, workspaceUri } from './helpers';
import { queryTexts, screenshot, waitVisible } from './launcherChannel';

const SQUIGGLE = '.view-overlays .squiggly-error, .view-overlays .squiggly-warning, .view-overlays .squiggly-info';
const HOVER = '.monaco-hover:not(.hidden) .monaco-hover-content';

describe('screenshot artifact', () => {
  const editorConfig = vscode.workspace.getConfiguration('editor');

  // Hover below the line, so the screenshot also shows the `__exit hello_3_exit` signature above it.
  before(() => editorConfig.update('hover.above', false, vscode.ConfigurationTarget.Global));
  after(() => editorConfig.update('hover.above', undefined, vscode.ConfigurationTarget.Global));

  it('shows the squiggle under hello3_data and its hover', async () => {
    const uri = workspaceUri('hello-3', 'hello-3.c');
    const editor = await openInEditor(uri);
    await waitForSectionMismatch(uri);
    const reference = rangeOf(editor.document, 'Goodbye, world', 'hello3_data');
    const inside = reference.start.translate(0, 3);
    editor.selection = new vscode.Selection(inside, inside);
    editor.revealRange(reference, vscode.TextEditorRevealType.InCenter);
    await vscode.commands.executeCommand('workbench.action.closePanel');
    await vscode.commands.executeCommand('notifications.clearAll');
    // The squiggle is drawn once the diagnostic reached the workbench; only then does the hover include it.
    assert.deepStrictEqual(await waitVisible([SQUIGGLE], 10_000), { [SQUIGGLE]: true }, 'no squiggle rendered');
    await vscode.commands.executeCommand('editor.action.showHover');

    const shot = await screenshot({ name: 'hello-3-squiggle-hover', waitFor: [SQUIGGLE, HOVER], timeoutMs: 8000 });
    assert.ok(fs.statSync(shot.file).size > 10_000, `${shot.file} looks empty`);
    assert.deepStrictEqual(shot.found, { [SQUIGGLE]: true, [HOVER]: true }, `not everything was on screen in ${shot.file}`);
    const hover = (await queryTexts(HOVER)).join('\n');
    // VS Code renders a diagnostic in the hover as "message source(code)".
    assert.match(hover, /kmod\(section-mismatch\)/, `the hover on screen lacks the finding: ${JSON.stringify(hover)}`);
    assert.match(hover, /hello_3_exit/, `the hover on screen lacks the explanation: ${JSON.stringify(hover)}`);
    console.log(`    screenshot: ${shot.file}`);
  });

  it('shows the hover of __initdata with its #define from the headers in the first lines', async () => {
    const uri = workspaceUri('hello-3', 'hello-3.c');
    const editor = await openInEditor(uri);
    const annotation = rangeOf(editor.document, 'static int hello3_data', '__initdata');
    const inside = annotation.start.translate(0, 3);
    // The header scan of the build dir runs in the background: wait until the hover has the definition.
    await waitFor(
      async () => (await hoverText(uri, inside)).includes('#define __initdata'),
      60_000,
      'the #define of __initdata in its hover',
      500,
    );
    editor.selection = new vscode.Selection(inside, inside);
    editor.revealRange(annotation, vscode.TextEditorRevealType.InCenter);
    await vscode.commands.executeCommand('workbench.action.closePanel');
    await vscode.commands.executeCommand('notifications.clearAll');
    await vscode.commands.executeCommand('editor.action.showHover');
    const shot = await screenshot({ name: 'hello-3-initdata-hover', waitFor: [HOVER], timeoutMs: 8000 });
    assert.deepStrictEqual(shot.found, { [HOVER]: true }, `no hover on screen in ${shot.file}`);
    const hover = (await queryTexts(HOVER)).join('\n');
    assert.match(hover, /^\s*__initdata — kernel annotation · section \.init\.data/, `the hover on screen: ${JSON.stringify(hover)}`);
    const define = hover.indexOf('#define __initdata');
    assert.ok(define >= 0 && define < 300, `the #define is not among the first lines: ${JSON.stringify(hover)}`);
    assert.match(hover, /More about __initdata…/, `no link to the whole text: ${JSON.stringify(hover)}`);
    console.log(`    screenshot: ${shot.file}`);
  });

  it('opens the whole text of a macro beside the editor from the hover link', async () => {
    await vscode.commands.executeCommand('editor.action.hideHover');
    await vscode.commands.executeCommand('kmod.showMacroDoc', 'printk');
    const page = await vscode.workspace.openTextDocument(vscode.Uri.parse('kmod-macro-doc:/printk.md'));
    assert.match(page.getText(), /^# `printk\(KERN_<LEVEL> "fmt", \.\.\.\)`\n[\s\S]*\*\*Common mistakes:\*\*/);
    await waitFor(
      () => vscode.window.tabGroups.all.flatMap((group) => group.tabs).find((tab) => /printk/.test(tab.label)),
      10_000,
      'a tab with the whole text of printk',
    );
    // The preview is a webview the markdown extension fills once it is active.
    await waitFor(() => vscode.extensions.getExtension('vscode.markdown-language-features')?.isActive, 10_000, 'the Markdown preview');
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const shot = await screenshot({ name: 'printk-macro-doc', waitFor: [], timeoutMs: 3000 });
    console.log(`    screenshot: ${shot.file}`);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});
