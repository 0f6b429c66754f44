// kbuild writes a dozen files per module next to its sources (objects, the .ko, .mod.c, .cmd
// records, modules.order, Module.symvers): after the first build the Explorer is mostly build
// outputs. Offer once per workspace to hide them (files.exclude), and a command to do it any time.

import * as vscode from 'vscode';
import { KBUILD_OUTPUT_GLOBS } from '../../shared/src/kbuild-outputs';

export const HIDE_BUILD_OUTPUTS_COMMAND = 'kmod.hideBuildOutputs';
const OFFERED_KEY = 'kmod.buildOutputsOffered';
const HIDE = 'Hide Build Outputs';

/** The output globs files.exclude does not hide yet in this workspace. */
function shownOutputs(): string[] {
  const exclude = vscode.workspace.getConfiguration('files').get<Record<string, boolean>>('exclude') ?? {};
  return KBUILD_OUTPUT_GLOBS.filter((glob) => exclude[glob] !== true);
}

/** Adds kbuild's outputs to the workspace's files.exclude (the user's other patterns stay). */
export async function hideBuildOutputs(): Promise<boolean> {
  const files = vscode.workspace.getConfiguration('files');
  const current = files.inspect<Record<string, boolean>>('exclude')?.workspaceValue ?? {};
  const added = Object.fromEntries(KBUILD_OUTPUT_GLOBS.map((glob) => [glob, true]));
  await files.update('exclude', { ...current, ...added }, vscode.ConfigurationTarget.Workspace);
  return true;
}

async function offer(context: vscode.ExtensionContext): Promise<void> {
  if (context.workspaceState.get(OFFERED_KEY) || shownOutputs().length === 0) return;
  await context.workspaceState.update(OFFERED_KEY, true);
  const choice = await vscode.window.showInformationMessage(
    'kbuild writes objects, .ko, .mod.c and .cmd files next to your sources. Hide them in the Explorer for this workspace (files.exclude)?',
    HIDE,
    'Not Now',
  );
  if (choice === HIDE) await hideBuildOutputs();
}

export function registerBuildOutputs(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(HIDE_BUILD_OUTPUTS_COMMAND, hideBuildOutputs),
    // The first build is when the outputs appear.
    vscode.tasks.onDidEndTaskProcess((event) => {
      const definition = event.execution.task.definition as { type?: string; task?: string };
      if (definition.type === 'kbuild' && (definition.task === 'build' || definition.task === 'vm') && event.exitCode === 0)
        void offer(context);
    }),
  );
  // A workspace that was built before the extension came.
  void vscode.workspace.findFiles('**/*.ko', '**/node_modules/**', 1).then((found) => {
    if (found.length > 0) void offer(context);
  });
}
