// The language server: wires LSP requests to the analysis service and the feature modules.
// Nothing here analyzes anything itself; tools/src/kmod-lsp.ts starts it.

import {
  FileChangeType,
  CodeActionKind,
  createConnection,
  ErrorCodes,
  LSPErrorCodes,
  ResponseError,
  type CancellationToken,
  DidChangeConfigurationNotification,
  ProposedFeatures,
  TextDocuments,
  TextDocumentSyncKind,
  type InitializeParams,
  type InitializeResult,
} from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import * as path from 'node:path';
import { filePathOf } from './model/uris';
import { isKbuildOutput } from '../../shared/src/kbuild-outputs';
import { defaultKernelBuildDir, kernelVersionOf } from '../../shared/src/kernel-dir';
import { releaseGarbage } from '../../shared/src/memory';
import { AnalysisService, DocumentClosedError } from './analysis/analysis-service';
import { DiagnosticsPublisher } from './lsp/diagnostics-publisher';
import { factsCacheDirOf, readSettings, type ServerSettings } from './lsp/settings';
import { codeActions } from './features/code-actions';
import { definition } from './features/definition';
import { documentSymbols } from './features/document-symbols';
import { hover, macroDocPage } from './features/hover';
import { DIAGNOSTIC_SOURCE, MACRO_DOC_REQUEST, SHOW_MACRO_DOC_CAPABILITY } from '../../shared/src/lsp-extensions';
import { HeaderIndex } from './features/header-index';
import { WorkspaceIndex } from './lsp/workspace-index';
import { ModuleDocuments } from './lsp/module-documents';
import { showMessage } from './lsp/show-message';
import { analysisSettled, EditPacing } from './lsp/edit-pacing';
import { TypedDocument } from './lsp/typed-document';

/** Serves LSP over the transport named on the command line (--stdio, --node-ipc, --socket=N). */
/** Reported to the client and in the log; the extension's version. */
const SERVER_VERSION = '0.1.0';

