// "Disable <code> in settings" beside the server's quick fixes: adds a finding's code to
// kmod.diagnostics.disabledCodes. The server offers "Disable <code> for this line" itself (a
// kmod-ignore comment, which every LSP client can apply); settings belong to the editor, so this
// one is made here.

import * as vscode from 'vscode';
import { DIAGNOSTIC_SOURCE } from '../../shared/src/lsp-extensions';
import { sectionKey, SETTINGS_SECTION } from '../../shared/src/settings';

export const DISABLE_CODE_COMMAND = 'kmod.disableCodeInSettings';

const SETTING = 'kmod.diagnostics.disabledCodes';

/** The code of one of the analyzer's diagnostics, if it can be disabled (a skipped file's note cannot). */
function codeOf(diagnostic: vscode.Diagnostic): string | undefined {
  if (diagnostic.source !== DIAGNOSTIC_SOURCE) return undefined;
  const code = typeof diagnostic.code === 'object' ? diagnostic.code.value : diagnostic.code;
  return typeof code === 'string' && code !== 'not-analyzed' ? code : undefined;
}

/** One "Disable <code> in settings" action per code among the diagnostics a quick-fix request is about. */
export function disableCodeActions(context: vscode.CodeActionContext): vscode.CodeAction[] {
  if (context.only && !context.only.contains(vscode.CodeActionKind.QuickFix)) return [];
  const byCode = new Map<string, vscode.Diagnostic[]>();
  for (const diagnostic of context.diagnostics) {
    const code = codeOf(diagnostic);
    if (code) byCode.set(code, [...(byCode.get(code) ?? []), diagnostic]);
  }
  return [...byCode].map(([code, diagnostics]) => {
    const title = `Disable ${code} in settings`;
    const action = new vscode.CodeAction(title, vscode.CodeActionKind.QuickFix);
    action.diagnostics = diagnostics;
    action.command = { title, command: DISABLE_CODE_COMMAND, arguments: [code] };
    return action;
  });
}

/** Adds `code` to the setting of the workspace (of the user when no folder is open). */
async function disableCode(code: unknown): Promise<void> {
  if (typeof code !== 'string' || !code) return;
  const config = vscode.workspace.getConfiguration(SETTINGS_SECTION);
  const key = sectionKey(SETTING);
  const inWorkspace = !!vscode.workspace.workspaceFolders?.length;
  const current = config.inspect<string[]>(key);
  const codes = (inWorkspace ? current?.workspaceValue : current?.globalValue) ?? current?.defaultValue ?? [];
  if (!codes.includes(code))
    await config.update(key, [...codes, code], inWorkspace ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global);
  const open = 'Open Setting';
  const choice = await vscode.window.showInformationMessage(
    `Kernel Module Tools: ${code} is no longer reported ${inWorkspace ? 'in this workspace' : 'anywhere'} (${SETTING}).`,
    open,
  );
  if (choice === open) await vscode.commands.executeCommand('workbench.action.openSettings', SETTING);
}

export function registerDisableCode(context: vscode.ExtensionContext): void {
  context.subscriptions.push(vscode.commands.registerCommand(DISABLE_CODE_COMMAND, disableCode));
}
