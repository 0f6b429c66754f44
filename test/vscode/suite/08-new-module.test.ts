// "New Kernel Module…" (kmod.newModule) in a real extension host: it writes <folder>/<name>/<name>.c and
// a Makefile, opens the .c, and the language server finds nothing in it. It never overwrites files and
// refuses bad names without writing anything. The contributed C snippets insert what the unit and
// kbuild tests compile (their expansion of the defaults is checked against VS Code's own here).
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { snippetDefaultText } from '../../support/snippets';
import {
  describeDiagnostics,
  KMOD_SOURCE,
  openInEditor,
  rangeOf,
  removeModuleDir,
  setDocumentText,
  waitFor,
  waitForHoverText,
  waitForSectionMismatch,
  withTimeout,
  workspaceUri,
} from './helpers';

const NEW_MODULE_COMMAND = 'kmod.newModule';
const NAME = 'scaffold_demo';
const COMMAND_TIMEOUT_MS = 15_000; // with both arguments given, nothing may wait on a prompt

const kmodDiagnostics = (uri: vscode.Uri): vscode.Diagnostic[] =>
  vscode.languages.getDiagnostics(uri).filter((d) => d.source === KMOD_SOURCE);

function runNewModule(...args: unknown[]): Promise<unknown> {
  return withTimeout(vscode.commands.executeCommand<unknown>(NEW_MODULE_COMMAND, ...args), COMMAND_TIMEOUT_MS, NEW_MODULE_COMMAND);
}

describe(`New Kernel Module (${NEW_MODULE_COMMAND})`, function () {
  this.timeout(60_000);
  const moduleDir = workspaceUri(NAME).fsPath;
  const source = workspaceUri(NAME, `${NAME}.c`);
  const makefile = path.join(moduleDir, 'Makefile');

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('notifications.clearAll');
    removeModuleDir(moduleDir);
  });

  it('creates <folder>/scaffold_demo/ with the .c and a Makefile and opens the .c', async () => {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    assert.ok(folder, 'no workspace folder open');
    assert.ok(!fs.existsSync(moduleDir), `${moduleDir} exists before the command ran`);
    const result = await runNewModule(folder, NAME);
    assert.strictEqual(result, moduleDir);
    assert.ok(fs.existsSync(source.fsPath), `${source.fsPath} was not written`);
    assert.match(fs.readFileSync(makefile, 'utf8'), /^obj-m \+= scaffold_demo\.o$/m);
    const active = await waitFor(
      () => vscode.window.activeTextEditor?.document.uri.fsPath === source.fsPath && vscode.window.activeTextEditor,
      5000,
      `${source.fsPath} to be the active editor (now: ${vscode.window.activeTextEditor?.document.uri.fsPath ?? 'none'})`,
    );
    assert.strictEqual(active.document.languageId, 'c');
  });

  it('has no kmod diagnostics once the language server has analyzed it', async () => {
    const document = (await openInEditor(source)).document;
    const original = document.getText();
    // A finding has to appear for a broken copy first: otherwise "none" could mean "not analyzed yet".
    try {
      const broken = original
        .replace(`static int __init ${NAME}_init`, `static int ${NAME}_seed __initdata = 3;\n\nstatic int __init ${NAME}_init`)
        .replace('pr_info("unloaded\\n");', `pr_info("unloaded %d\\n", ${NAME}_seed);`);
      assert.notStrictEqual(broken, original, "the template changed: update this test's edit");
      await setDocumentText(document, broken);
      await waitForSectionMismatch(source);
    } finally {
      await setDocumentText(document, original);
    }
    await waitFor(
      () => kmodDiagnostics(source).length === 0,
      10_000,
      `the kmod diagnostics to clear on the generated text (now: ${describeDiagnostics(source)})`,
    );
    const hover = await waitForHoverText(
      source,
      rangeOf(document, `static void __exit ${NAME}_exit`, `${NAME}_exit`).start.translate(0, 2),
    );
    assert.match(hover, /\.exit\.text/, `hover on ${NAME}_exit: ${JSON.stringify(hover)}`);
    assert.deepStrictEqual(
      kmodDiagnostics(source).map((d) => d.message),
      [],
      describeDiagnostics(source),
    );
  });

  it('never overwrites: a second run returns undefined and leaves the files alone', async () => {
    fs.appendFileSync(makefile, '# edited by hand\n');
    const before = [fs.readFileSync(makefile, 'utf8'), fs.readFileSync(source.fsPath, 'utf8')];
    assert.strictEqual(await runNewModule(vscode.workspace.workspaceFolders![0].uri, NAME), undefined);
    assert.deepStrictEqual([fs.readFileSync(makefile, 'utf8'), fs.readFileSync(source.fsPath, 'utf8')], before);
  });

  it('refuses an invalid name without writing anything', async () => {
    const badDir = workspaceUri('Bad-Name').fsPath;
    assert.strictEqual(await runNewModule(workspaceUri().fsPath, 'Bad-Name'), undefined);
    assert.ok(!fs.existsSync(badDir), `${badDir} was created`);
  });

  it('contributes the C snippets, and VS Code expands each one as the tests that compile them do', async () => {
    const snippetsFile = path.resolve(__dirname, '../../../../snippets/kernel-c.json');
    const snippets = JSON.parse(fs.readFileSync(snippetsFile, 'utf8')) as Record<string, { prefix: string; body: string[] }>;
    const scratch = path.join(moduleDir, 'snip-check.c');
    fs.writeFileSync(scratch, '');
    const editor = await openInEditor(vscode.Uri.file(scratch));
    editor.options = { insertSpaces: false }; // snippet tabs stay tabs, as in the expected text
    for (const [name, snippet] of Object.entries(snippets)) {
      assert.ok((await vscode.commands.executeCommand('editor.action.insertSnippet', { langId: 'c', name })) !== false);
      await vscode.commands.executeCommand('leaveSnippet');
      const expected = snippetDefaultText(snippet.body, { TM_FILENAME_BASE: 'snip-check' });
      await waitFor(
        () => editor.document.getText() === expected,
        5000,
        `VS Code's ${snippet.prefix} to equal the tests' expansion:\n${editor.document.getText()}\n--- expected ---\n${expected}`,
      );
      assert.ok(await editor.edit((edit) => edit.delete(new vscode.Range(0, 0, editor.document.lineCount, 0))));
    }
    // Not saved: a save just before after() deletes the directory races VS Code's local history copy.
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });
});