export function startServer(): void {
  const connection = createConnection(ProposedFeatures.all);
  const documents = new TextDocuments(TypedDocument);
  const service = new AnalysisService();
  const headers = new HeaderIndex();
  const served = new ModuleDocuments();
  const publisher = new DiagnosticsPublisher(connection, documents, service, (document) => served.serves(document));
  const pacing = new EditPacing(
    (uri) => service.lastAnalysisMs(uri),
    (uri) => publisher.schedule(uri),
    (uri) => documents.get(uri)?.textLength,
  );
  const index = new WorkspaceIndex(connection, service);
  // The build dir's exports arrive a few seconds after its settings: check the open files again.
  // The header scans run on a worker of their own, and their text dies with it: no collection is
  // forced here (a full one held the thread for up to 90 ms while the index ran).
  service.onKernelTablesLoaded(() => publisher.refreshAll());
  let workspaceFolders: string[] = [];
  let pullConfiguration = false;
  let moreCommand = false;
  let initializationSettings: Partial<ServerSettings> = {};
  let shutDown = false;

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    pullConfiguration = !!params.capabilities.workspace?.configuration;
    // The extension opens a macro's whole text from a hover link; other clients get it in the hover.
    moreCommand = (params.capabilities.experimental as Record<string, unknown> | undefined)?.[SHOW_MACRO_DOC_CAPABILITY] === true;
    initializationSettings = (params.initializationOptions ?? {}) as Partial<ServerSettings>;
    service.useFactsCache(factsCacheDirOf(params.initializationOptions));
    workspaceFolders = (params.workspaceFolders ?? (params.rootUri ? [{ uri: params.rootUri }] : []))
      .map((folder) => filePathOf(folder.uri))
      .filter((folder): folder is string => folder !== undefined);
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        hoverProvider: true,
        definitionProvider: true,
        documentSymbolProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
      },
      serverInfo: { name: 'kmod-lsp', version: SERVER_VERSION },
    };
  });

  /** What the last applySettings acted on: the editor announces changes to settings it did not change too. */
  let appliedSettings: string | undefined;
  async function applySettings(): Promise<void> {
    const settings = await readSettings(connection, pullConfiguration, initializationSettings);
    // No build dir configured: the one the extension would detect, whatever kernel version the rules follow.
    const kdir = settings.kernelBuildDir || defaultKernelBuildDir()?.dir;
    const applying = JSON.stringify({ settings, kdir });
    if (applying === appliedSettings) return;
    appliedSettings = applying;
    // The header names first: hovers wait for them, and the link tables (scanned after them) only add findings.
    headers.setKernelDir(kdir, service.factsCacheDir);
    const problem = service.configure({
      kdir,
      otherKdirs: settings.kernelBuildDirs,
      kernelVersion: settings.kernelVersion || undefined,
      disabledCodes: settings.disabledCodes,
    });
    if (problem) showMessage(connection, 'warning', `Kernel Module Tools: ${problem}; using ${service.analysisContext.profile.id} rules.`);
    for (const ignored of settings.ignored) showMessage(connection, 'warning', `Kernel Module Tools: ${ignored}.`);
    for (const unusable of service.unusableKernelDirs)
      showMessage(connection, 'warning', `Kernel Module Tools: kmod.kernelBuildDirs: ${unusable}. Findings are checked without it.`);
    publisher.refreshAll();
    connection.console.info(
      `kmod-lsp ${SERVER_VERSION}: kernel build dir ${kdir ? `${kdir} (${kernelVersionOf(kdir) ?? 'unknown version'})` : 'none'}; ` +
        `modpost rules of ${service.analysisContext.profile.id}; workspace folders: ${workspaceFolders.join(', ') || 'none'}`,
    );
    background(
      'indexing',
      index.run(workspaceFolders, { ...settings.index, excludedDirs: new Set(settings.index.excludedDirs) }).then((status) => {
        setTimeout(releaseGarbage, 1000).unref();
        background('pruning the facts cache', service.pruneFactsCache());
        if (status)
          connection.console.info(
            `kmod-lsp: indexed ${status.files} C files in ${status.modules} modules in ${status.seconds.toFixed(1)} s: ` +
              `${status.findings} findings; ${status.cachedModules} modules unchanged since a previous run`,
          );
      }),
    );
  }

  // The last net under the background work: a client's odd input must never end the process.
  process.on('unhandledRejection', (reason) => {
    connection.console.error(`kmod-lsp: unhandled failure: ${(reason as Error)?.stack ?? String(reason)}`);
  });

  /** Work nobody awaits: a failure is logged, never left to end the process. */
  function background(what: string, work: Promise<unknown>): void {
    work.catch((error: unknown) => connection.console.error(`kmod-lsp: ${what} failed: ${(error as Error)?.stack ?? String(error)}`));
  }

  connection.onInitialized(() => {
    if (pullConfiguration)
      background('registering for settings', connection.client.register(DidChangeConfigurationNotification.type, { section: 'kmod' }));
    background('reading the settings', applySettings());
  });
  connection.onDidChangeConfiguration(() => {
    background('reading the settings', applySettings());
  });

  // A file whose analysis a crashed or stopped worker failed gets another try after a while.
  service.onRetryDue((uri) => {
    if (documents.get(uri)) void publisher.schedule(uri);
    else background(`re-checking ${uri}`, index.filesChanged([uri]));
  });

  documents.onDidOpen((event) => publisher.opened(event.document.uri));
  documents.onDidChangeContent((event) => pacing.changed(event.document.uri));
  documents.onDidClose((event) => {
    pacing.closed(event.document.uri);
    const ours = served.serves(event.document);
    served.forget(event.document.uri);
    publisher.closed(event.document.uri);
    if (ours) background(`re-checking ${event.document.uri}`, index.fileClosed(event.document.uri));
  });
  connection.onDidChangeWatchedFiles((params) => {
    // The watcher also reports every path created or deleted (a folder comes as one event); what a build writes changes nothing.
    const changes = params.changes.filter((change) => !isKbuildOutput(path.posix.basename(change.uri)));
    if (changes.length === 0) return;
    service.diskChanged();
    // A created or deleted file can change where an include leads.
    if (changes.some((change) => change.type !== FileChangeType.Changed)) {
      service.filesMoved();
      served.forget();
    }
    background('re-checking changed files', index.filesChanged(changes.map((change) => change.uri)));
  });

  /**
   * Runs a request on an open document we serve. While typing pauses an analysis, a request that
   * needs one waits for it rather than starting its own: `analysis` (the module checked), `facts`
   * (what the module's files say: while the module is checked again only because link tables
   * arrived, the last analysis of the same text will do), or `nothing`.
   */
  const withDocument = <T>(
    uri: string,
    fallback: T,
    run: (document: TextDocument) => Promise<T>,
    needs: 'analysis' | 'facts' | 'nothing',
    token?: CancellationToken,
  ): Promise<T> => {
    if (shutDown) return Promise.reject(new ResponseError(ErrorCodes.InvalidRequest, 'the server is shutting down'));
    const document = documents.get(uri);
    return document && served.serves(document)
      ? (needs !== 'nothing'
          ? analysisSettled(
              pacing,
              document,
              (version) =>
                needs === 'facts'
                  ? service.analysisToRead(uri, version, document.getText())
                  : service.analyzeModule(uri, version, document.getText()),
              () => token?.isCancellationRequested === true || documents.get(uri) !== document,
            )
          : Promise.resolve()
        )
          .then(() => {
            // The editor gave up on it while it waited (a newer outline or code action request replaces it).
            if (token?.isCancellationRequested) throw new ResponseError(LSPErrorCodes.RequestCancelled, 'cancelled');
            return documents.get(uri) === document ? run(document) : fallback;
          })
          .catch((error: unknown) => {
            if (error instanceof ResponseError) throw error;
            // Closed while the request waited: there is nothing to answer about.
            if (error instanceof DocumentClosedError) return fallback;
            connection.console.error(`kmod-lsp: request on ${uri} failed: ${(error as Error)?.stack ?? error}`);
            return fallback;
          })
      : Promise.resolve(fallback);
  };

  connection.onHover((params, token) =>
    withDocument(
      params.textDocument.uri,
      null,
      (document) => hover(document, params.position, service, headers, { moreCommand }),
      'facts',
      token,
    ),
  );
  connection.onRequest(MACRO_DOC_REQUEST, (params: { name?: unknown }) =>
    typeof params?.name === 'string' ? (macroDocPage(params.name, service) ?? null) : null,
  );
  connection.onDefinition((params, token) =>
    withDocument(params.textDocument.uri, null, (document) => definition(document, params.position, service, headers), 'facts', token),
  );
  connection.onDocumentSymbol((params, token) =>
    withDocument(params.textDocument.uri, [], (document) => documentSymbols(document, service), 'facts', token),
  );
  // Only our own diagnostics have fixes: a cursor on none (typing) is answered at once.
  connection.onCodeAction((params, token) =>
    withDocument(
      params.textDocument.uri,
      [],
      (document) => codeActions(document, params, service, documents),
      params.context.diagnostics.some((diagnostic) => diagnostic.source === DIAGNOSTIC_SOURCE) ? 'analysis' : 'nothing',
      token,
    ),
  );

  connection.onShutdown(async () => {
    shutDown = true;
    pacing.dispose();
    publisher.dispose();
    await service.dispose();
  });

  documents.listen(connection);
  connection.listen();
}
