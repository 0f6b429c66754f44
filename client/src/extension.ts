// Extension entry point: starts the kernel-module language server for C files and registers the
// build/load/log features and New Kernel Module. The analyzer runs in every workspace; building and
// loading modules (which run the workspace's Makefile) are gated on Workspace Trust by the features.

import * as path from 'node:path';
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { registerKbuildFeatures } from './features';
import { registerIntelliSense } from './intellisense';
import { getKernelBuildDir } from './kernel-dir';
import { registerNewModuleCommand } from './scaffold';

let client: LanguageClient | undefined;

/** The server reads `kmod.*`; an auto-detected build dir stands in for an empty setting. */
async function withDetectedKernelDir(result: unknown[]): Promise<unknown[]> {
  const detected = await getKernelBuildDir().catch(() => undefined);
  return result.map((section) => {
    if (!detected || !section || typeof section !== 'object') return section;
    const settings = section as { kernelBuildDir?: string };
    return settings.kernelBuildDir ? section : { ...settings, kernelBuildDir: detected.dir };
  });
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const serverModule = context.asAbsolutePath(path.join('dist', 'server.js'));
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=127.0.0.1:6009'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'c' },
      { scheme: 'untitled', language: 'c' },
    ],
    // The server re-checks a module when its sources or Kbuild/Makefile change on disk.
    synchronize: { configurationSection: 'kmod', fileEvents: vscode.workspace.createFileSystemWatcher('**/{*.c,Kbuild,Makefile}') },
    middleware: {
      workspace: {
        configuration: async (params, token, next) => {
          const result = await next(params, token);
          return Array.isArray(result) ? withDetectedKernelDir(result) : result;
        },
      },
    },
  };
  client = new LanguageClient('kmod', 'Kernel Module Tools', serverOptions, clientOptions);
  context.subscriptions.push(client);
  registerKbuildFeatures(context);
  registerNewModuleCommand(context);
  registerIntelliSense(context, () => client);
  await client.start();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
