// Keeps FileFacts for open documents (from their text) and for their module siblings (from disk),
// and computes the findings of a document's whole module, as modpost would link it.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { filePathOf } from '../model/uris';
import { readText, unanalyzableFacts, type EditableFacts } from '../engine/analyze-file';
import { editWithinBody } from '../engine/body-edit';
import { checkModule, ModuleSymbols, type CheckOptions } from '../engine/check';
import {
  loadKernelLinkTables,
  moduleLinkEnvironment,
  prepareLinking,
  type KernelLinkTables,
  type LinkEnvironment,
} from '../engine/link-checks';
import { FactsPool, type KnownChange } from '../engine/facts-pool';
import { changedSpan } from '../parsing/changed-span';
import { moduleResultOf, type CheckedModule } from '../engine/module-job';
import { analyzerId, canonicalJson, noteWrites } from '../engine/facts-cache';
import { ContentHashes, moduleDependencies, ModuleResultCache, type ModuleResult } from '../engine/module-cache';
import { moduleOfFile, modulesInDir, type KbuildModule } from '../../../shared/src/kbuild';
import { fileUri, mergeKernelFindings, resolveContext, type AnalysisContext, type AnalysisOptions } from '../engine/project';
import { isUsableKernelDir, kernelVersionOf, unusableKernelDirText } from '../../../shared/src/kernel-dir';
import { BACKGROUND_OLD_GENERATION_MB, releaseGarbage } from '../../../shared/src/memory';
import type { FileFacts, Finding } from '../model/types';
import { IncludedFactsCache, IncludeResolution, translationUnits, type TranslationUnit } from '../engine/units';
import type { VmlinuxTable } from '../engine/vmlinux';
import { kernelHeaderSymbols, type HeaderSymbols } from '../engine/header-symbols';
import type { KernelConfig } from '../knowledge/kernel-config';

interface CachedFacts {
  /** Document version for open files, mtime for files read from disk. */
  stamp: string;
  facts: Promise<FileFacts>;
}

export interface ModuleAnalysis {
  module: KbuildModule;
  /** Every file of the module's units (sources and the module files they include), once each. */
  files: FileFacts[];
  units: TranslationUnit[];
  findings: Finding[];
}

/** An open file this large, or whose analysis took this long, is analyzed on a worker of its own. */
const HEAVY_FILE_BYTES = 1024 * 1024;
const HEAVY_FILE_MS = 2000;

/** A file's size and time read for one analysis stand this long for the next ones (see diskStamp). */
const DISK_STAMP_MS = 1000;
const MAX_DISK_STAMPS = 4096;

/** The editor's worker is stopped this long after the last document closed. */
const INTERACTIVE_IDLE_MS = 10_000;

/** After a worker crash, a file is tried again after these delays (then left until it changes). */
const RETRY_DELAYS_MS = [5_000, 30_000, 120_000];

/** Background workers left idle this long are stopped (the index re-checks changes rarely). */
const BACKGROUND_IDLE_MS = 30_000;

const symbolTables = new WeakMap<ModuleAnalysis, ModuleSymbols>();

/** The name lookup of an analyzed module, built once per analysis (hovers ask again and again). */
export function symbolsOf(analysis: ModuleAnalysis): ModuleSymbols {
  let symbols = symbolTables.get(analysis);
  if (!symbols) symbolTables.set(analysis, (symbols = new ModuleSymbols(analysis.units)));
  return symbols;
}

/** A kernel of kmod.kernelBuildDirs besides the configured one. */
interface OtherKernel {
  kdir: string;
  label: string;
  context: AnalysisContext;
  /** Its link tables, once loaded (none: not a build dir modpost can use). */
  tables?: KernelLinkTables;
  /** Whether loading the tables ended, and when it does. */
  settled?: boolean;
  loaded: Promise<void>;
}

/**
 * A document closed and not opened again was asked for (a request read it before the close and
 * asked after): it has no editor text any more, and none is taken for it.
 */
export class DocumentClosedError extends Error {
  constructor(uri: string) {
    super(`${uri} was closed`);
    this.name = 'DocumentClosedError';
  }
}

/** The newest analysis of an open document, which the next edit starts from. */
interface OpenDocument {
  builtin: boolean;
  editable: Promise<EditableFacts>;
}

