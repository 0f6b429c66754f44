// The kernel build directory (KDIR) for this window: detected (shared/src/kernel-dir), chosen by
// the user when several headers are installed, explained when none is.

import * as os from 'node:os';
import * as vscode from 'vscode';
import { readSettings, SECTION } from './config';
import {
  bestGuess,
  detectKernelBuildDir,
  installedKernels,
  isUsableKernelDir,
  readOsId,
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
    cached = detectKernelBuildDir({
      root: '/',
      runningRelease: os.release(),
      configured: readSettings().kernelBuildDir || undefined,
      osId: readOsId('/'),
      arch: process.arch,
    });
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

async function saveChoice(dir: string): Promise<void> {
  await vscode.workspace.getConfiguration(SECTION).update('kernelBuildDir', dir, vscode.ConfigurationTarget.Global);
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

/** Quick pick over the installed build dirs plus "Browse…"; the choice is saved to the setting. */
export async function pickKernelBuildDir(): Promise<KernelDir | undefined> {
  const detection = currentDetection(true);
  const current = bestGuess(detection.kind === 'invalid-setting' ? detection.detected : detection);
  // Every installed headers dir, and the one in use when it is somewhere else (a setting).
  const installed = installedKernels('/', os.release());
  const candidates = current && !installed.some((k) => k.dir === current.dir) ? [current, ...installed] : installed;
  const items: (vscode.QuickPickItem & { kernelDir?: KernelDir })[] = [
    ...candidates.map((k) => ({
      label: `${k.dir === current?.dir ? '$(check) ' : ''}${k.release}`,
      description: `${k.version ? `Linux ${k.version} · ` : ''}${k.dir}`,
      detail:
        [k.dir === current?.dir ? 'in use' : '', k.matchesRunningKernel ? 'matches the running kernel' : ''].filter(Boolean).join(' · ') ||
        undefined,
      kernelDir: k,
    })),
    { label: BROWSE, description: 'choose another directory' },
  ];
  const choice = await vscode.window.showQuickPick(items, {
    title: 'Kernel build directory',
    placeHolder: 'Headers to build modules against',
  });
  if (!choice) return undefined;
  if (!choice.kernelDir) return browseForKernelDir();
  await saveChoice(choice.kernelDir.dir);
  return choice.kernelDir;
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
