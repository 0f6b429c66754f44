// Workspace Trust: building and loading run the workspace's Makefile (arbitrary code) and load its
// module into the kernel, so they need a trusted workspace. The analyzer works everywhere.

import * as vscode from 'vscode';

export const UNTRUSTED_EXPLANATION =
  "needs a trusted workspace: it runs this workspace's Makefile, which can execute any command. " +
  'The analyzer, hovers and quick fixes keep working in Restricted Mode.';

/** True when trusted; otherwise explains why `action` is refused (with a way to trust) and returns false. */
export function requireTrust(action: string): boolean {
  if (vscode.workspace.isTrusted) return true;
  const manage = 'Manage Workspace Trust';
  void vscode.window.showWarningMessage(`${action} ${UNTRUSTED_EXPLANATION}`, manage).then((choice) => {
    if (choice === manage) void vscode.commands.executeCommand('workbench.trust.manage');
  });
  return false;
}
