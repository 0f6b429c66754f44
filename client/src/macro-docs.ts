// "More…" in a kernel macro's hover. The server keeps the hover short for a client that has this
// command and links to it; the command asks the server for the macro's whole text and shows it
// as a Markdown preview beside the editor.

import * as vscode from 'vscode';
import type { BaseLanguageClient, StaticFeature } from 'vscode-languageclient';
import { MACRO_DOC_REQUEST, SHOW_MACRO_DOC_CAPABILITY, SHOW_MACRO_DOC_COMMAND } from '../../shared/src/lsp-extensions';

const SCHEME = 'kmod-macro-doc';

/** Tells the server this client runs the command, so its hovers stay short. */
export const macroDocCapability: StaticFeature = {
  fillClientCapabilities(capabilities) {
    capabilities.experimental = { ...(capabilities.experimental as object | undefined), [SHOW_MACRO_DOC_CAPABILITY]: true };
  },
  initialize() {},
  getState: () => ({ kind: 'static' }),
  clear() {},
};

export function registerMacroDocs(context: vscode.ExtensionContext, client: () => BaseLanguageClient | undefined): void {
  // Read-only pages: a virtual document per macro, never a dirty untitled editor.
  const pages = new Map<string, string>();
  const changed = new vscode.EventEmitter<vscode.Uri>();
  context.subscriptions.push(
    changed,
    vscode.workspace.registerTextDocumentContentProvider(SCHEME, {
      onDidChange: changed.event,
      provideTextDocumentContent: (uri) => pages.get(uri.path) ?? '',
    }),
    vscode.commands.registerCommand(SHOW_MACRO_DOC_COMMAND, async (name: unknown) => {
      if (typeof name !== 'string') return;
      const markdown = await client()?.sendRequest<string | null>(MACRO_DOC_REQUEST, { name });
      if (!markdown) {
        void vscode.window.showInformationMessage(`Kernel Module Tools: no explanation of ${name} is known.`);
        return;
      }
      const uri = vscode.Uri.from({ scheme: SCHEME, path: `/${name}.md` });
      pages.set(uri.path, markdown);
      changed.fire(uri);
      await vscode.commands.executeCommand('markdown.showPreviewToSide', uri);
    }),
  );
}
