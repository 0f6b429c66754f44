// Publishes diagnostics for open documents. One analysis per document runs at a time; edits that
// arrive meanwhile coalesce into one re-run on the newest text, and results for stale versions are
// dropped. A change also refreshes the other open files of the same module, and a result computed
// while one of them changed is not published (the run is repeated).
//
// A version number names a text only within one opening of a document: a client that closes and
// reopens a file starts again at its own numbering (VS Code at 1). So "the same version" is the
// same opening (AnalysisService.openingOf) and the same number; a run begun before a close never
// publishes onto the next opening, even when its version number comes round again.

import type { Connection, Diagnostic, TextDocuments } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { toDiagnostic, unanalyzableDiagnostic } from '../features/diagnostics';
import type { AnalysisService } from '../analysis/analysis-service';

export class DiagnosticsPublisher {
  private readonly running = new Set<string>();
  private readonly dirty = new Set<string>();
  private disposed = false;

  constructor(
    private readonly connection: Connection,
    private readonly documents: TextDocuments<TextDocument>,
    private readonly service: AnalysisService,
    /** Documents the server does not serve (a C++ project's header) are never analyzed. */
    private readonly serves: (document: TextDocument) => boolean = () => true,
  ) {}

  schedule(uri: string): void {
    if (this.disposed) return;
    if (this.running.has(uri)) {
      this.dirty.add(uri);
      return;
    }
    this.running.add(uri);
    void this.run(uri).finally(() => {
      this.running.delete(uri);
      if (this.dirty.delete(uri)) this.schedule(uri);
    });
  }

  refreshAll(): void {
    for (const document of this.documents.all()) this.schedule(document.uri);
  }

  closed(uri: string): void {
    this.service.close(uri);
    this.dirty.delete(uri);
    void this.connection.sendDiagnostics({ uri, diagnostics: [] });
  }

  private async run(uri: string): Promise<void> {
    const document = this.documents.get(uri);
    if (!document || !this.serves(document)) return;
    const version = document.version;
    const stateOf = (open: TextDocument): string => `${this.service.openingOf(open.uri)}:${open.version}`;
    const stateAtStart = new Map(this.documents.all().map((open) => [open.uri, stateOf(open)]));
    try {
      const analysis = await this.service.analyzeModule(uri, version, document.getText());
      if (this.disposed) return;
      // Another open file of the module changed (or was closed and opened again) meanwhile: this
      // view is already old, and publishing it could overwrite the newer one that file's own run
      // published. Run again instead.
      // (This document's own edits are not counted: each one schedules its run, paced while typing.)
      const changed = analysis.files.some((file) => {
        if (file.uri === uri) return false;
        const open = this.documents.get(file.uri);
        return open !== undefined && stateOf(open) !== stateAtStart.get(file.uri);
      });
      if (changed) {
        this.dirty.add(uri);
        return;
      }
      const perUri = new Map<string, Diagnostic[]>([[uri, []]]);
      for (const file of analysis.files) {
        if (file.unanalyzable && this.documents.get(file.uri)) perUri.set(file.uri, [unanalyzableDiagnostic(file.unanalyzable)]);
      }
      for (const finding of analysis.findings) {
        const list = perUri.get(finding.uri) ?? [];
        list.push(toDiagnostic(finding));
        perUri.set(finding.uri, list);
      }
      // Siblings that are open get the module's view too (a change here can fix or break them).
      for (const file of analysis.files) if (this.documents.get(file.uri) && !perUri.has(file.uri)) perUri.set(file.uri, []);
      for (const [target, diagnostics] of perUri) {
        const open = this.documents.get(target);
        // This document was edited, or closed (and maybe opened again at the same version number), meanwhile.
        if (!open || (target === uri && stateOf(open) !== stateAtStart.get(uri))) continue;
        void this.connection.sendDiagnostics({ uri: target, version: open.version, diagnostics });
      }
    } catch (error) {
      this.connection.console.error(`kmod-lsp: analysis of ${uri} failed: ${(error as Error)?.stack ?? error}`);
    }
  }

  dispose(): void {
    this.disposed = true;
  }
}
