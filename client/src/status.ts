// Status bar item: the kernel headers (build dir) in use, with why in the tooltip, or what is
// missing. Clicking it picks other headers for this workspace.

import * as os from 'node:os';
import * as vscode from 'vscode';
import { SECTION } from './config';
import { currentDetection, onDidChangeKernelBuildDir } from './kernel-dir';
import { detectionSummary, versionLabel, type Detection } from '../../shared/src/kernel-dir';

export const SELECT_KERNEL_DIR_COMMAND = 'kmod.selectKernelBuildDir';

interface StatusText {
  text: string;
  tooltip: string;
  warning: boolean;
}

/**
 * What the item shows for a detection result: what is in use whenever something is (a choice among
 * several is offered by the click, never demanded while the newest is in use).
 */
export function statusText(detection: Detection, runningRelease: string, settingOrigin?: string): StatusText {
  const { inUse, why } = detectionSummary(detection, runningRelease, settingOrigin);
  if (inUse) {
    const version = versionLabel(inUse);
    const lines = [`Kernel headers in use: ${inUse.release}${version ? ` (${version})` : ''}`, inUse.dir, `Why: ${why}`];
    if (detection.kind === 'choose')
      lines.push(
        '',
        `Also installed: ${detection.candidates
          .slice(1)
          .map((c) => c.release)
          .join(', ')}`,
      );
    lines.push('', 'Click to use other headers in this workspace.');
    return { text: `$(chip) ${inUse.release}`, tooltip: lines.join('\n'), warning: false };
  }
  switch (detection.kind) {
    case 'invalid-setting':
      return { text: '$(warning) Kernel build dir?', tooltip: `${detection.problem}.\nClick to pick a directory.`, warning: true };
    default:
      return {
        text: '$(warning) No kernel headers',
        tooltip: `No kernel build directory found.\n${detection.kind === 'none' ? detection.problems.join('\n') : why}\n${detection.kind === 'none' ? `Install ${detection.packages.join(' or ')}, or click` : 'Click'} to pick a directory.`,
        warning: true,
      };
  }
}

/** Where kmod.kernelBuildDir's effective value was set, in words. */
function settingOrigin(): string {
  const inspect = vscode.workspace.getConfiguration(SECTION).inspect<string>('kernelBuildDir');
  if (inspect?.workspaceFolderValue) return "the folder's settings (kmod.kernelBuildDir)";
  if (inspect?.workspaceValue) return "this workspace's settings (kmod.kernelBuildDir)";
  if (inspect?.globalValue) return 'your user settings, the default for every workspace (kmod.kernelBuildDir)';
  return 'kmod.kernelBuildDir';
}

export function registerStatusBar(context: vscode.ExtensionContext): void {
  const item = vscode.window.createStatusBarItem('kmod.kernelBuildDir', vscode.StatusBarAlignment.Right, 100);
  item.name = 'Kernel Headers';
  item.command = SELECT_KERNEL_DIR_COMMAND;
  const update = () => {
    const status = statusText(currentDetection(), os.release(), settingOrigin());
    item.text = status.text;
    item.tooltip = status.tooltip;
    item.backgroundColor = status.warning ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    item.show();
  };
  update();
  context.subscriptions.push(item, onDidChangeKernelBuildDir(update));
}
