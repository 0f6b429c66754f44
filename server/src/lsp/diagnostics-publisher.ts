// Publishes diagnostics for open documents. One analysis per document runs at a time; edits that
// arrive meanwhile coalesce into one re-run on the newest text, and results for stale versions are
// dropped. A change also refreshes the other open files of the same module, and a result computed
// while one of them changed is not published (the run is repeated). Nor is one computed from another
// open file's facts of an older text than its current one: that file's own run is still to analyze
// its text (its change came while its previous run was going), and this run is repeated after it.
// Closing a file checks the other open files of its module again: they used its editor text.
//
// A version number names a text only within one opening of a document: a client that closes and
// reopens a file starts again at its own numbering (VS Code at 1). So "the same version" is the
// same opening (AnalysisService.openingOf) and the same number; a run begun before a close never
// publishes onto the next opening, even when its version number comes round again.

import type { Connection, Diagnostic, TextDocuments } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { toDiagnostic, unanalyzableDiagnostic } from '../features/diagnostics';
import type { AnalysisService } from '../analysis/analysis-service';
import type { FileFacts } from '../model/types';

export class DiagnosticsPublisher {
  /** Each document whose runs go on, and what schedule() returns meanwhile: settled when they end. */
  private readonly running = new Map<string, { settled: Promise<void>; end: () => void }>();
  private readonly dirty = new Set<string>();
  /** Documents to run again once another's runs are over (their result used its older facts). */
  private readonly waiting = new Map<string, Set<string>>();
  /** Documents run again after such a wait: their next result is published even if still not current. */
  private readonly waited = new Set<string>();
  /** Documents run again because a file of theirs was closed during the run: once, not for ever. */
  private readonly rerunAfterClose = new Set<string>();
  /** The files of each open document's last module analysis. */
  private readonly moduleFiles = new Map<string, ReadonlySet<string>>();
  private disposed = false;

  constructor(
    private readonly connection: Connection,
    private readonly documents: TextDocuments<TextDocument>,
    private readonly service: AnalysisService,
    /** Documents the server does not serve (a C++ project's header) are never analyzed. */
    private readonly serves: (document: TextDocument) => boolean = () => true,
  ) {}

  /** Runs `uri`'s analysis, or once more after the one under way: settles when no run of it is left. */
  schedule(uri: string): Promise<void> {
    if (this.disposed) return Promise.resolve();
    const underWay = this.running.get(uri);
    if (underWay) {
      this.dirty.add(uri);
      return underWay.settled;
    }
    let end = (): void => undefined;
    const settled = new Promise<void>((resolve) => (end = resolve));
    this.running.set(uri, { settled, end });
    this.runUntilClean(uri);
    return settled;
  }

  /** Runs `uri` again while edits came during its run; then what waited for its runs goes on. */
  private runUntilClean(uri: string): void {
    void this.run(uri).finally(() => {
      if (this.dirty.delete(uri) && !this.disposed) {
        this.runUntilClean(uri);
        return;
      }
      this.running.get(uri)?.end();
      this.running.delete(uri);
      const waiters = this.waiting.get(uri);
      this.waiting.delete(uri);
      for (const waiter of waiters ?? []) {
        this.waited.add(waiter);
        void this.schedule(waiter);
      }
    });
  }

  refreshAll(): void {
    for (const document of this.documents.all()) void this.schedule(document.uri);
  }

  /** The editor opened `uri`: the service takes its texts again (see AnalysisService.close), and it is checked. */
  opened(uri: string): void {
    this.service.opened(uri);
    void this.schedule(uri);
  }

  closed(uri: string): void {
    this.service.close(uri);
    this.dirty.delete(uri);
    this.waited.delete(uri);
    this.rerunAfterClose.delete(uri);
    this.moduleFiles.delete(uri);
    void this.connection.sendDiagnostics({ uri, diagnostics: [] });
    // The other open files of its module were checked with its editor text, which may never have
    // been saved: check them again with the file as it is on disk (as a fresh server would).
    for (const [other, files] of this.moduleFiles) if (files.has(uri) && this.documents.get(other)) void this.schedule(other);
  }

  /**
   * Whether `facts` are of the text the editor has now: an open document's current version (one the
   * server does not serve: whatever it has), a closed file's text on disk.
   */
  private current(facts: FileFacts): boolean {
    const made = this.service.editorTextOf(facts);
    const open = this.documents.get(facts.uri);
    if (!open) return made === undefined;
    if (!this.serves(open)) return true;
    return made !== undefined && made.opening === this.service.openingOf(open.uri) && made.version === open.version;
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
      this.moduleFiles.set(uri, new Set(analysis.files.map((file) => file.uri)));
      // Another open file's facts are of an older text than it has now (its change arrived while its
      // previous run went on, so its run has yet to analyze it; or it was closed meanwhile). This view
      // would publish that file's older findings under its current version, or outlive its run's
      // newer ones: run again once its run is over (a closed file is read from disk at once).
      let again = false;
      for (const file of analysis.files) {
        const open = this.documents.get(file.uri);
        if ((file.uri === uri && open) || this.current(file)) continue;
        if (!open) {
          // This document was closed meanwhile: nothing to publish.
          if (file.uri === uri) return;
          // Read from disk the next time. A second such view (another close came) is published as it
          // is: the closes schedule this run again anyway, and a file whose editor text outlived its
          // close would otherwise keep this run going round.
          if (this.rerunAfterClose.has(uri)) continue;
          this.rerunAfterClose.add(uri);
          this.dirty.add(uri);
          again = true;
          continue;
        }
        if (!this.running.has(file.uri)) {
          // Its run was over and left it so (it failed), though this one waited for it: publish as it is.
          if (this.waited.has(uri)) continue;
          // Nothing runs it (its run is held back while it is typed in): start it now.
          void this.schedule(file.uri);
        }
        let waiters = this.waiting.get(file.uri);
        if (!waiters) this.waiting.set(file.uri, (waiters = new Set()));
        waiters.add(uri);
        again = true;
      }
      if (again) return;
      this.waited.delete(uri);
      this.rerunAfterClose.delete(uri);
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
    for (const { end } of this.running.values()) end();
  }
}
