// modpost's errors before the build, in real VS Code: an unexported function and a namespaced
// symbol without its import are squiggled at their call sites (from the 6.1 build dir's
// Module.symvers and headers), the import quick fix clears its finding, and a screenshot shows the
// finding's hover with what modpost will print.
import * as assert from 'assert';
import * as fs from 'fs';
import * as vscode from 'vscode';
import {
  codeActionsUntil,
  describeDiagnostics,
  diagnosticCode,
  KMOD_SOURCE,
  openInEditor,
  rangeOf,
  setDocumentText,
  waitFor,
  workspaceUri,
} from './helpers';
import { queryTexts, screenshot, waitVisible } from './launcherChannel';

const SQUIGGLE = '.view-overlays .squiggly-error';
const HOVER = '.monaco-hover:not(.hidden) .monaco-hover-content';

const ours = (uri: vscode.Uri, code: string): vscode.Diagnostic[] =>
  vscode.languages.getDiagnostics(uri).filter((d) => d.source === KMOD_SOURCE && diagnosticCode(d) === code);

describe('modpost errors before the build (linkerr/linkerr.c)', () => {
  const uri = workspaceUri('linkerr', 'linkerr.c');
  let document: vscode.TextDocument;
  let originalText: string;
  const editorConfig = vscode.workspace.getConfiguration('editor');

  before(async () => {
    document = (await openInEditor(uri)).document;
    originalText = document.getText();
    await editorConfig.update('hover.above', false, vscode.ConfigurationTarget.Global);
  });
  after(async () => {
    await setDocumentText(document, originalText);
    await editorConfig.update('hover.above', undefined, vscode.ConfigurationTarget.Global);
  });

  it('squiggles the unexported function and the namespaced symbol where they are used', async () => {
    // The build dir's headers are scanned in the background: the findings come a few seconds after opening.
    await waitFor(
      () => ours(uri, 'undefined-symbol').length === 1 && ours(uri, 'missing-namespace-import').length === 1,
      60_000,
      `undefined-symbol and missing-namespace-import (now: ${describeDiagnostics(uri)})`,
    );
    const [undefinedSymbol] = ours(uri, 'undefined-symbol');
    assert.deepStrictEqual(undefinedSymbol.range, rangeOf(document, 'unsigned long addr', 'kallsyms_lookup_name'));
    assert.strictEqual(undefinedSymbol.severity, vscode.DiagnosticSeverity.Error);
    assert.match(undefinedSymbol.message, /not exported to modules by this kernel/);
    const [namespace] = ours(uri, 'missing-namespace-import');
    assert.deepStrictEqual(namespace.range, rangeOf(document, 'dma_buf_put(READ_ONCE', 'dma_buf_put'));
  });

  it('shows the finding and what modpost will print in the hover (screenshot)', async () => {
    const editor = await openInEditor(uri);
    const call = rangeOf(document, 'unsigned long addr', 'kallsyms_lookup_name');
    const inside = call.start.translate(0, 4);
    editor.selection = new vscode.Selection(inside, inside);
    editor.revealRange(call, vscode.TextEditorRevealType.InCenter);
    await vscode.commands.executeCommand('workbench.action.closePanel');
    await vscode.commands.executeCommand('notifications.clearAll');
    assert.deepStrictEqual(await waitVisible([SQUIGGLE], 10_000), { [SQUIGGLE]: true }, 'no squiggle rendered');
    await vscode.commands.executeCommand('editor.action.showHover');
    const shot = await screenshot({ name: 'link-undefined-hover', waitFor: [SQUIGGLE, HOVER], timeoutMs: 8000 });
    assert.ok(fs.statSync(shot.file).size > 10_000, `${shot.file} looks empty`);
    const hover = (await queryTexts(HOVER)).join('\n');
    assert.match(hover, /kmod\(undefined-symbol\)/, `the hover on screen lacks the finding: ${JSON.stringify(hover)}`);
    assert.match(hover, /Not exported/, `the hover on screen lacks the export status: ${JSON.stringify(hover)}`);
    console.log(`    screenshot: ${shot.file}`);
  });

  it('adds MODULE_IMPORT_NS(DMA_BUF) with the quick fix, and the finding goes away', async () => {
    const [diagnostic] = ours(uri, 'missing-namespace-import');
    const isImportFix = (a: vscode.CodeAction | vscode.Command): a is vscode.CodeAction =>
      'edit' in a && a.title === 'Add MODULE_IMPORT_NS(DMA_BUF)';
    const actions = await codeActionsUntil(uri, diagnostic.range, isImportFix);
    const fix = actions.find(isImportFix);
    assert.ok(fix?.edit, `no import quick fix; got: ${actions.map((a) => a.title).join(', ') || 'nothing'}`);
    assert.ok(await vscode.workspace.applyEdit(fix.edit));
    assert.match(document.getText(), /^MODULE_IMPORT_NS\(DMA_BUF\);$/m);
    await waitFor(
      () => ours(uri, 'missing-namespace-import').length === 0,
      10_000,
      `the import finding to go away (now: ${describeDiagnostics(uri)})`,
    );
  });
});
