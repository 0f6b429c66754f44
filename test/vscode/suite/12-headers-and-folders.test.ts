// Headers and folders as a user meets them: a module's .h opened as C++ gets the findings, hover,
// outline and quick fixes; a C++ project's header gets nothing from us; a module folder created on
// disk is checked, and deleting it takes its findings out of the Problems panel (the file watcher
// reports a deleted folder as one event).
import * as assert from 'assert';
import * as fs from 'fs';
import * as vscode from 'vscode';
import {
  describeDiagnostics,
  hoverText,
  openInEditor,
  rangeOf,
  removeModuleDir,
  waitFor,
  waitForHoverText,
  waitForSectionMismatch,
  workspaceUri,
} from './helpers';

const BUGGY = 'static int seed __initdata = 1;\nstatic void __exit bye(void) { pr_info("%d", seed); }\nmodule_exit(bye);\n';

function write(files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    const file = workspaceUri(...name.split('/')).fsPath;
    fs.mkdirSync(file.replace(/\/[^/]*$/, ''), { recursive: true });
    fs.writeFileSync(file, text);
  }
}

describe('module headers opened as C++', () => {
  after(() => {
    for (const dir of ['hdr', 'cxx']) removeModuleDir(workspaceUri(dir).fsPath);
  });

  it("serves a module's .h as VS Code opens it (cpp), and leaves a C++ project's header alone", async () => {
    write({
      'hdr/Makefile': 'obj-m += hdr.o\n',
      'hdr/hdr.c': '#include <linux/module.h>\n#include "hdr.h"\nmodule_exit(hdr_exit);\nMODULE_LICENSE("GPL");\n',
      'hdr/hdr.h': 'static int table[2] __initdata = { 1, 2 };\nstatic void __exit hdr_exit(void)\n{\n\tpr_info("%d", table[0]);\n}\n',
      'cxx/widget.h': '#include <vector>\nclass Widget { int count; };\nstatic int __initdata_like;\n',
    });
    const header = workspaceUri('hdr', 'hdr.h');
    const document = (await openInEditor(header)).document;
    assert.strictEqual(document.languageId, 'cpp', 'VS Code opens .h files as C++ (the case this covers)');
    const [finding] = await waitForSectionMismatch(header);
    assert.strictEqual(finding.range.start.line, 3, describeDiagnostics(header));
    const hover = await waitForHoverText(header, rangeOf(document, 'static int table', 'table').start.translate(0, 2));
    assert.match(hover, /table.*\.init\.data/, hover);
    const outline = await vscode.commands.executeCommand<vscode.DocumentSymbol[]>('vscode.executeDocumentSymbolProvider', header);
    assert.deepStrictEqual(
      (outline ?? []).map((s) => s.name),
      ['table', 'hdr_exit'],
    );
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', header, finding.range);
    const titles = actions.map((a) => a.title);
    for (const title of ['Remove __initdata from table', 'Disable section-mismatch for this line', 'Disable section-mismatch in settings'])
      assert.ok(
        titles.some((t) => t.startsWith(title)),
        `no "${title}" among ${titles.join(', ')}`,
      );

    const cxx = workspaceUri('cxx', 'widget.h');
    const cxxDocument = (await openInEditor(cxx)).document;
    assert.strictEqual(cxxDocument.languageId, 'cpp');
    // The module header above was served by now; give the C++ one the same time, then expect nothing.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.strictEqual(await hoverText(cxx, rangeOf(cxxDocument, 'class Widget', 'Widget').start.translate(0, 2)), '');
    assert.deepStrictEqual(vscode.languages.getDiagnostics(cxx), [], describeDiagnostics(cxx));
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});

describe('module folders created and deleted on disk', () => {
  it('checks a new module folder nobody opened, and drops its findings when the folder is deleted', async () => {
    write({ 'ghost/Makefile': 'obj-m += ghost.o\n', 'ghost/ghost.c': BUGGY });
    const source = workspaceUri('ghost', 'ghost.c');
    await waitForSectionMismatch(source);
    removeModuleDir(workspaceUri('ghost').fsPath);
    await waitFor(
      () => vscode.languages.getDiagnostics(source).length === 0,
      15_000,
      `the findings of the deleted folder to go (now: ${describeDiagnostics(source)})`,
    );
  });
});
