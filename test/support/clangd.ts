// Test helper: the clangd from Debian (scripts/setup-system.sh clangd), started over LSP with a
// compile database, as the extension starts it.

import * as fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import { clangdArguments, findClangd } from '../../shared/src/clangd';
import { LspSession } from './lsp-client';

/** The clangd to test with; throws naming the setup group when none is installed. */
export function requireClangd(): string {
  const found = findClangd();
  if (!found) throw new Error('clangd is not installed: run bash scripts/setup-system.sh clangd (Debian package clangd)');
  return found.path;
}

export interface CompletionItem {
  label: string;
  filterText?: string;
  insertText?: string;
}

/** The name a completion item completes to (clangd puts a space or • before the label, and the signature after it). */
export const completedName = (item: CompletionItem): string => item.filterText ?? item.label.replace(/^[\s•]+/, '').replace(/\(.*$/, '');

/** A clangd process reading the database in `compileCommandsDir`, with its start time for measurements. */
export class ClangdSession {
  readonly session: LspSession;
  readonly startedAt = Date.now();

  constructor(
    readonly binary: string,
    compileCommandsDir: string,
  ) {
    this.session = new LspSession({}, [], { command: binary, args: clangdArguments(compileCommandsDir) });
  }

  async initialize(): Promise<void> {
    await this.session.initialize();
  }

  async open(file: string): Promise<string> {
    const uri = pathToFileURL(file).href;
    await this.session.open(uri, fs.readFileSync(file, 'utf8'));
    return uri;
  }

  change(uri: string, text: string, version: number): Promise<void> {
    return this.session.connection.sendNotification('textDocument/didChange', {
      textDocument: { uri, version },
      contentChanges: [{ text }],
    });
  }

  async completion(uri: string, line: number, character: number): Promise<CompletionItem[]> {
    const result = await this.session.connection.sendRequest<{ items: CompletionItem[] } | CompletionItem[] | null>(
      'textDocument/completion',
      {
        textDocument: { uri },
        position: { line, character },
      },
    );
    return Array.isArray(result) ? result : (result?.items ?? []);
  }

  async definition(uri: string, line: number, character: number): Promise<{ uri: string; range: { start: { line: number } } }[]> {
    const result = await this.session.connection.sendRequest<unknown>('textDocument/definition', {
      textDocument: { uri },
      position: { line, character },
    });
    const list = (Array.isArray(result) ? result : result ? [result] : []) as (
      { uri: string; range: { start: { line: number } } } | { targetUri: string; targetRange: { start: { line: number } } }
    )[];
    return list.map((l) => ('targetUri' in l ? { uri: l.targetUri, range: l.targetRange } : l));
  }

  /** Peak resident memory of the clangd process (VmHWM), in MB. */
  peakMemoryMb(): number {
    const status = fs.readFileSync(`/proc/${this.session.process.pid}/status`, 'utf8');
    return Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) / 1024;
  }

  /** Shuts clangd down and waits for it to exit: its background index writes into the database dir until then. */
  async close(): Promise<void> {
    const child = this.session.process;
    const exited = child.exitCode !== null ? Promise.resolve() : new Promise<void>((resolve) => child.once('exit', () => resolve()));
    await this.session.close();
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
  }
}
