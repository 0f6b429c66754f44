// Code lenses above a module's entry points (module_init(), module_exit(), module_*_driver()):
// Build · Test in VM · Debug, the next things one does with a module. Only in files of a module
// directory (its Kbuild or Makefile declares obj-m), since each command acts on that directory,
// and only in a trusted workspace, since each runs the module's Makefile. Off with kmod.codeLens.enabled.

import * as vscode from 'vscode';
import { sectionKey, SETTINGS, SETTINGS_SECTION } from '../../shared/src/settings';
import { COMMANDS } from './commands';
import { entryPointLines, moduleDirOf } from './module-dirs';

/** Registered by the VM debugger; the lens names it either way. */
export const DEBUG_IN_VM_COMMAND = 'kmod.debugModuleInVm';

const CODE_LENS_SETTING = 'kmod.codeLens.enabled';

function enabled(scope: vscode.ConfigurationScope | undefined): boolean {
  const declared = SETTINGS[CODE_LENS_SETTING];
  return vscode.workspace.getConfiguration(SETTINGS_SECTION, scope).get<boolean>(sectionKey(CODE_LENS_SETTING), declared.default);
}

export class ModuleCodeLensProvider implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;

  refresh(): void {
    this.changed.fire();
  }

  dispose(): void {
    this.changed.dispose();
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (document.uri.scheme !== 'file' || !vscode.workspace.isTrusted || !enabled(document.uri)) return [];
    const lines = entryPointLines(document.getText());
    if (lines.length === 0) return [];
    const folder = vscode.workspace.getWorkspaceFolder(document.uri);
    const moduleDir = moduleDirOf(document.uri.fsPath, folder?.uri.fsPath ?? '/');
    if (!moduleDir) return [];
    const module = vscode.workspace.asRelativePath(moduleDir);
    return lines.flatMap(({ line }) => {
      const range = new vscode.Range(line, 0, line, 0);
      const lens = (title: string, command: string, tooltip: string) =>
        new vscode.CodeLens(range, { title, command, tooltip, arguments: [document.uri] });
      return [
        lens('$(tools) Build', COMMANDS.build, `Build ${module} with kbuild`),
        lens('$(vm) Test in VM', COMMANDS.testInVm, `Build ${module}, load and unload it in a throwaway qemu VM`),
        lens('$(debug-alt) Debug', DEBUG_IN_VM_COMMAND, `Debug ${module} in a qemu VM with gdb`),
      ];
    });
  }
}

export function registerCodeLenses(context: vscode.ExtensionContext): void {
  const provider = new ModuleCodeLensProvider();
  context.subscriptions.push(
    provider,
    vscode.languages.registerCodeLensProvider({ scheme: 'file', language: 'c' }, provider),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration(CODE_LENS_SETTING)) provider.refresh();
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => provider.refresh()),
    // A Makefile that gains or loses obj-m makes its sources a module's, or not.
    vscode.workspace.onDidSaveTextDocument((document) => {
      if (/(^|\/)(Kbuild|Makefile)$/.test(document.uri.path)) provider.refresh();
    }),
  );
}