export class AnalysisService {
  private readonly cache = new Map<string, CachedFacts>();
  private readonly openDocuments = new Map<string, OpenDocument>();
  /** The editor text of open documents, for where a quick fix inserts a line. */
  private readonly openText = new Map<string, string>();
  /** How many times each document was closed: which opening of it is the current one (see openingOf). */
  private readonly closings = new Map<string, number>();
  /** Documents closed and not opened again: an editor text asked for under their name is no one's. */
  private readonly closedDocuments = new Set<string>();
  private readonly lastAnalysis = new Map<string, { inputs: FileFacts[]; result: ModuleAnalysis }>();
  /** Module analyses under way, per document: a request for the same text shares one (see analyzeModule). */
  private readonly analysesUnderWay = new Map<
    string,
    { opening: number; version: number; text: string; epoch: number; result: Promise<ModuleAnalysis> }
  >();
  /** Counts the times every module analysis went out of date (settings, tables, files moved). */
  private epoch = 0;
  private readonly analysisMs = new Map<string, number>();
  /** Facts of included files read from disk by the background index, shared across modules. */
  private readonly includedOnDisk = new IncludedFactsCache();
  /** Where includes lead; made anew when files may have appeared or gone. */
  private includes = new IncludeResolution();
  private options: AnalysisOptions = {};
  private context: AnalysisContext = resolveContext({});
  /** Open files that proved slow to analyze: they go to the heavy worker from then on. */
  private readonly heavyUris = new Set<string>();
  /** The worker for huge or slow open files (a 4 MB generated table), stopped when idle a while. */
  private readonly heavy = new FactsPool({ size: 1, idleMs: 60_000 });
  /** One worker kept for open files, so they never wait behind the background index. */
  private readonly interactive = new FactsPool({ size: 1, onIdle: () => this.background.resume() });
  /** What the background index learnt about built-in objects, for checks across vmlinux. */
  private vmlinux: VmlinuxTable | undefined;
  /**
   * Workers for the background index: every core while it runs, none a while after (a parse
   * worker's WASM memory only grows: up to ~100 MB each after a kernel tree). They start no new
   * file while an open document's module is being analyzed, and run at a lower priority than the
   * server's thread and the open files' workers, so requests and open files get the cores.
   */
  private readonly background = new FactsPool({
    idleMs: BACKGROUND_IDLE_MS,
    lowPriority: true,
    holdWhile: () => this.interactive.pending > 0,
    maxOldGenerationMb: BACKGROUND_OLD_GENERATION_MB,
  });

  /** The build dir's exports and header declarations (modpost's link checks), loading or loaded. */
  private kernelTables: Promise<KernelLinkTables | undefined> = Promise.resolve(undefined);
  private loadedTables: KernelLinkTables | undefined;
  private tablesLoading = false;
  private readonly tablesListeners: (() => void)[] = [];
  /** Files whose analysis failed for a passing reason (a crashed worker): tries so far, and the timer of the next. */
  private readonly retries = new Map<string, { attempts: number; timer?: NodeJS.Timeout }>();
  private readonly retryListeners: ((uri: string) => void)[] = [];
  /** More kernels each module is also checked against (kmod.kernelBuildDirs). */
  private otherKernels: OtherKernel[] = [];

  /**
   * Facts of files read from disk (the index, an open file's module siblings) come from and go to
   * the facts cache in `dir` (none: undefined). Open documents' texts are never cached.
   */
  useFactsCache(dir: string | undefined): void {
    this.background.setCacheDir(dir);
    this.interactive.setCacheDir(dir);
    // Who made a result: the worker's code (the facts) and this bundle's (the server is one file holding the whole checker).
    const code = `${analyzerId(this.background.script)}\n${analyzerId(__filename)}`;
    this.moduleCache = dir === undefined ? undefined : new ModuleResultCache(dir, code);
  }

  /** The facts cache's directory (the header tables are kept there too). */
  get factsCacheDir(): string | undefined {
    return this.background.factsCacheDir;
  }

  /** Results of whole modules on disk, kept with the facts (none without a facts cache). */
  private moduleCache: ModuleResultCache | undefined;

  /** What the module results cache did, for the log and tests. */
  readonly moduleCacheStats = { hits: 0, stored: 0, bytesWritten: 0 };

  /** Prunes the facts cache if this server wrote to it since the last call (after an index run). */
  async pruneFactsCache(): Promise<void> {
    const dir = this.background.factsCacheDir;
    const written = this.background.cacheStats.bytesWritten + this.interactive.cacheStats.bytesWritten + this.moduleCacheStats.bytesWritten;
    const fresh = written - this.prunedAfter;
    this.prunedAfter = written;
    if (dir !== undefined) await noteWrites(dir, fresh);
  }

  private prunedAfter = 0;

  get analysisContext(): AnalysisContext {
    return this.context;
  }

  /** The build dir's exports and header declarations, once loaded. */
  get kernelLinkTables(): KernelLinkTables | undefined {
    return this.loadedTables;
  }

  private watched(uri: string, facts: Promise<FileFacts>): Promise<FileFacts> {
    this.retryIfTransient(uri, facts);
    return facts;
  }

  /** Calls `listener` with a file whose failed analysis is due for another try (re-check it). */
  onRetryDue(listener: (uri: string) => void): void {
    this.retryListeners.push(listener);
  }

  /**
   * Watches an analysis: a transient failure (a worker crash, a timeout) is forgotten after a
   * backoff (RETRY_DELAYS_MS) and the listeners re-check the file; a success resets the count.
   */
  private retryIfTransient(uri: string, facts: Promise<FileFacts>): void {
    void facts.then((result) => {
      const entry = this.retries.get(uri);
      if (!result.transient) {
        if (entry && !entry.timer) this.retries.delete(uri);
        return;
      }
      const attempts = entry?.attempts ?? 0;
      if (entry?.timer || attempts >= RETRY_DELAYS_MS.length) return;
      const timer = setTimeout(() => {
        this.retries.set(uri, { attempts: attempts + 1 });
        this.cache.delete(uri);
        this.openDocuments.delete(uri);
        this.includedOnDisk.clear();
        this.sharedGeneration++;
        for (const listener of this.retryListeners) listener(uri);
      }, RETRY_DELAYS_MS[attempts]);
      timer.unref();
      this.retries.set(uri, { attempts, timer });
    });
  }

  /** Calls `listener` whenever a build dir's link tables finish loading (findings may change). */
  onKernelTablesLoaded(listener: () => void): void {
    this.tablesListeners.push(listener);
  }

