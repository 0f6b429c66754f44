// Debug Module in VM: the `kmod-vm` debug type. F5 with no launch.json, the command and the code
// lens all end here; the configuration is completed (module directory, kernel headers, parameters)
// and the bundled adapter (dist/debug-adapter.js, run with VS Code's own Node) does the rest. The
// toolbar's Load/Unload buttons send the session's custom requests.

import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { DEBUG_REQUESTS, DEBUG_TYPE, type KmodVmLaunchArguments } from '../../shared/src/debug-config';
import { chooseModuleDir } from './commands';
import { readSettings } from './config';
import { resolveKernelBuildDir } from './kernel-dir';
import { requireTrust } from './trust';

export const DEBUG_COMMANDS = {
  debug: 'kmod.debugModuleInVm',
  downloadKernelSymbols: 'kmod.downloadKernelDebugSymbols',
  load: 'kmod.vm.loadModule',
  unload: 'kmod.vm.unloadModule',
} as const;

const CONFIGURATION_NAME = 'Debug module in VM';
const ACTION = 'Debugging a module in a VM';

type KmodVmConfiguration = vscode.DebugConfiguration & Partial<KmodVmLaunchArguments>;

class KmodVmConfigurations implements vscode.DebugConfigurationProvider {
  provideDebugConfigurations(): vscode.DebugConfiguration[] {
    return [{ type: DEBUG_TYPE, request: 'launch', name: CONFIGURATION_NAME, moduleDir: '${workspaceFolder}' }];
  }

  /** F5 without launch.json arrives with an empty configuration: debug the active file's module. */
  async resolveDebugConfiguration(
    _folder: vscode.WorkspaceFolder | undefined,
    config: KmodVmConfiguration,
  ): Promise<vscode.DebugConfiguration | undefined> {
    // Building runs the workspace's Makefile: never without trust.
    if (!requireTrust(ACTION)) return undefined;
    if (!config.type && !config.request && !config.name) {
      const moduleDir = await chooseModuleDir(undefined);
      if (!moduleDir) return undefined;
      return { type: DEBUG_TYPE, request: 'launch', name: CONFIGURATION_NAME, moduleDir };
    }
    return config;
  }

  async resolveDebugConfigurationWithSubstitutedVariables(
    folder: vscode.WorkspaceFolder | undefined,
    config: KmodVmConfiguration,
  ): Promise<vscode.DebugConfiguration | undefined> {
    if (!config.moduleDir) config.moduleDir = await chooseModuleDir(undefined);
    if (!config.moduleDir) return undefined;
    if (!fs.existsSync(config.moduleDir)) {
      void vscode.window.showErrorMessage(`Debug module in VM: the module directory ${config.moduleDir} does not exist.`);
      return undefined;
    }
    if (!config.kernelBuildDir) {
      const kernelDir = await resolveKernelBuildDir();
      if (!kernelDir) return undefined;
      config.kernelBuildDir = kernelDir.dir;
    }
    config.moduleParameters ??= readSettings(folder?.uri).moduleParameters;
    return config;
  }
}

class KmodVmAdapters implements vscode.DebugAdapterDescriptorFactory {
  constructor(private readonly context: vscode.ExtensionContext) {}

  createDebugAdapterDescriptor(): vscode.DebugAdapterDescriptor {
    return new vscode.DebugAdapterExecutable(process.execPath, [this.context.asAbsolutePath('dist/debug-adapter.js')], {
      env: { ELECTRON_RUN_AS_NODE: '1' },
    });
  }
}

async function moduleRequest(request: string, what: string): Promise<void> {
  const session = vscode.debug.activeDebugSession;
  if (session?.type !== DEBUG_TYPE) {
    void vscode.window.showErrorMessage(`${what}: no module is being debugged in a VM. Start one with "Debug Module in VM".`);
    return;
  }
  try {
    await session.customRequest(request);
  } catch (error) {
    void vscode.window.showErrorMessage(`${what}: ${(error as Error).message}`);
  }
}

/** Kernel frames need Debian's debug vmlinux: said what it costs, then fetched in a terminal. */
async function downloadKernelDebugSymbols(context: vscode.ExtensionContext): Promise<boolean> {
  const kernelDir = await resolveKernelBuildDir();
  if (!kernelDir) return false;
  const download = 'Download';
  const choice = await vscode.window.showInformationMessage(
    `Download Debian's vmlinux with debug info for ${kernelDir.release} (linux-image-${kernelDir.release}-dbg)?`,
    {
      modal: true,
      detail:
        'About 860 MB to download; the vmlinux (about 700 MB) is kept in ~/.cache/kmod-tools/vm/debug and nothing is installed. ' +
        'It lets Debug Module in VM show kernel frames in the call stack (set "kernelFrames": true).',
    },
    download,
  );
  if (choice !== download) return false;
  // A terminal of its own (no shell in between): the download's progress stays visible.
  const terminal = vscode.window.createTerminal({
    name: `Kernel debug symbols (${kernelDir.release})`,
    shellPath: process.execPath,
    shellArgs: [context.asAbsolutePath('dist/vmtest.js'), '--kdir', kernelDir.dir, '--fetch-kernel-debug-symbols'],
    env: { ELECTRON_RUN_AS_NODE: '1' },
  });
  terminal.show();
  return true;
}

export function registerDebugging(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, new KmodVmConfigurations()),
    vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, new KmodVmAdapters(context)),
    vscode.commands.registerCommand(DEBUG_COMMANDS.debug, async (target?: vscode.Uri | string): Promise<boolean> => {
      if (!requireTrust(ACTION)) return false;
      const moduleDir = await chooseModuleDir(target);
      if (!moduleDir) return false;
      const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(moduleDir));
      return vscode.debug.startDebugging(folder, { type: DEBUG_TYPE, request: 'launch', name: CONFIGURATION_NAME, moduleDir });
    }),
    vscode.commands.registerCommand(DEBUG_COMMANDS.downloadKernelSymbols, () => downloadKernelDebugSymbols(context)),
    vscode.commands.registerCommand(DEBUG_COMMANDS.load, () => moduleRequest(DEBUG_REQUESTS.insmod, 'Load module in VM')),
    vscode.commands.registerCommand(DEBUG_COMMANDS.unload, () => moduleRequest(DEBUG_REQUESTS.rmmod, 'Unload module in VM')),
  );
}
