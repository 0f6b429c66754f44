// "New Kernel Module…" (kmod.newModule): writes <folder>/<name>/<name>.c and its Makefile from
// scaffold-templates.ts and opens the .c. It never overwrites anything, resolves to the new
// directory or to undefined (refused or cancelled), and never throws.

import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { kbuildFile } from '../../shared/src/kbuild';
import { isModuleDir } from './module-dirs';
import { DESCRIPTION_PLACEHOLDER, moduleFiles, moduleNameProblem } from './scaffold-templates';

export const NEW_MODULE_COMMAND = 'kmod.newModule';

/** The folder argument: the Explorer's Uri or a path; a file stands for its directory. */
function folderPath(folder: vscode.Uri | string | undefined): string | undefined {
  const given = folder instanceof vscode.Uri ? folder.fsPath : typeof folder === 'string' && folder ? folder : undefined;
  if (!given) return undefined;
  try {
    return fs.statSync(given).isFile() ? path.dirname(given) : given;
  } catch {
    return given; // does not exist yet: created with the module directory
  }
}

const CHOOSE_FOLDER = '$(folder-opened) Choose a folder…';

function openFolderDialog(defaultUri: vscode.Uri | undefined): Thenable<vscode.Uri[] | undefined> {
  return vscode.window.showOpenDialog({
    title: 'New Kernel Module: parent folder',
    defaultUri,
    canSelectFolders: true,
    canSelectFiles: false,
    canSelectMany: false,
    openLabel: 'Create Module Here',
  });
}

/**
 * Where the module goes: a quick pick with the workspace folders first (Enter takes the first) and
 * "Choose a folder…"; with no folder open, the folder dialog right away.
 */
async function chooseParentFolder(): Promise<string | undefined> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length === 0) return (await openFolderDialog(undefined))?.[0]?.fsPath;
  const items: (vscode.QuickPickItem & { dir?: string })[] = [
    ...folders.map((folder) => ({
      label: `$(root-folder) ${folder.name}`,
      description: folder.uri.fsPath,
      // A module directory as parent nests the new module inside it, built on its own.
      detail: isModuleDir(folder.uri.fsPath) ? `a module itself: the new module becomes a subdirectory of ${folder.name}` : undefined,
      dir: folder.uri.fsPath,
    })),
    { label: CHOOSE_FOLDER, description: 'anywhere on disk' },
  ];
  const picked = await vscode.window.showQuickPick(items, {
    title: 'New Kernel Module: where?',
    placeHolder: 'Parent folder of the new module directory',
  });
  if (!picked) return undefined;
  return picked.dir ?? (await openFolderDialog(folders[0].uri))?.[0]?.fsPath;
}

/** A module written outside the open folders gets an offer to add its directory to the workspace. */
function offerToAddToWorkspace(moduleDir: string): void {
  if (vscode.workspace.getWorkspaceFolder(vscode.Uri.file(moduleDir))) return;
  const add = 'Add to Workspace';
  // Not awaited: the command resolves now; the button acts later.
  void vscode.window
    .showInformationMessage(`${moduleDir} is outside the open folders: tasks and the background index do not see it.`, add)
    .then((choice) => {
      if (choice === add) {
        const count = vscode.workspace.workspaceFolders?.length ?? 0;
        vscode.workspace.updateWorkspaceFolders(count, 0, { uri: vscode.Uri.file(moduleDir) });
      }
    });
}

/** Why the module directory cannot take the new files (they would overwrite or join another module). */
function existingFilesProblem(moduleDir: string, name: string): string | undefined {
  const buildFile = kbuildFile(moduleDir);
  if (buildFile) return `${buildFile} already exists: ${path.basename(moduleDir)} is a module directory already.`;
  const source = path.join(moduleDir, `${name}.c`);
  if (fs.existsSync(source)) return `${source} already exists.`;
  return undefined;
}

function askModuleName(parent: string): Thenable<string | undefined> {
  return vscode.window.showInputBox({
    title: 'New Kernel Module',
    prompt: `Module name: lowercase letters, digits and _. Creates ${path.join(parent, '<name>')}/ with <name>.c and a Makefile.`,
    placeHolder: 'my_driver',
    validateInput: (text) => moduleNameProblem(text) ?? existingFilesProblem(path.join(parent, text), text),
  });
}

/** Writes each file only if it does not exist ('wx'); on a failure removes what this call wrote. */
function writeNewFiles(moduleDir: string, name: string): void {
  const createdDir = fs.mkdirSync(moduleDir, { recursive: true });
  const written: string[] = [];
  try {
    for (const file of moduleFiles(name)) {
      const target = path.join(moduleDir, file.path);
      fs.writeFileSync(target, file.text, { flag: 'wx' });
      written.push(target);
    }
  } catch (error) {
    written.forEach((file) => fs.rmSync(file, { force: true }));
    if (createdDir) fs.rmSync(createdDir, { recursive: true, force: true }); // holds only what this call made
    throw error;
  }
}

/** Opens the .c with MODULE_DESCRIPTION's placeholder selected: the one line left to write. */
async function openSource(source: string): Promise<void> {
  const editor = await vscode.window.showTextDocument(vscode.Uri.file(source), { preview: false });
  const document = editor.document;
  const offset = document.getText().indexOf(DESCRIPTION_PLACEHOLDER);
  if (offset < 0) return;
  const start = document.positionAt(offset);
  editor.selection = new vscode.Selection(start, document.positionAt(offset + DESCRIPTION_PLACEHOLDER.length));
  editor.revealRange(editor.selection);
}

export async function newModule(folder?: vscode.Uri | string, givenName?: string): Promise<string | undefined> {
  const parent = folderPath(folder) ?? (await chooseParentFolder());
  if (!parent) return undefined;
  const name = givenName ?? (await askModuleName(parent));
  if (name === undefined) return undefined;
  const nameProblem = moduleNameProblem(name);
  if (nameProblem) {
    void vscode.window.showErrorMessage(`New Kernel Module: "${name}" cannot be a module name. ${nameProblem}`);
    return undefined;
  }
  const moduleDir = path.join(parent, name);
  const filesProblem = existingFilesProblem(moduleDir, name);
  if (filesProblem) {
    void vscode.window.showErrorMessage(`New Kernel Module: nothing written. ${filesProblem}`);
    return undefined;
  }
  writeNewFiles(moduleDir, name);
  await openSource(path.join(moduleDir, `${name}.c`));
  offerToAddToWorkspace(moduleDir);
  return moduleDir;
}

export function registerNewModuleCommand(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    // From the Explorer the second argument is the list of selected Uris, not a name.
    vscode.commands.registerCommand(
      NEW_MODULE_COMMAND,
      async (folder?: vscode.Uri | string, name?: unknown): Promise<string | undefined> => {
        try {
          return await newModule(folder, typeof name === 'string' ? name : undefined);
        } catch (error) {
          void vscode.window.showErrorMessage(`Kernel Module: ${NEW_MODULE_COMMAND} failed: ${(error as Error).message}`);
          return undefined;
        }
      },
    ),
  );
}
