// Shared helpers for the integration suite. Language-server results arrive asynchronously, so every
// expectation polls with a deadline instead of sleeping.
import * as fs from 'fs';
import * as vscode from 'vscode';

export const EXTENSION_ID = 'kmod-tools.kmod-tools';
export const KMOD_SOURCE = 'kmod';
export const SECTION_MISMATCH = 'section-mismatch';

/** Polls `probe` until it returns something truthy; fails naming `what` after `timeoutMs`. */
export async function waitFor<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs: number,
  what: string | (() => string),
  intervalMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'function' ? what() : what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export function workspaceUri(...segments: string[]): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('no workspace folder open: runTest.ts passes the fixture workspace');
  return vscode.Uri.joinPath(folder.uri, ...segments);
}

/**
 * Deletes a module folder the test made. IntelliSense's dry run of kbuild may be running in it, and
 * kbuild's compiler probes make and remove `.tmp_*` folders there, so a delete that meets one retries.
 */
export function removeModuleDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
}

export async function openInEditor(uri: vscode.Uri): Promise<vscode.TextEditor> {
  const document = await vscode.workspace.openTextDocument(uri);
  return vscode.window.showTextDocument(document, { preview: false });
}

export function diagnosticCode(diagnostic: vscode.Diagnostic): string | undefined {
  const code = diagnostic.code;
  if (code === undefined) return undefined;
  return typeof code === 'object' ? String(code.value) : String(code);
}

export function sectionMismatchDiagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === KMOD_SOURCE && diagnosticCode(d) === SECTION_MISMATCH);
}

const FIRST_FINDING_TIMEOUT_MS = 20_000; // language server start-up + first parse
const AFTER_SILENCE_TIMEOUT_MS = 3_000; // once a wait has timed out, don't spend 20 s on every test
let languageServerSilent = false;

/** Waits for kmod/section-mismatch findings on `uri`; fails with what is there instead. */
export async function waitForSectionMismatch(uri: vscode.Uri): Promise<vscode.Diagnostic[]> {
  const timeoutMs = languageServerSilent ? AFTER_SILENCE_TIMEOUT_MS : FIRST_FINDING_TIMEOUT_MS;
  try {
    return await waitFor(
      () => {
        const found = sectionMismatchDiagnostics(uri);
        return found.length > 0 && found;
      },
      timeoutMs,
      `kmod/section-mismatch on ${uri.fsPath}${languageServerSilent ? ' (an earlier wait timed out too)' : ''}`,
    );
  } catch (err) {
    languageServerSilent = true;
    throw new Error(`${err instanceof Error ? err.message : String(err)}; diagnostics now: ${describeDiagnostics(uri)}`);
  }
}

export function describeDiagnostics(uri: vscode.Uri): string {
  const all = vscode.languages.getDiagnostics(uri);
  if (all.length === 0) return 'no diagnostics';
  return all
    .map((d) => `${d.source}/${diagnosticCode(d)} ${d.range.start.line + 1}:${d.range.start.character + 1} ${d.message}`)
    .join('; ');
}

/** Range of the `occurrence`-th (0-based) match of `word` on the first line containing `lineText`. */
export function rangeOf(document: vscode.TextDocument, lineText: string, word: string, occurrence = 0): vscode.Range {
  for (let line = 0; line < document.lineCount; line++) {
    const text = document.lineAt(line).text;
    if (!text.includes(lineText)) continue;
    let column = -1;
    for (let i = 0; i <= occurrence; i++) {
      column = text.indexOf(word, column + 1);
      if (column < 0) throw new Error(`"${word}" #${occurrence} not found on line ${line + 1}: ${text}`);
    }
    return new vscode.Range(line, column, line, column + word.length);
  }
  throw new Error(`no line containing "${lineText}" in ${document.uri.fsPath}`);
}

export async function hoverText(uri: vscode.Uri, position: vscode.Position): Promise<string> {
  const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, position);
  return hovers
    .flatMap((hover) => hover.contents)
    .map((content) => (typeof content === 'string' ? content : content.value))
    .join('\n');
}

/** The first non-empty hover text at `position`, polling while the language server starts. */
export function waitForHoverText(uri: vscode.Uri, position: vscode.Position, timeoutMs = 10_000): Promise<string> {
  return waitFor(
    async () => {
      const text = await hoverText(uri, position);
      return text.trim() !== '' && text;
    },
    timeoutMs,
    `a hover at ${uri.fsPath}:${position.line + 1}:${position.character + 1}`,
    200,
  );
}

/** Rejects with a message naming `what` if `promise` does not settle within `timeoutMs`. */
export async function withTimeout<T>(promise: Thenable<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([Promise.resolve(promise), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Replaces the whole document and saves it: used to restore fixtures after edits. */
export async function setDocumentText(document: vscode.TextDocument, text: string): Promise<void> {
  if (document.getText() !== text) {
    const edit = new vscode.WorkspaceEdit();
    edit.replace(document.uri, new vscode.Range(0, 0, document.lineCount, 0), text);
    if (!(await vscode.workspace.applyEdit(edit))) throw new Error(`could not restore ${document.uri.fsPath}`);
  }
  if (document.isDirty) await document.save();
}

/**
 * The code actions VS Code offers at `range`, asked again (for up to 20 s) until one satisfies
 * `wanted`. VS Code builds the request's context from the diagnostics current when it arrives: a
 * republish of the same finding in that instant (the build dir's tables loading, the index reaching
 * the folder) leaves the context empty once. And VS Code answers only once every provider has:
 * clangd's first answer for a file waits for its preamble of the kernel headers, over 5 s on a busy
 * machine. What was offered each time is in the failure message.
 */
export async function codeActionsUntil(
  uri: vscode.Uri,
  range: vscode.Range,
  wanted: (action: vscode.CodeAction | vscode.Command) => boolean,
  kind = vscode.CodeActionKind.QuickFix.value,
): Promise<(vscode.CodeAction | vscode.Command)[]> {
  const offered: string[] = [];
  let actions: (vscode.CodeAction | vscode.Command)[] = [];
  try {
    await waitFor(
      async () => {
        actions =
          (await vscode.commands.executeCommand<(vscode.CodeAction | vscode.Command)[]>(
            'vscode.executeCodeActionProvider',
            uri,
            range,
            kind,
            10,
          )) ?? [];
        offered.push(actions.map((a) => a.title).join(', ') || 'nothing');
        return actions.some(wanted);
      },
      20_000,
      'the code action',
      250,
    );
  } catch {
    // the caller's assertion names what was missing; the attempts say what came instead
    console.log(
      `    code actions at ${range.start.line + 1}:${range.start.character + 1}, per attempt: ${[...new Set(offered)].join(' | ')}; diagnostics now: ${describeDiagnostics(uri)}`,
    );
  }
  return actions;
}

/** Milliseconds from now until `condition` holds, polling the diagnostics every 10 ms. */
export async function millisecondsUntil(condition: () => boolean, timeoutMs: number, what: string): Promise<number> {
  const start = Date.now();
  await waitFor(condition, timeoutMs, what, 10);
  return Date.now() - start;
}
