// Everything around building and running modules, registered by activate(): kernel build dir
// detection + status bar, the kbuild task provider, the palette commands, the kernel log
// terminals, the code lenses over module_init()/module_exit(), the Getting Started walkthrough and
// the Workspace Trust handling.

import type * as vscode from 'vscode';
import { registerBuildOutputs } from './build-outputs';
import { registerBuildProblems } from './build-problems';
import { registerCodeLenses } from './code-lens';
import { registerCommands } from './commands';
import { registerKernelDir } from './kernel-dir';
import { registerKernelLog } from './kernel-log';
import { registerOopsLinks } from './oops-links';
import { registerStatusBar } from './status';
import { registerTaskProvider } from './tasks';
import { registerWalkthrough } from './walkthrough';

export function registerKbuildFeatures(context: vscode.ExtensionContext): void {
  registerKernelDir(context);
  registerStatusBar(context);
  registerBuildProblems(context);
  registerBuildOutputs(context);
  registerTaskProvider(context);
  registerCommands(context);
  registerKernelLog(context);
  registerOopsLinks(context);
  registerCodeLenses(context);
  registerWalkthrough(context);
}