  /** Why entries of kmod.kernelBuildDirs are left out (not build dirs), for the user. */
  unusableKernelDirs: string[] = [];

  private loadOtherKernels(kdirs: readonly string[]): void {
    const wanted = kdirs.filter((kdir) => kdir && kdir !== this.options.kdir);
    this.unusableKernelDirs = wanted.filter((kdir) => !isUsableKernelDir(kdir)).map((kdir) => unusableKernelDirText(kdir));
    const kernels: OtherKernel[] = wanted
      .filter((kdir) => isUsableKernelDir(kdir))
      .map((kdir) => ({
        kdir,
        label: kernelVersionOf(kdir) ?? path.basename(kdir),
        context: resolveContext({ kdir }),
        loaded: Promise.resolve(),
      }));
    this.otherKernels = kernels;
    for (const kernel of kernels) {
      kernel.loaded = loadKernelLinkTables(kernel.kdir, this.headersFromCache)
        .catch(() => undefined)
        .then((tables) => {
          if (!this.otherKernels.includes(kernel)) return;
          kernel.tables = tables;
          kernel.settled = true;
          this.forgetAnalyses({ factsStand: true });
          for (const listener of this.tablesListeners) listener();
        });
    }
  }

  /** The module's findings on the configured kernel and on every other one (findings on only some say which). */
  private async findingsOf(
    units: readonly TranslationUnit[],
    module: KbuildModule | undefined,
    tables: KernelLinkTables | undefined,
  ): Promise<Finding[]> {
    // A kernel whose tables still load would seem to lack every link finding the others make
    // ("only on" the others): with several kernels, linking is checked once all of them can be.
    const linkReady = this.otherKernels.length === 0 || (!this.tablesLoading && this.otherKernels.every((kernel) => kernel.settled));
    const options = await this.checkOptions(module, linkReady ? tables : undefined);
    const prepared = options.link && prepareLinking(units, options.link);
    if (prepared) await prepared;
    const findings = checkModule(units, options);
    if (this.otherKernels.length === 0) return findings;
    const primary = this.options.kdir ? (kernelVersionOf(this.options.kdir) ?? path.basename(this.options.kdir)) : this.context.profile.id;
    const runs = [{ label: primary, findings }];
    for (const kernel of this.otherKernels) {
      const link = linkReady && module && kernel.tables ? await this.linkEnvironment(module, kernel.tables) : undefined;
      runs.push({ label: kernel.label, findings: checkModule(units, { ...options, profile: kernel.context.profile, link }) });
    }
    return mergeKernelFindings(runs);
  }

  /** A build dir's header declarations, through the header tables' cache beside the facts. */
  private readonly headersFromCache = (kdir: string, config: KernelConfig): Promise<HeaderSymbols> =>
    kernelHeaderSymbols(kdir, config, this.factsCacheDir);

  /** The build dir's files the link tables were read from, as they were then (part of a module result's key). */
  private tablesStamp: unknown = null;

  private loadKernelTables(kdir: string | undefined): void {
    this.loadedTables = undefined;
    this.tablesLoading = kdir !== undefined;
    this.tablesStamp = buildDirStamp(kdir);
    this.moduleKeyContext = undefined;
    this.kernelTables = kdir ? loadKernelLinkTables(kdir, this.headersFromCache).catch(() => undefined) : Promise.resolve(undefined);
    void this.kernelTables.then((tables) => {
      if (this.options.kdir !== kdir) return;
      this.tablesLoading = false;
      if (!tables) return;
      this.loadedTables = tables;
      this.forgetAnalyses({ factsStand: true });
      for (const listener of this.tablesListeners) listener();
    });
  }

  /** Applies settings; a bad kernel version falls back to the build dir / newest rules. */
  configure(options: AnalysisOptions): string | undefined {
    if (options.kdir !== this.options.kdir || !this.loadedTables) this.loadKernelTables(options.kdir);
    this.loadOtherKernels(options.otherKdirs ?? []);
    this.options = options;
    this.moduleKeyContext = undefined;
    this.cache.clear();
    this.includedOnDisk.clear();
    this.includes = new IncludeResolution();
    this.sharedGeneration++;
    this.openDocuments.clear();
    this.forgetAnalyses();
    try {
      this.context = resolveContext(options);
      return undefined;
    } catch (error) {
      this.context = resolveContext({ ...options, kernelVersion: undefined });
      return (error as Error).message;
    }
  }

  /**
   * Which opening of `uri` is the current one. A version number names a text only within one
   * opening: a client that closes a document and opens it again numbers its versions afresh (VS
   * Code from 1), so work begun before a close must not be taken for the same version after it.
   */
  openingOf(uri: string): number {
    return this.closings.get(uri) ?? 0;
  }

