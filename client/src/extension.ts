// Extension entry point: starts the kernel-module language server for C files and registers the
// build/load/log features and New Kernel Module. The analyzer runs in every workspace; building and
// loading modules (which run the workspace's Makefile) are gated on Workspace Trust by the features.

import * as path from 'node:path';
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { registerDebugging } from './debug';
import { registerKbuildFeatures } from './features';
import { registerIntelliSense } from './intellisense';
import { getKernelBuildDir } from './kernel-dir';
import { registerNewModuleCommand } from './scaffold';
import { disableCodeActions, registerDisableCode } from './disable-code';
import { macroDocCapability, registerMacroDocs } from './macro-docs';
import { SHOW_MACRO_DOC_COMMAND } from '../../shared/src/lsp-extensions';
import { SERVER_ENVIRONMENT, SERVER_NODE_OPTIONS } from '../../shared/src/memory';

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
  const serverEnvironment = { ...process.env, ...SERVER_ENVIRONMENT };
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: [...SERVER_NODE_OPTIONS], env: serverEnvironment } },
    debug: {
      module: serverModule,
      transport: TransportKind.ipc,
      options: { execArgv: [...SERVER_NODE_OPTIONS, '--nolazy', '--inspect=127.0.0.1:6009'], env: serverEnvironment },
    },
  };
  const clientOptions: LanguageClientOptions = {
    // VS Code opens `.h` files as C++: the server serves those of kernel code only
    // (server/src/lsp/module-documents.ts), so a C++ project's headers get nothing from it.
    documentSelector: [
      { scheme: 'file', language: 'c' },
      { scheme: 'untitled', language: 'c' },
      { scheme: 'file', language: 'cpp', pattern: '**/*.h' },
    ],
    // Facts of files on disk persist in the extension's storage: reopening a kernel tree parses only what changed.
    initializationOptions: { factsCacheDir: vscode.Uri.joinPath(context.globalStorageUri, 'facts').fsPath },
    // The server re-checks a module when its sources or Kbuild/Makefile change on disk. A deleted
    // or moved folder arrives as one event for the folder (VS Code drops its children's), so
    // every creation and deletion is sent too; the server tells folders from files.
    synchronize: {
      configurationSection: 'kmod',
      fileEvents: [
        vscode.workspace.createFileSystemWatcher('**/{*.c,*.h,Kbuild,Makefile}'),
        vscode.workspace.createFileSystemWatcher('**/*', false, true, false),
      ],
    },
    // A kernel macro's hover links to its whole text (client/src/macro-docs.ts).
    markdown: { isTrusted: { enabledCommands: [SHOW_MACRO_DOC_COMMAND] } },
    middleware: {
      provideCodeActions: async (document, range, context, token, next) => [
        ...((await next(document, range, context, token)) ?? []),
        ...disableCodeActions(context),
      ],
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
  client.registerFeature(macroDocCapability);
  registerMacroDocs(context, () => client);
  registerDisableCode(context);
  registerKbuildFeatures(context);
  registerNewModuleCommand(context);
  registerDebugging(context);
  registerIntelliSense(context, () => client);
  await client.start();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
