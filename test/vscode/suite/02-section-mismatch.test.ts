// The seed bug (examples/hello-3): hello_3_exit reads hello3_data, which is __initdata.
// Diagnostic, hovers, quick fix and live updates while editing, against the real language server.
import * as assert from 'assert';
import * as vscode from 'vscode';
import {
  codeActionsUntil,
  describeDiagnostics,
  millisecondsUntil,
  openInEditor,
  rangeOf,
  sectionMismatchDiagnostics,
  setDocumentText,
  waitFor,
  waitForHoverText,
  waitForSectionMismatch,
  workspaceUri,
} from './helpers';

const EXIT_LINE = 'printk(KERN_INFO "Goodbye, world %d\\n", hello3_data);';
const DECLARATION_LINE = 'static int hello3_data __initdata = 3;';
const EDIT_UPDATE_BUDGET_MS = 2_000; // the bound for diagnostics following edits

describe('section mismatch in hello-3.c', () => {
  const uri = workspaceUri('hello-3', 'hello-3.c');
  let document: vscode.TextDocument;
  let originalText: string;

  before(async () => {
    document = (await openInEditor(uri)).document;
    originalText = document.getText();
  });

  afterEach(async () => {
    await setDocumentText(document, originalText);
  });

  it('reports kmod/section-mismatch on hello3_data in hello_3_exit', async () => {
    const diagnostics = await waitForSectionMismatch(uri);
    const expected = rangeOf(document, EXIT_LINE, 'hello3_data');
    assert.deepStrictEqual(
      diagnostics.map((d) => [d.range.start.line, d.range.start.character, d.range.end.character]),
      [[expected.start.line, expected.start.character, expected.end.character]],
      `expected exactly one finding on ${expected.start.line + 1}:${expected.start.character + 1}; got ${describeDiagnostics(uri)}`,
    );
  });

  it('explains __initdata on hover', async () => {
    const text = await waitForHoverText(uri, rangeOf(document, DECLARATION_LINE, '__initdata').start.translate(0, 2));
    assert.match(text, /freed|\.init\.data/, `hover on __initdata: ${JSON.stringify(text)}`);
  });

  it('explains the bad reference on hover over hello3_data in hello_3_exit', async () => {
    await waitForSectionMismatch(uri);
    const text = await waitForHoverText(uri, rangeOf(document, EXIT_LINE, 'hello3_data').start.translate(0, 3));
    assert.match(text, /freed|\.init\.data/, `hover on hello3_data: ${JSON.stringify(text)}`);
    assert.match(text, /hello_3_exit/, `hover on hello3_data should name the exit function: ${JSON.stringify(text)}`);
  });

  it('offers a quick fix that removes the finding', async () => {
    const [diagnostic] = await waitForSectionMismatch(uri);
    const isQuickFix = (a: vscode.CodeAction | vscode.Command): a is vscode.CodeAction =>
      'edit' in a && a.edit !== undefined && (a.kind === undefined || vscode.CodeActionKind.QuickFix.contains(a.kind));
    const actions = await codeActionsUntil(uri, diagnostic.range, isQuickFix);
    const quickFix = actions.find(isQuickFix);
    assert.ok(quickFix, `no quick fix with an edit; got: ${actions.map((a) => a.title).join(', ') || 'nothing'}`);
    assert.ok(quickFix.edit && (await vscode.workspace.applyEdit(quickFix.edit)), `applying "${quickFix.title}" failed`);
    await waitFor(
      () => sectionMismatchDiagnostics(uri).length === 0,
      10_000,
      `the finding to go away after "${quickFix.title}" (now: ${describeDiagnostics(uri)})`,
    );
    assert.notStrictEqual(document.getText(), originalText);
  });

  it('moves and clears the finding within 2 s of edits', async () => {
    await waitForSectionMismatch(uri);
    const exitLine = rangeOf(document, EXIT_LINE, 'hello3_data').start.line;
    const declarationLine = rangeOf(document, DECLARATION_LINE, 'static').start.line;

    const insert = new vscode.WorkspaceEdit();
    insert.insert(uri, new vscode.Position(declarationLine, 0), '/* two lines\n   inserted above */\n');
    assert.ok(await vscode.workspace.applyEdit(insert));
    const moveMs = await millisecondsUntil(
      () => sectionMismatchDiagnostics(uri).some((d) => d.range.start.line === exitLine + 2),
      10_000,
      `the finding to move to line ${exitLine + 3} (now: ${describeDiagnostics(uri)})`,
    );
    assert.ok(moveMs < EDIT_UPDATE_BUDGET_MS, `finding moved after ${moveMs} ms`);
    assert.strictEqual(sectionMismatchDiagnostics(uri).length, 1, describeDiagnostics(uri));

    const removeRead = new vscode.WorkspaceEdit();
    removeRead.replace(uri, rangeOf(document, EXIT_LINE, 'hello3_data'), '3');
    assert.ok(await vscode.workspace.applyEdit(removeRead));
    const clearMs = await millisecondsUntil(
      () => sectionMismatchDiagnostics(uri).length === 0,
      10_000,
      `the finding to clear (now: ${describeDiagnostics(uri)})`,
    );
    assert.ok(clearMs < EDIT_UPDATE_BUDGET_MS, `finding cleared after ${clearMs} ms`);

    const deleteLines = new vscode.WorkspaceEdit();
    deleteLines.delete(uri, new vscode.Range(declarationLine, 0, declarationLine + 2, 0)); // the inserted lines
    const literal = rangeOf(document, 'Goodbye, world', '3);').start;
    deleteLines.replace(uri, new vscode.Range(literal, literal.translate(0, 1)), 'hello3_data');
    assert.ok(await vscode.workspace.applyEdit(deleteLines));
    assert.strictEqual(document.getText(), originalText, 'the edits should have restored the original text');
    const backMs = await millisecondsUntil(
      () => sectionMismatchDiagnostics(uri).some((d) => d.range.start.line === exitLine),
      10_000,
      `the finding to come back on line ${exitLine + 1} (now: ${describeDiagnostics(uri)})`,
    );
    assert.ok(backMs < EDIT_UPDATE_BUDGET_MS, `finding came back after ${backMs} ms`);
  });
});