  /**
   * Facts for an open document's text (re-analyzed only when its version changes). An edit inside
   * one function body is redone here from the previous facts; anything else goes to the worker.
   * `opening` is the document's opening the caller read `version` and `text` in (default: the current one).
   */
  factsForText(uri: string, version: number, text: string, builtin = false, opening = this.openingOf(uri)): Promise<FileFacts> {
    if (opening !== this.openingOf(uri)) {
      // Asked for before the document was closed (a request that waited meanwhile): its text is no
      // opening's now, and storing it would answer for the same version number of the next opening.
      // Nothing is kept; the file as it is now stands in.
      const file = filePathOf(uri);
      return (file && this.openOrDisk(file, builtin)) || Promise.resolve(unanalyzableFacts(uri, 'the document was closed'));
    }
    // Kept, these facts would stand for the file on disk in its module's analyses, and never be current.
    if (this.closedDocuments.has(uri)) return Promise.reject(new DocumentClosedError(uri));
    const stamp = `v${version}`;
    this.openText.set(uri, text);
    const cached = this.cache.get(uri);
    if (cached?.stamp === stamp) return cached.facts;
    const filePath = filePathOf(uri) ?? uri;
    const options = { ...this.context.extract, builtin };
    const inFull = (known?: KnownChange): Promise<EditableFacts> => {
      // A huge or slow file gets a worker of its own: it cannot keep the other open files waiting.
      const heavy = text.length > HEAVY_FILE_BYTES || this.heavyUris.has(uri);
      const started = performance.now();
      return (heavy ? this.heavy : this.interactive).analyzeOpen(uri, filePath, options, text, known).then((result) => {
        if (!heavy && performance.now() - started > HEAVY_FILE_MS) {
          this.heavyUris.add(uri);
          this.interactive.forget(uri);
        }
        return result;
      });
    };
    const previous = this.openDocuments.get(uri);
    // Where the text changed is looked for once, for the edit inside a body and for the worker.
    const afterEdit = (last: EditableFacts): Promise<EditableFacts> | EditableFacts => {
      const span = last.text === text ? undefined : changedSpan(last.text, text);
      return editWithinBody(last, text, options, span) ?? inFull(span && { from: last.text, facts: last.facts, span });
    };
    const editable = previous?.builtin === builtin ? previous.editable.then(afterEdit, () => inFull()) : inFull();
    this.openDocuments.set(uri, { builtin, editable });
    const facts = editable.then((result) => {
      this.editorTexts.set(result.facts, { opening, version });
      return result.facts;
    });
    this.cache.set(uri, { stamp, facts });
    this.retryIfTransient(uri, facts);
    return facts;
  }

  /** Facts for a file on disk, cached by modification time. */
  factsForFile(filePath: string, builtin = false): Promise<FileFacts> | undefined {
    const { stamp, uri } = this.diskStamp(filePath);
    if (stamp === undefined) return undefined;
    const cached = this.cache.get(uri);
    if (cached && (cached.stamp === stamp || cached.stamp.startsWith('v'))) return cached.facts;
    const facts = this.interactive.analyze(uri, filePath, { ...this.context.extract, builtin });
    this.cache.set(uri, { stamp, facts });
    this.retryIfTransient(uri, facts);
    return facts;
  }

  /** Size and time of each file of the open documents' modules, as last read. */
  private readonly diskStamps = new Map<string, { stamp: string | undefined; uri: string; at: number }>();

  /**
   * `m<mtime>:<size>` of a file on disk (undefined when it cannot be read), read again once
   * DISK_STAMP_MS old: the analysis after each key need not stat every file of a large module.
   * The file watcher's events and closing a document forget them at once.
   */
  private diskStamp(filePath: string): { stamp: string | undefined; uri: string } {
    const now = performance.now();
    const known = this.diskStamps.get(filePath);
    if (known && now - known.at < DISK_STAMP_MS) return known;
    let stamp: string | undefined;
    try {
      const stat = fs.statSync(filePath);
      stamp = `m${stat.mtimeMs}:${stat.size}`;
    } catch {
      stamp = undefined;
    }
    if (this.diskStamps.size >= MAX_DISK_STAMPS) this.diskStamps.clear();
    const entry = { stamp, uri: known?.uri ?? fileUri(filePath), at: now };
    this.diskStamps.set(filePath, entry);
    return entry;
  }

  /** Files changed on disk (the watcher said so): read their size and time again. */
  diskChanged(): void {
    this.diskStamps.clear();
  }

  /** The editor opened `uri` (again): its texts are taken from now on. */
  opened(uri: string): void {
    this.closedDocuments.delete(uri);
  }

  /** Forget an open document's text: its facts come from disk again, until it is opened again. */
  close(uri: string): void {
    this.closedDocuments.add(uri);
    this.diskChanged();
    this.lastUnits.delete(uri);
    this.closings.set(uri, this.openingOf(uri) + 1);
    this.cache.delete(uri);
    this.openDocuments.delete(uri);
    this.openText.delete(uri);
    this.lastAnalysis.delete(uri);
    this.readable.delete(uri);
    this.analysesUnderWay.delete(uri);
    this.analysisMs.delete(uri);
    this.interactive.forget(uri);
    this.heavy.forget(uri);
    this.heavyUris.delete(uri);
    // With no document open for a while, the editor's worker goes too (its memory with it).
    if (this.openDocuments.size === 0) {
      clearTimeout(this.retireTimer);
      this.retireTimer = setTimeout(() => {
        if (this.openDocuments.size > 0) return;
        this.interactive.retireIdle();
        this.heavy.retireIdle();
        releaseGarbage();
        // Once more after the background workers have retired and the index's last work is garbage.
        setTimeout(releaseGarbage, BACKGROUND_IDLE_MS + 1000).unref();
      }, INTERACTIVE_IDLE_MS);
      this.retireTimer.unref();
    }
  }

  private retireTimer: NodeJS.Timeout | undefined;

