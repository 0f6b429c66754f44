// Oops and BUG lines that name a function of a workspace module become links to the source line:
// in terminals (the Follow Kernel Log task, the VM test's console) and in kernel log documents
// (.dmesg files). The location comes from the module's .ko debug info through addr2line, falling
// back to the function's definition.

import * as vscode from 'vscode';
import { parseOopsLine, resolveOopsLine, stripPrintkPrefix } from '../../shared/src/oops';
import { findModuleDirs } from './tasks';

/** The `func+0x0/0x1000 [mod]` part of a console line, where the link goes. */
function linkRange(line: string): { start: number; length: number } | undefined {
  const location = parseOopsLine(line);
  if (!location?.module) return undefined;
  const body = stripPrintkPrefix(line);
  const symbol = new RegExp(
    `${location.function.replace(/[.$]/g, '\\$&')}\\+0x[0-9a-fA-F]+/0x[0-9a-fA-F]+(?:\\s+\\[${location.module}[^\\]]*\\])?`,
  ).exec(body);
  if (!symbol) return undefined;
  return { start: line.length - body.length + symbol.index, length: symbol[0].length };
}

async function openSource(line: string): Promise<boolean> {
  const resolved = await resolveOopsLine(line, await findModuleDirs());
  if (!resolved) {
    void vscode.window.showInformationMessage(
      `Kernel Module: no module of this workspace matches "${stripPrintkPrefix(line).trim()}" (build it first; the .ko's debug info maps the address to a line).`,
    );
    return false;
  }
  const document = await vscode.workspace.openTextDocument(resolved.file);
  const position = new vscode.Position(Math.max(0, resolved.line - 1), 0);
  await vscode.window.showTextDocument(document, { selection: new vscode.Range(position, position) });
  return true;
}

class OopsTerminalLink extends vscode.TerminalLink {
  constructor(
    start: number,
    length: number,
    readonly line: string,
  ) {
    super(start, length, 'Open the source line of this crash');
  }
}

class OopsDocumentLink extends vscode.DocumentLink {
  constructor(
    range: vscode.Range,
    readonly line: string,
  ) {
    super(range);
    this.tooltip = 'Open the source line of this crash';
  }
}

const terminalLinks: vscode.TerminalLinkProvider<OopsTerminalLink> = {
  provideTerminalLinks: ({ line }) => {
    const range = linkRange(line);
    return range ? [new OopsTerminalLink(range.start, range.length, line)] : [];
  },
  handleTerminalLink: async (link) => {
    await openSource(link.line);
  },
};

const documentLinks: vscode.DocumentLinkProvider<OopsDocumentLink> = {
  provideDocumentLinks: (document) => {
    const links: OopsDocumentLink[] = [];
    for (let i = 0; i < document.lineCount; i++) {
      const text = document.lineAt(i).text;
      const range = linkRange(text);
      if (range) links.push(new OopsDocumentLink(new vscode.Range(i, range.start, i, range.start + range.length), text));
    }
    return links;
  },
  resolveDocumentLink: async (link) => {
    const resolved = await resolveOopsLine(link.line, await findModuleDirs());
    if (resolved) link.target = vscode.Uri.file(resolved.file).with({ fragment: `L${resolved.line}` });
    return link;
  },
};

export function registerOopsLinks(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.window.registerTerminalLinkProvider(terminalLinks),
    vscode.languages.registerDocumentLinkProvider({ language: 'kernel-log' }, documentLinks),
  );
}
