// Typing in a large file as a person does: VS Code's `type` command, one key (and one didChange) at
// a time, 30 ms apart, with the editor's own requests (code actions, outline) going out meanwhile.
// The new code's finding must appear soon after the last key, and the squiggle must be on screen.
// Saves test-artifacts/vscode/typing-large-file.png.
import * as assert from 'assert';
import * as fs from 'fs';
import * as vscode from 'vscode';
import { describeDiagnostics, openInEditor, sectionMismatchDiagnostics, waitFor, waitForSectionMismatch, workspaceUri } from './helpers';
import { screenshot } from './launcherChannel';

const SQUIGGLE = '.view-overlays .squiggly-error, .view-overlays .squiggly-warning, .view-overlays .squiggly-info';
const KEY_MS = 30;
/** After the last key: the diagnostics of the final text are on the file within this. */
const SETTLE_BUDGET_MS = 1_000;

/** About 700 KB of driver-like C (a function per helper, each calling the previous), and one known finding at the end. */
function largeModule(): string {
  const parts = ['#include <linux/module.h>\n#include <linux/init.h>\n\nstatic int bigmod_helper_0(int x)\n{\n\treturn x;\n}\n'];
  for (let i = 1; i < 3700; i++) {
    parts.push(
      `\n/* Helper ${i}: scales its argument and folds in the helper before it. */\nstatic int bigmod_helper_${i}(int x)\n{\n\tint y = x * ${i};\n\n\tif (y > 100)\n\t\ty -= ${i % 7};\n\treturn y + bigmod_helper_${i - 1}(x);\n}\n`,
    );
  }
  parts.push(
    '\nstatic int bigmod_data __initdata = 1;\n\nstatic void __exit bigmod_exit(void)\n{\n\tpr_info("%d %d\\n", bigmod_data, bigmod_helper_3699(1));\n}\nmodule_exit(bigmod_exit);\nMODULE_LICENSE("GPL");\n',
  );
  return parts.join('');
}

/** Typed at the end of the file, key by key: an __init function, and an __exit one that calls it. */
const TYPED =
  '\nstatic int __init bigmod_typed(void)\n{\nreturn 0;\n}\n\nstatic void __exit bigmod_typed_exit(void)\n{\nbigmod_typed();\n}\n';

describe('typing in a 700 KB file', () => {
  const uri = workspaceUri('bigmod', 'bigmod.c');
  const editorConfig = vscode.workspace.getConfiguration('editor');

  before(async () => {
    fs.mkdirSync(workspaceUri('bigmod').fsPath, { recursive: true });
    fs.writeFileSync(workspaceUri('bigmod', 'Kbuild').fsPath, 'obj-m += bigmod.o\n');
    fs.writeFileSync(uri.fsPath, largeModule());
    // What is typed is what lands in the file: no closing brace or indentation added by the editor.
    await editorConfig.update('autoClosingBrackets', 'never', vscode.ConfigurationTarget.Global);
    await editorConfig.update('autoIndent', 'none', vscode.ConfigurationTarget.Global);
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    await editorConfig.update('autoClosingBrackets', undefined, vscode.ConfigurationTarget.Global);
    await editorConfig.update('autoIndent', undefined, vscode.ConfigurationTarget.Global);
  });

  it('shows the finding of a function typed key by key within 1 s of the last key, squiggle on screen', async () => {
    const editor = await openInEditor(uri);
    const document = editor.document;
    assert.ok(document.getText().length > 680_000, `the file has ${document.getText().length} characters`);
    // The file's own finding says its first analysis is done.
    await waitForSectionMismatch(uri);
    const end = document.positionAt(document.getText().length);
    editor.selection = new vscode.Selection(end, end);
    editor.revealRange(new vscode.Range(end, end), vscode.TextEditorRevealType.InCenter);
    await vscode.commands.executeCommand('workbench.action.closePanel');

    let next = Date.now();
    for (const key of TYPED) {
      const wait = next - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      next += KEY_MS;
      await vscode.commands.executeCommand('type', { text: key });
    }
    const lastKey = Date.now();
    const callLine = document.getText().split('\n').lastIndexOf('bigmod_typed();');
    assert.ok(callLine > 0, 'the typed call is in the document');
    await waitFor(
      () => sectionMismatchDiagnostics(uri).some((diagnostic) => diagnostic.range.start.line === callLine),
      10_000,
      `the finding on the typed call, line ${callLine + 1} (now: ${describeDiagnostics(uri)})`,
      5,
    );
    const settleMs = Date.now() - lastKey;
    console.log(`    ${TYPED.length} keys, ${KEY_MS} ms apart: the finding on the typed call ${settleMs} ms after the last key`);
    assert.ok(settleMs <= SETTLE_BUDGET_MS, `the finding came ${settleMs} ms after the last key (budget ${SETTLE_BUDGET_MS} ms)`);

    const shot = await screenshot({ name: 'typing-large-file', waitFor: [SQUIGGLE], timeoutMs: 8000 });
    assert.deepStrictEqual(shot.found, { [SQUIGGLE]: true }, `no squiggle on screen in ${shot.file}`);
    console.log(`    screenshot: ${shot.file}`);
  });
});