  /**
   * The background index is done: what it remembered for the next module (where includes lead,
   * link environments, shared headers' facts) is let go, and made again when something asks.
   */
  indexEnded(): void {
    this.includes = new IncludeResolution();
    this.linkEnvironments = new WeakMap();
    this.includedOnDisk.clear();
    this.sharedGeneration++;
  }

  /** Files were created, removed or renamed: includes may lead elsewhere now. */
  filesMoved(): void {
    this.diskChanged();
    this.includes = new IncludeResolution();
    this.sharedGeneration++;
    this.forgetAnalyses();
    this.linkEnvironments = new WeakMap();
  }

  /** Link environments per build dir's tables and module (they stat the module's files): made once, not per keystroke. */
  private linkEnvironments = new WeakMap<KernelLinkTables, Map<string, Promise<LinkEnvironment | undefined>>>();

  private linkEnvironment(module: KbuildModule, tables: KernelLinkTables): Promise<LinkEnvironment | undefined> {
    let forTables = this.linkEnvironments.get(tables);
    if (!forTables) this.linkEnvironments.set(tables, (forTables = new Map()));
    const key = `${module.declaredIn}\n${module.name}\n${module.sources.join('\n')}`;
    let environment = forTables.get(key);
    if (!environment) forTables.set(key, (environment = moduleLinkEnvironment(module, tables)));
    return environment;
  }

  /**
   * The index learnt vmlinux's symbols: built-in modules' findings may change. Their facts stand,
   * and a loadable module's analysis does not read vmlinux at all: a hover while the index ends
   * need not wait for the open module to be checked again.
   */
  setVmlinux(table: VmlinuxTable): void {
    this.vmlinux = table;
    this.forgetAnalyses({ factsStand: true, builtinOnly: true });
  }

  /** How long the last analysis of an open document's module took (ms), for pacing re-analyses while typing. */
  lastAnalysisMs(uri: string): number | undefined {
    return this.analysisMs.get(uri);
  }

  /**
   * Which editor text (the opening and version of its document) `facts` were made from; undefined
   * for facts of a file read from disk. Facts kept for an unchanged text are of its latest version.
   */
  editorTextOf(facts: FileFacts): { opening: number; version: number } | undefined {
    return this.editorTexts.get(facts);
  }

  private readonly editorTexts = new WeakMap<FileFacts, { opening: number; version: number }>();

  /** Whether the editor has `uri` open (from its first analysis until close; settings changes keep it). */
  isOpen(uri: string): boolean {
    return this.openText.has(uri);
  }

  /** The units of `module`, with facts from `factsOf` (open text or disk) for sources and includes. */
  private async unitsOf(
    module: KbuildModule,
    factsOf: (file: string, mentions?: readonly string[]) => Promise<FileFacts> | undefined,
  ): Promise<{ units: TranslationUnit[]; files: FileFacts[] }> {
    const load = async (file: string, mentions?: readonly string[]): Promise<FileFacts | undefined> => factsOf(file, mentions);
    const sources = module.sources.filter((source) => this.diskStamp(source).stamp !== undefined);
    const sourceFacts = await Promise.all(sources.map((source) => load(source)));
    return translationUnits({ ...module, sources }, sourceFacts, load, this.includes);
  }

  /** Options of the checker for `module`; link checks use `tables` (none until they are loaded). */
  private async checkOptions(module: KbuildModule | undefined, tables: KernelLinkTables | undefined): Promise<CheckOptions> {
    return {
      profile: this.context.profile,
      extraWarn: this.options.extraWarn,
      builtin: module?.builtin ?? false,
      disabledCodes: new Set(this.options.disabledCodes ?? []),
      vmlinux: this.vmlinux,
      link: module && tables ? await this.linkEnvironment(module, tables) : undefined,
      textOf: (uri) => this.openText.get(uri) ?? readText(uri),
    };
  }

  /**
   * Findings of a module read from disk by the background index. Open files contribute their
   * editor text; nothing is cached, so memory stays bounded on a whole kernel tree.
   */
  private async analyzeModuleOnDisk(module: KbuildModule): Promise<{ files: FileFacts[]; units: TranslationUnit[]; findings: Finding[] }> {
    const options = { ...this.context.extract, builtin: module.builtin };
    const sources = new Set(module.sources);
    const { units, files } = await this.unitsOf(module, (file, mentions) => {
      const uri = fileUri(file);
      const open = this.cache.get(uri);
      if (open?.stamp.startsWith('v')) return open.facts;
      if (sources.has(file)) return this.watched(uri, this.background.analyze(uri, file, options));
      if (mentions) return this.watched(uri, this.background.analyze(uri, file, { ...options, included: { mentions } }));
      // Headers many modules include are analyzed once per version of the file.
      return this.includedOnDisk.forFile(file, module.builtin, () =>
        this.watched(uri, this.background.analyze(uri, file, { ...options, included: true as const })),
      ) as Promise<FileFacts> | undefined;
    });
    // The background index can wait for the build dirs' tables; an open file is not kept waiting for them.
    const tables = await this.kernelTables;
    await Promise.all(this.otherKernels.map((kernel) => kernel.loaded));
    return { files, units, findings: await this.findingsOf(units, module, tables) };
  }

