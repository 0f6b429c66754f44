// Status bar item: the kernel the modules are built against (release + build dir), or what is
// missing. Clicking it picks another build dir.

import * as vscode from 'vscode';
import { currentDetection, onDidChangeKernelBuildDir } from './kernel-dir';
import type { Detection } from '../../shared/src/kernel-dir';

export const SELECT_KERNEL_DIR_COMMAND = 'kmod.selectKernelBuildDir';

interface StatusText {
  text: string;
  tooltip: string;
  warning: boolean;
}

/** What the item shows for a detection result. */
export function statusText(detection: Detection): StatusText {
  switch (detection.kind) {
    case 'found': {
      const k = detection.kernelDir;
      const lines = [
        `Kernel build directory: ${k.dir}`,
        `Release: ${k.release}${k.version ? ` (Linux ${k.version})` : ''}`,
        `From: ${k.source}`,
      ];
      if (detection.note) lines.push(detection.note);
      return { text: `$(chip) ${k.release}`, tooltip: lines.join('\n'), warning: false };
    }
    case 'choose':
      return {
        text: '$(chip) Choose kernel headers',
        tooltip: `Several kernel build directories are installed:\n${detection.candidates.map((c) => `${c.release}  ${c.dir}`).join('\n')}\nClick to choose one.`,
        warning: true,
      };
    case 'invalid-setting':
      return { text: '$(warning) Kernel build dir?', tooltip: `${detection.problem}.\nClick to pick a directory.`, warning: true };
    case 'none':
      return {
        text: '$(warning) No kernel headers',
        tooltip: `No kernel build directory found.\n${detection.problems.join('\n')}\nInstall ${detection.packages.join(' or ')}, or click to pick a directory.`,
        warning: true,
      };
  }
}

export function registerStatusBar(context: vscode.ExtensionContext): void {
  const item = vscode.window.createStatusBarItem('kmod.kernelBuildDir', vscode.StatusBarAlignment.Right, 100);
  item.name = 'Kernel Build Directory';
  item.command = SELECT_KERNEL_DIR_COMMAND;
  const update = () => {
    const status = statusText(currentDetection());
    item.text = status.text;
    item.tooltip = status.tooltip;
    item.backgroundColor = status.warning ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    item.show();
  };
  update();
  context.subscriptions.push(item, onDidChangeKernelBuildDir(update));
}
