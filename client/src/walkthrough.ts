// The Getting Started walkthrough (contributes.walkthroughs in package.json): the command that opens
// it, and the context keys its steps complete on when the work is already done (headers found, a
// module in the workspace), so a returning user does not see those steps as open.

import * as vscode from 'vscode';
import { getKernelBuildDir, onDidChangeKernelBuildDir } from './kernel-dir';
import { findModuleDirs } from './tasks';

export const OPEN_WALKTHROUGH_COMMAND = 'kmod.openWalkthrough';
/** The walkthrough's id in package.json; VS Code prefixes it with the extension's id. */
export const WALKTHROUGH_ID = 'gettingStarted';
/** Context keys named by the steps' completionEvents ("onContext:…"). */
export const HAS_KERNEL_HEADERS = 'kmod.hasKernelHeaders';
export const WORKSPACE_HAS_MODULE = 'kmod.workspaceHasModule';

function setContext(key: string, value: boolean): Thenable<unknown> {
  return vscode.commands.executeCommand('setContext', key, value);
}

async function updateHeaders(): Promise<void> {
  const kernelDir = await getKernelBuildDir().catch(() => undefined);
  await setContext(HAS_KERNEL_HEADERS, kernelDir !== undefined);
}

async function updateModules(): Promise<void> {
  await setContext(WORKSPACE_HAS_MODULE, (await findModuleDirs()).length > 0);
}

/** Logs instead of failing: a context key is a convenience, activation must not depend on it. */
function background(work: Promise<void>): void {
  work.catch((error: unknown) => console.error(`kmod walkthrough: ${(error as Error).message}`));
}

export function registerWalkthrough(context: vscode.ExtensionContext): void {
  const walkthrough = `${context.extension.id}#${WALKTHROUGH_ID}`;
  let pending: NodeJS.Timeout | undefined;
  // Kbuild/Makefile events come in bursts (a checkout, a scaffold): look once they settle.
  const modulesChanged = () => {
    clearTimeout(pending);
    pending = setTimeout(() => background(updateModules()), 500);
  };
  const watcher = vscode.workspace.createFileSystemWatcher('**/{Kbuild,Makefile}');
  context.subscriptions.push(
    vscode.commands.registerCommand(OPEN_WALKTHROUGH_COMMAND, async () => {
      // VS Code checks a step on a context key that turns true while its walkthrough is registered;
      // one already true at registration (the page opened for the first time in this window) is
      // never checked. Clearing the keys first and setting them once the page is open checks the
      // steps that are already done.
      await Promise.all([setContext(HAS_KERNEL_HEADERS, false), setContext(WORKSPACE_HAS_MODULE, false)]);
      await vscode.commands.executeCommand('workbench.action.openWalkthrough', walkthrough, false);
      await Promise.all([updateHeaders(), updateModules()]);
    }),
    onDidChangeKernelBuildDir(() => background(updateHeaders())),
    watcher,
    watcher.onDidCreate(modulesChanged),
    watcher.onDidChange(modulesChanged),
    watcher.onDidDelete(modulesChanged),
    vscode.workspace.onDidChangeWorkspaceFolders(modulesChanged),
    { dispose: () => clearTimeout(pending) },
  );
  background(updateHeaders());
  background(updateModules());
}