  /**
   * The background index's view of a module read from disk: from the module results cache when
   * none of the files it depends on changed (`hashes`: the files as they are in this pass; none:
   * check it anyway), else checked, and stored when it can be.
   */
  async moduleResultOnDisk(module: KbuildModule, hashes?: ContentHashes): Promise<ModuleResult> {
    // Looked up without waiting for the build dir's tables: a result stored with them is named by what they are read from.
    const key = this.moduleCacheKey(module);
    if (key !== undefined && hashes && this.moduleCache) {
      const open = new Set([...this.openText.keys()].map(filePathOf));
      const cached = await this.moduleCache.get(key, hashes, (file) => open.has(file));
      if (cached) {
        this.moduleCacheStats.hits++;
        return cached;
      }
    }
    const onWorker = await this.checkOnWorker(module);
    if (onWorker) {
      if (onWorker.storedBytes > 0) this.moduleCacheStats.stored++;
      this.moduleCacheStats.bytesWritten += onWorker.storedBytes;
      return onWorker.result;
    }
    const open = await this.openDocumentAnalysis(module);
    const { files, units, findings } = open ?? (await this.analyzeModuleOnDisk(module));
    const result = moduleResultOf(module, files, units, findings);
    // Stored when checked with the build dir's tables, and only if nothing else it depends on changed meanwhile (settings).
    if (key !== undefined && this.moduleCache && (await this.checkedWithTables()) && key === this.moduleCacheKey(module)) {
      const deps = await moduleDependencies(
        module,
        files,
        (facts) => this.background.contentOf(facts),
        this.includes,
        hashes ?? new ContentHashes(),
      );
      const written = deps ? await this.moduleCache.put(key, result, deps) : 0;
      if (written > 0) this.moduleCacheStats.stored++;
      this.moduleCacheStats.bytesWritten += written;
    }
    return result;
  }

  /**
   * The module checked whole on a background worker (module-job.ts), which sends back only its
   * result: this thread then holds no facts of it, and is free for the editor meanwhile. Undefined
   * when it is checked here: with several kernels or vmlinux's table (the workers hold neither),
   * with one of its files open (the editor's text counts), or when the worker declined.
   */
  private async checkOnWorker(module: KbuildModule): Promise<CheckedModule | undefined> {
    if (this.otherKernels.length > 0 || (module.builtin && this.vmlinux)) return undefined;
    const tables = await this.kernelTables;
    const open = [...this.openText.keys()].flatMap((uri) => filePathOf(uri) ?? []);
    if (module.sources.some((source) => open.includes(source))) return undefined;
    // The key and the settings the worker checks with are read together: the result it stores is that key's.
    const key = this.moduleCacheKey(module);
    const store =
      key !== undefined && this.moduleCache && (!this.options.kdir || tables)
        ? { dir: this.moduleCache.dir, code: this.moduleCache.code, key }
        : undefined;
    const outcome = await this.background.checkModule({
      module,
      store,
      extract: this.context.extract,
      version: this.context.version,
      extraWarn: this.options.extraWarn,
      disabledCodes: [...(this.options.disabledCodes ?? [])],
      tables: tables && this.tablesOnWorkers(tables),
      open,
      generation: this.sharedGeneration,
      cacheDir: this.background.factsCacheDir,
    });
    if (!('checked' in outcome)) return undefined;
    this.checkedOnWorkers++;
    return outcome.checked;
  }

  /** Modules the background workers checked whole (for the bench and tests). */
  checkedOnWorkers = 0;

  /** What the background workers remember between modules (where includes lead, headers' facts) is dropped when this changes. */
  private sharedGeneration = 0;

  /** The link tables the background workers hold, and the id module jobs name them by. */
  private workerTables: { tables: KernelLinkTables; id: number } | undefined;

  private tablesOnWorkers(tables: KernelLinkTables): number | undefined {
    // The tables are the configured build dir's (configure loads them again when it changes).
    const kdir = this.options.kdir;
    if (!kdir) return undefined;
    if (this.workerTables?.tables !== tables) {
      this.workerTables = { tables, id: (this.workerTables?.id ?? 0) + 1 };
      this.background.setLinkTables({ id: this.workerTables.id, kdir, headers: tables.headers.parts });
    }
    return this.workerTables.id;
  }

  /**
   * The last analysis of an open source of `module`, when it is of the same module (and, while
   * nothing changed, the one the editor's diagnostics came from: not made again for the index).
   */
  private async openDocumentAnalysis(module: KbuildModule): Promise<ModuleAnalysis | undefined> {
    if (!module.sources.some((source) => this.openText.has(fileUri(source)))) return undefined;
    // As the index's own check: with the build dirs' tables.
    await this.kernelTables;
    await Promise.all(this.otherKernels.map((kernel) => kernel.loaded));
    for (const source of module.sources) {
      const uri = fileUri(source);
      const text = this.openText.get(uri);
      const stamp = this.cache.get(uri)?.stamp;
      if (text === undefined || !stamp?.startsWith('v')) continue;
      const analysis = await this.analyzeModule(uri, Number(stamp.slice(1)), text);
      const same =
        analysis.module.declaredIn === module.declaredIn &&
        analysis.module.name === module.name &&
        analysis.module.sources.join('\n') === module.sources.join('\n');
      return same ? analysis : undefined;
    }
    return undefined;
  }

  /** Whether modules are checked with the build dir's link tables (none configured, or they loaded). */
  private async checkedWithTables(): Promise<boolean> {
    return !this.options.kdir || (await this.kernelTables) !== undefined;
  }

