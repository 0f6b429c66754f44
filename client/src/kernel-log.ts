// Kernel log terminals: the whole log (dmesg --follow, falling back to journalctl -k -f) or only
// the lines of one module. A terminal running kmsg-follow directly (no shell), so it also works
// where tasks cannot run.

import * as vscode from 'vscode';
import { readSettings, toolPaths } from './config';
import { commandLine, type TaskRequest } from '../../shared/src/command-lines';

const terminals = new Map<string, vscode.Terminal>();

/** Opens (or shows the existing) log terminal; false with a message when it cannot. */
export function openKernelLogTerminal(context: vscode.ExtensionContext, request: TaskRequest): boolean {
  const line = commandLine(request, readSettings(), toolPaths(context));
  if (!line.ok) {
    void vscode.window.showErrorMessage(`Cannot follow the kernel log: ${line.reason}`);
    return false;
  }
  const name = request.module ? `Kernel log: ${request.module.name}` : 'Kernel log';
  const existing = terminals.get(name);
  if (existing && existing.exitStatus === undefined) {
    existing.show();
    return true;
  }
  const terminal = vscode.window.createTerminal({
    name,
    shellPath: line.command.process,
    shellArgs: line.command.args,
    cwd: line.command.cwd,
    env: line.command.env,
    iconPath: new vscode.ThemeIcon('output'),
  });
  terminals.set(name, terminal);
  terminal.show();
  return true;
}

export function registerKernelLog(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.window.onDidCloseTerminal((closed) => {
      for (const [name, terminal] of terminals) if (terminal === closed) terminals.delete(name);
    }),
  );
}
