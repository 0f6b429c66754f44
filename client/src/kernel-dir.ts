// The kernel build directory (KDIR) for this window: detected (shared/src/kernel-dir), chosen by
// the user when several headers are installed, explained when none is.

import * as os from 'node:os';
import * as vscode from 'vscode';
import { readSettings, SECTION } from './config';
import {
  bestGuess,
  detectOnThisMachine,
  installedKernels,
  isUsableKernelDir,
  systemRoot,
  versionLabel,
  type Detection,
  type KernelDir,
} from '../../shared/src/kernel-dir';

const changed = new vscode.EventEmitter<void>();
/** Fires when the setting changes or the user picks another directory. */
export const onDidChangeKernelBuildDir = changed.event;

let cached: Detection | undefined;

/** Detection with the current settings (cached until the setting changes or `refresh`). */
export function currentDetection(refresh = false): Detection {
  if (!cached || refresh) {
    cached = detectOnThisMachine(readSettings().kernelBuildDir || undefined);
  }
  return cached;
}

/**
 * The build dir for the analyzer and the status bar, without asking: when several are installed
 * and none matches the running kernel, the newest. Undefined when none is installed.
 */
export async function getKernelBuildDir(): Promise<{ dir: string; release: string; version?: string } | undefined> {
  const kernelDir = bestGuess(currentDetection());
  return kernelDir && { dir: kernelDir.dir, release: kernelDir.release, version: kernelDir.version };
}

/**
 * Saves a choice for this workspace (each workspace may build for another kernel); `everywhere` makes
 * it the user's default instead, which a workspace's own choice still overrides. Without a folder
 * open there is only the default.
 */
async function saveChoice(dir: string, everywhere = false): Promise<void> {
  const inWorkspace = !everywhere && vscode.workspace.workspaceFolders !== undefined;
  const config = vscode.workspace.getConfiguration(SECTION);
  await config.update('kernelBuildDir', dir, inWorkspace ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global);
  // A default only shows where no workspace value hides it.
  if (!inWorkspace && config.inspect<string>('kernelBuildDir')?.workspaceValue)
    await config.update('kernelBuildDir', undefined, vscode.ConfigurationTarget.Workspace);
  cached = undefined;
  changed.fire();
}

/** Folder dialog; saves a usable choice to kmod.kernelBuildDir. */
async function browseForKernelDir(): Promise<KernelDir | undefined> {
  const picked = await vscode.window.showOpenDialog({
    canSelectFolders: true,
    canSelectFiles: false,
    canSelectMany: false,
    openLabel: 'Use as kernel build directory',
    title: 'Kernel build directory (contains Makefile and include/generated/utsrelease.h)',
  });
  const dir = picked?.[0]?.fsPath;
  if (!dir) return undefined;
  if (!isUsableKernelDir(dir)) {
    void vscode.window.showErrorMessage(
      `${dir} is not a kernel build directory: it needs a Makefile and include/generated/utsrelease.h (or include/config/kernel.release).`,
    );
    return undefined;
  }
  await saveChoice(dir);
  const detection = currentDetection(true);
  return detection.kind === 'found' ? detection.kernelDir : undefined;
}

const BROWSE = 'Browse…';

type KernelItem = vscode.QuickPickItem & { kernelDir?: KernelDir };

const EVERY_WORKSPACE: vscode.QuickInputButton = {
  iconPath: new vscode.ThemeIcon('globe'),
  tooltip: 'Use these headers in every workspace (your default)',
};

/** The picker's rows: each installed dir once, its version once, the running kernel's marked only when it is there. */
function kernelItems(candidates: readonly KernelDir[], current: KernelDir | undefined): KernelItem[] {
  return [
    ...candidates.map((k): KernelItem => {
      const version = versionLabel(k);
      return {
        label: `${k.dir === current?.dir ? '$(check) ' : ''}${k.release}`,
        description: `${version ? `${version} · ` : ''}${k.dir}`,
        detail:
          [k.dir === current?.dir ? 'in use' : '', k.matchesRunningKernel ? 'for the running kernel' : ''].filter(Boolean).join(' · ') ||
          undefined,
        buttons: [EVERY_WORKSPACE],
        kernelDir: k,
      };
    }),
    { label: BROWSE, description: 'choose another directory' },
  ];
}

/** Quick pick over the installed build dirs plus "Browse…"; the choice is saved for this workspace. */
export async function pickKernelBuildDir(): Promise<KernelDir | undefined> {
  const detection = currentDetection(true);
  const current = bestGuess(detection.kind === 'invalid-setting' ? detection.detected : detection);
  // Every installed headers dir, and the one in use when it is somewhere else (a setting).
  const installed = installedKernels(systemRoot(), os.release());
  const candidates = current && !installed.some((k) => k.dir === current.dir) ? [current, ...installed] : installed;
  const pick = vscode.window.createQuickPick<KernelItem>();
  pick.title = 'Kernel headers for this workspace';
  pick.placeholder = `Headers to build modules against (running kernel: ${os.release()})`;
  pick.items = kernelItems(candidates, current);
  const choice = await new Promise<{ item: KernelItem; everywhere: boolean } | undefined>((resolve) => {
    pick.onDidAccept(() => resolve(pick.selectedItems[0] && { item: pick.selectedItems[0], everywhere: false }));
    pick.onDidTriggerItemButton((event) => resolve({ item: event.item, everywhere: true }));
    pick.onDidHide(() => resolve(undefined));
    pick.show();
  });
  pick.dispose();
  if (!choice) return undefined;
  if (!choice.item.kernelDir) return browseForKernelDir();
  await saveChoice(choice.item.kernelDir.dir, choice.everywhere);
  return choice.item.kernelDir;
}

const PICK = 'Pick Directory…';
const OPEN_SETTINGS = 'Open Settings';

/**
 * Tells the user why there is no build dir, with buttons to fix it. Never waits for the answer: a
 * command must not hang on a notification (the buttons act later; the user runs the command again).
 */
function explainNoKernelDir(detection: Extract<Detection, { kind: 'none' | 'invalid-setting' }>): void {
  const message =
    detection.kind === 'none'
      ? `No kernel build directory (headers) found. Install ${detection.packages.map((p) => `"${p}"`).join(' or ')} ` +
        `(e.g. sudo apt-get install ${detection.packages[0]}), or pick a kernel build directory. ${detection.problems.join('; ')}.`
      : `${detection.problem}. Fix or clear the setting (empty: detect the installed headers), or pick another directory.`;
  const buttons = detection.kind === 'none' ? [PICK] : [PICK, OPEN_SETTINGS];
  void vscode.window.showErrorMessage(message, ...buttons).then((choice) => {
    if (choice === PICK) void browseForKernelDir();
    if (choice === OPEN_SETTINGS) void vscode.commands.executeCommand('workbench.action.openSettings', `${SECTION}.kernelBuildDir`);
  });
}

/** The build dir for a build: asks when several are installed, explains (without waiting) when there is none. */
export async function resolveKernelBuildDir(): Promise<KernelDir | undefined> {
  const detection = currentDetection(true);
  switch (detection.kind) {
    case 'found':
      return detection.kernelDir;
    case 'choose':
      return pickKernelBuildDir();
    case 'none':
    case 'invalid-setting':
      explainNoKernelDir(detection);
      return undefined;
  }
}

export function registerKernelDir(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    changed,
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration(`${SECTION}.kernelBuildDir`)) {
        cached = undefined;
        changed.fire();
      }
    }),
  );
}