  /**
   * The name of a module's result in the cache, from everything it depends on besides its files;
   * undefined when it cannot be cached: checked against more kernels (whose tables load in their
   * own time), or a built-in module once the index knows vmlinux (its findings depend on all the others).
   */
  private moduleCacheKey(module: KbuildModule): string | undefined {
    if (!this.moduleCache || this.otherKernels.length > 0 || (module.builtin && this.vmlinux)) return undefined;
    this.moduleKeyContext ??= canonicalJson({
      profile: this.context.profile.id,
      extract: this.context.extract,
      extraWarn: this.options.extraWarn ?? false,
      disabledCodes: [...(this.options.disabledCodes ?? [])].sort(),
      kernel: this.tablesStamp,
    });
    return this.moduleCache.key(module, this.moduleKeyContext);
  }

  /** What every module's cache key shares (settings, the build dir's tables), made again when they change. */
  private moduleKeyContext: string | undefined;

  /**
   * The module a file is compiled in: the one whose Kbuild lists it, else one whose units include
   * it (a header, or a .c file that is only included), looked for in the file's directory and its
   * parent; else the file alone.
   */
  private async hostModule(file: string): Promise<KbuildModule> {
    const own = moduleOfFile(file);
    if (own.declaredIn) return own;
    const uri = fileUri(file);
    const dir = path.dirname(file);
    const candidates = [...modulesInDir(dir), ...modulesInDir(path.dirname(dir))];
    for (const candidate of candidates) {
      const { units } = await this.unitsOf(candidate, (source) => this.openOrDisk(source, candidate.builtin));
      if (units.some((unit) => unit.files.some((facts) => facts.uri === uri))) return candidate;
    }
    return own;
  }

  /** An open file's facts (its editor text), else the file's on disk. */
  private openOrDisk(file: string, builtin: boolean): Promise<FileFacts> | undefined {
    return this.factsNow(fileUri(file), builtin, file);
  }

  /**
   * openOrDisk by the URI a file's facts have (asked for every file of the module after each key:
   * no URL made or parsed); `filePath` when the caller has it.
   */
  private factsNow(uri: string, builtin: boolean, filePath?: string): Promise<FileFacts> | undefined {
    const open = this.cache.get(uri);
    return open?.stamp.startsWith('v') ? open.facts : this.factsForFile(filePath ?? this.pathOfUri(uri), builtin);
  }

  /** The file path of a module file's URI, worked out once. */
  private pathOfUri(uri: string): string {
    let filePath = this.filePaths.get(uri);
    if (filePath === undefined) {
      if (this.filePaths.size >= MAX_DISK_STAMPS) this.filePaths.clear();
      this.filePaths.set(uri, (filePath = filePathOf(uri) ?? uri));
    }
    return filePath;
  }

  /** The file path of each module file's URI, once worked out. */
  private readonly filePaths = new Map<string, string>();

  /** The units of each open document's last analysis, and the facts of its own text they hold. */
  private readonly lastUnits = new Map<string, { moduleKey: string; own: FileFacts; units: TranslationUnit[]; files: FileFacts[] }>();

  /**
   * The units of `module` with the open document `uri`'s facts. Most edits include nothing new:
   * while the document's includes and every other file are what they were, the last units are kept
   * with the new facts in place of the old (no include walk per keystroke).
   */
  private async moduleUnits(
    uri: string,
    module: KbuildModule,
    ownPath: string,
    own: Promise<FileFacts>,
    builtin: boolean,
  ): Promise<{ units: TranslationUnit[]; files: FileFacts[] }> {
    const moduleKey = `${module.declaredIn}\n${module.name}\n${module.builtin}\n${module.sources.join('\n')}`;
    const last = this.lastUnits.get(uri);
    const facts = await own;
    const previous = last?.own;
    // Units follow includes alone here (a deferred header's facts are the same whatever they mention).
    if (
      last &&
      previous &&
      last.moduleKey === moduleKey &&
      sameStrings(facts.includes, previous.includes) &&
      facts.deferred === previous.deferred
    ) {
      const others = last.files.filter((file) => file !== previous);
      const now = await Promise.all(others.map((file) => this.factsNow(file.uri, builtin)));
      if (now.every((file, i) => file === others[i])) {
        const swap = (file: FileFacts): FileFacts => (file === previous ? facts : file);
        const units = last.units.map((unit) => ({ uri: unit.uri, files: unit.files.map(swap) }));
        const files = last.files.map(swap);
        this.lastUnits.set(uri, { moduleKey, own: facts, units, files });
        return copyOf({ units, files });
      }
    }
    const result = await this.unitsOf(module, (file) => (file === ownPath ? own : this.openOrDisk(file, builtin)));
    this.lastUnits.set(uri, { moduleKey, own: facts, ...copyOf(result) });
    return result;
  }

  /**
   * Every module analysis is out of date: what it depends on besides the files changed. With
   * `factsStand` (a build dir's link tables arrived) they only lack findings: requests that read
   * the module's facts may still read the last analyses meanwhile (see analysisToRead), and the
   * next analysis takes the last units. With `builtinOnly`, only built-in modules' analyses are out of date.
   */
  private forgetAnalyses({ factsStand = false, builtinOnly = false } = {}): void {
    // Units follow facts and includes: tables that arrive leave them as they were.
    if (!factsStand) this.lastUnits.clear();
    if (builtinOnly) {
      for (const [uri, last] of this.lastAnalysis) if (last.result.module.builtin) this.lastAnalysis.delete(uri);
    } else this.lastAnalysis.clear();
    if (!factsStand) this.readable.clear();
    this.epoch++;
  }

  /** The last analysis finished of each open document's text, while its facts stand. */
  private readonly readable = new Map<string, { opening: number; version: number; text: string; result: ModuleAnalysis }>();

  /**
   * The module analysis a request that reads facts (a hover, go to definition) takes: the last one
   * of this very text while a newer one is under way only because link tables arrived (they add
   * findings, not symbols), else analyzeModule's. A hover does not wait for the module to be
   * checked again with the tables.
   */
  analysisToRead(uri: string, version: number, text: string): Promise<ModuleAnalysis> {
    const done = this.readable.get(uri);
    if (done && done.opening === this.openingOf(uri) && done.version === version && done.text === text) return Promise.resolve(done.result);
    return this.analyzeModule(uri, version, text);
  }

  /**
   * Findings of the module containing `uri`, whose own facts come from its open text. Asked for
   * the same text while its analysis is under way (the publisher, and the outline and code actions
   * that waited for the end of a burst of keys), the answer is that analysis, not one more.
   */
  analyzeModule(uri: string, version: number, text: string): Promise<ModuleAnalysis> {
    if (this.closedDocuments.has(uri)) return Promise.reject(new DocumentClosedError(uri));
    const opening = this.openingOf(uri);
    const underWay = this.analysesUnderWay.get(uri);
    if (underWay && underWay.opening === opening && underWay.version === version && underWay.epoch === this.epoch && underWay.text === text)
      return underWay.result;
    const result = this.analyzeModuleNow(uri, version, text);
    const entry = { opening, version, text, epoch: this.epoch, result };
    this.analysesUnderWay.set(uri, entry);
    const done = (): void => {
      if (this.analysesUnderWay.get(uri) === entry) this.analysesUnderWay.delete(uri);
    };
    result.then(done, done);
    return result;
  }

  private async analyzeModuleNow(uri: string, version: number, text: string): Promise<ModuleAnalysis> {
    const started = performance.now();
    const epoch = this.epoch;
    // Open from now on, before the first await: the index must not publish its view of this file meanwhile.
    this.openText.set(uri, text);
    // `version` and `text` are of this opening; the document may be closed (and opened again) before the facts are asked for.
    const opening = this.openingOf(uri);
    const ownPath = filePathOf(uri);
    const module = ownPath ? await this.hostModule(ownPath) : undefined;
    const builtin = module?.builtin ?? false;
    const own = this.factsForText(uri, version, text, builtin, opening);
    const { units, files } = module && ownPath ? await this.moduleUnits(uri, module, ownPath, own, builtin) : { units: [], files: [] };
    // A file no unit includes (a header nobody includes yet, an untitled buffer) is a unit of its own.
    if (!files.some((facts) => facts.uri === uri)) {
      const facts = await own;
      units.push({ uri, files: [facts] });
      files.unshift(facts);
    }
    // Hovers, code actions and the publisher ask for the same module state again and again:
    // reuse the last result while every input (the same facts) is unchanged.
    const last = this.lastAnalysis.get(uri);
    if (last && last.inputs.length === files.length && last.inputs.every((input, i) => input === files[i])) {
      if (epoch === this.epoch) this.readable.set(uri, { opening, version, text, result: last.result });
      return last.result;
    }
    const result: ModuleAnalysis = {
      module: module ?? { name: '', sources: [], builtin: false, declaredIn: '' },
      files,
      units,
      findings: await this.findingsOf(units, module, this.loadedTables),
    };
    this.lastAnalysis.set(uri, { inputs: files, result });
    // Only the analysis of the current epoch: one begun before settings changed is no answer to read.
    if (epoch === this.epoch) this.readable.set(uri, { opening, version, text, result });
    this.analysisMs.set(uri, performance.now() - started);
    return result;
  }

  dispose(): Promise<void> {
    for (const { timer } of this.retries.values()) clearTimeout(timer);
    clearTimeout(this.retireTimer);
    return Promise.all([this.interactive.dispose(), this.heavy.dispose(), this.background.dispose()]).then(() => undefined);
  }
}

/**
 * What identifies the build dir's link tables: its path, and the size and time of the files they
 * come from (exports, configuration, version; a headers package replaces these with the headers).
 */
function buildDirStamp(kdir: string | undefined): unknown {
  if (!kdir) return null;
  const stamp = (file: string): [number, number] | null => {
    try {
      const stat = fs.statSync(path.join(kdir, file));
      return [stat.size, stat.mtimeMs];
    } catch {
      return null;
    }
  };
  return {
    kdir,
    files: [
      'Module.symvers',
      'include/config/auto.conf',
      'include/generated/autoconf.h',
      'include/generated/utsrelease.h',
      'include/generated/uapi/linux/version.h',
    ].map(stamp),
  };
}

function sameStrings(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && a.length === b.length && a.every((item, i) => item === b[i]));
}

/** Units and files the caller may add to (a file no unit includes) without changing the ones kept. */
function copyOf({ units, files }: { units: TranslationUnit[]; files: FileFacts[] }): { units: TranslationUnit[]; files: FileFacts[] } {
  return { units: units.map((unit) => ({ ...unit, files: [...unit.files] })), files: [...files] };
}
