// The background index: every C file of the workspace, module by module, in the background
// worker pool with LSP progress, so the Problems panel shows findings in files nobody opened.
// Open files never wait for it (they have their own worker), and a changed file re-checks only
// its module. Only findings are kept per file, not facts or trees.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { filePathOf } from '../model/uris';
import { showMessage } from './show-message';
import type { Connection, Diagnostic } from 'vscode-languageserver';
import { cSourcesIn, findCSources, groupIntoModules } from '../engine/project';
import { includedInWorker, planIndexInWorker } from '../engine/index-plan';
import { moduleOfFile, modulesInDir, type KbuildModule } from '../../../shared/src/kbuild';
import { isKbuildOutput } from '../../../shared/src/kbuild-outputs';
import { toDiagnostic, unanalyzableDiagnostic } from '../features/diagnostics';
import { unitOrder } from '../engine/units';
import { ContentHashes } from '../engine/module-cache';
import { VmlinuxTable } from '../engine/vmlinux';
import type { AnalysisService } from '../analysis/analysis-service';
import { requestTurn } from '../engine/request-turn';

export interface IndexSettings {
  enabled: boolean;
  /** Directory names never indexed (from files.exclude and kmod.index.exclude). */
  excludedDirs: ReadonlySet<string>;
  maxFiles: number;
}

export interface IndexStatus {
  files: number;
  modules: number;
  findings: number;
  seconds: number;
  /** Modules whose result came from the module results cache (nothing they depend on changed). */
  cachedModules: number;
}

/** Most frequent progress report while the percentage stands still. */
const PROGRESS_INTERVAL_MS = 500;

/** Files whose change re-checks modules; other paths may be folders. */
const SOURCE_OR_KBUILD = /\.[ch]$|(^|\/)(Kbuild|Makefile)$/;

/** The longest the index works on without letting other work in (ms). */
const PAUSE_EVERY_MS = 5;

/** Watcher events this close together are handled as one burst. */
const COALESCE_MS = 50;

export class WorkspaceIndex {
  /**
   * The diagnostics published for each file, per module that reported them: a header included by
   * several modules shows what each of them found (and a module's re-check replaces only its own).
   */
  private readonly published = new Map<string, Map<string, Diagnostic[]>>();
  /** .c files no Kbuild lists that a checked unit includes: checked inside their includer only. */
  private readonly included = new Set<string>();
  private generation = 0;

  constructor(
    private readonly connection: Connection,
    private readonly service: AnalysisService,
  ) {}

  /** (Re)indexes the folders; a newer call cancels an older run at its next module. */
  async run(folders: readonly string[], settings: IndexSettings): Promise<IndexStatus | undefined> {
    const generation = ++this.generation;
    this.settings = settings;
    if (!settings.enabled || folders.length === 0) return undefined;
    this.folders = [...folders];
    const started = Date.now();
    const hitsBefore = this.service.moduleCacheStats.hits;
    const progress = await this.connection.window.createWorkDoneProgress();
    progress.begin('Kernel Module Tools: indexing', 0, 'looking for C files and their Kbuild files', true);
    const plan = await planIndexInWorker({ folders, excludedDirs: [...settings.excludedDirs], maxFiles: settings.maxFiles });
    if (generation !== this.generation) {
      progress.done();
      return undefined;
    }
    for (const error of plan.errors) this.connection.console.warn(`kmod-lsp: index: ${error}`);
    if (plan.found > settings.maxFiles)
      showMessage(
        this.connection,
        'info',
        `Kernel Module Tools: indexing the first ${settings.maxFiles} of ${plan.found} C files (setting kmod.index.maxFiles).`,
      );
    const { files, modules } = plan;
    const { listed, unlisted, includedUnlisted } = unitOrder(modules, includedInWorker);
    this.included.clear();
    const vmlinux = new VmlinuxTable();
    const hashes = new ContentHashes();
    progress.report(0, `${files.length} C files`);
    let done = 0,
      findings = 0,
      cancelled = false;
    progress.token.onCancellationRequested(() => {
      cancelled = true;
    });
    // A file counts once, though a module also lists sources outside the folders or shared with
    // another module; a report goes out when the percentage moves, or twice a second at most.
    const uncounted = new Set(files);
    let reportedPercent = -1,
      reportedAt = 0;
    const report = (final = false): void => {
      const percent = Math.min(100, Math.floor((100 * done) / Math.max(1, files.length)));
      if (!final && percent === reportedPercent && Date.now() - reportedAt < PROGRESS_INTERVAL_MS) return;
      reportedPercent = percent;
      reportedAt = Date.now();
      progress.report(percent, `${done}/${files.length} files`);
    };
    for (const batch of [listed, unlisted]) {
      if (batch === unlisted) (await includedUnlisted).forEach((uri) => this.included.add(uri));
      let next = 0;
      // Enough modules in flight to keep every background worker busy.
      const lanes = Array.from({ length: Math.min(batch.length, 16) }, async () => {
        while (next < batch.length && generation === this.generation && !cancelled) {
          const module = batch[next++];
          // Not `findings += await …`: that reads the sum before the wait, and the other lanes add meanwhile.
          const found = await this.checkModule(module, vmlinux, hashes);
          findings += found;
          for (const source of module.sources) if (uncounted.delete(source)) done++;
          report();
          await this.pause();
        }
      });
      await Promise.all(lanes);
    }
    if (generation === this.generation && !cancelled) report(true);
    if (generation === this.generation && !cancelled) {
      // Built-in objects using other built-in objects' init/exit symbols: again, across vmlinux.
      const recheck = vmlinux.modulesToRecheck();
      vmlinux.keepLookupsOnly();
      this.service.setVmlinux(vmlinux);
      for (const module of recheck) await this.checkModule(module);
    }
    progress.done();
    if (generation !== this.generation || cancelled) return undefined;
    this.service.indexEnded();
    return {
      files: files.length,
      modules: modules.length,
      findings,
      seconds: (Date.now() - started) / 1000,
      cachedModules: this.service.moduleCacheStats.hits - hitsBefore,
    };
  }

  private lastPause = performance.now();

  /**
   * Lets the editor's requests in. Modules taken from the module results cache finish without
   * waiting for anything but promises, and a loop of those would hold the thread for seconds.
   */
  private async pause(): Promise<void> {
    if (performance.now() - this.lastPause < PAUSE_EVERY_MS) return;
    await requestTurn();
    this.lastPause = performance.now();
  }

  /**
   * Re-checks the modules of changed files (from the file watcher). Events are coalesced: a burst
   * (a branch switch, a build touching Makefiles) is one pass over the distinct modules it touches.
   * Resolves when the pass that covers these files is done.
   */
  filesChanged(uris: readonly string[]): Promise<void> {
    uris.forEach((uri) => this.changedFiles.add(uri));
    this.changePass ??= this.recheckChanged().finally(() => {
      this.changePass = undefined;
    });
    return this.changePass;
  }

  private readonly changedFiles = new Set<string>();
  private changePass: Promise<void> | undefined;

  private async recheckChanged(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, COALESCE_MS));
    while (this.changedFiles.size > 0) {
      const batch = [...this.changedFiles];
      this.changedFiles.clear();
      await this.recheck(batch);
    }
  }

  private async recheck(uris: readonly string[]): Promise<void> {
    const seen = new Set<string>();
    const check = async (modules: readonly KbuildModule[]): Promise<void> => {
      for (const module of modules) {
        const key = module.sources.join('\0');
        if (seen.has(key)) continue;
        seen.add(key);
        await this.checkModule(module);
      }
    };
    const gone = new Set<string>();
    for (const uri of uris) {
      const file = filePathOf(uri);
      if (!file) continue;
      if (SOURCE_OR_KBUILD.test(file)) {
        // A header is part of the units that include it: re-check the modules beside it.
        await check(file.endsWith('.c') ? [moduleOfFile(file)] : groupIntoModules(cSourcesIn(path.dirname(file))));
        if (/\.[ch]$/.test(file)) this.clearIfGone(uri);
        continue;
      }
      // Build products, git's bookkeeping and hidden folders (never indexed either) change nothing.
      if (isKbuildOutput(path.basename(file)) || path.basename(file).startsWith('.') || /\/(?:\.git|node_modules)\//.test(file)) continue;
      // Anything else may be a folder: the watcher reports a deleted or moved folder as one event
      // for the folder, not one per file in it.
      let stat: fs.Stats | undefined;
      try {
        stat = fs.statSync(file);
      } catch {
        stat = undefined;
      }
      if (!stat) {
        gone.add(file);
        // A Kbuild beside a removed folder may have listed sources in it (`obj-m += sub/x.o`).
        await check(modulesInDir(path.dirname(file)).filter((module) => module.sources.some((source) => isInside(source, file))));
      } else if (stat.isDirectory() && this.settings.enabled && !this.settings.excludedDirs.has(path.basename(file))) {
        const errors: string[] = [];
        const sources = findCSources(file, errors, this.settings.excludedDirs);
        for (const error of errors) this.connection.console.warn(`kmod-lsp: index: ${error}`);
        await check(groupIntoModules(sources.slice(0, this.settings.maxFiles)));
      }
    }
    if (gone.size > 0) this.forgetUnder(gone);
  }

  /** Drops what was published for files inside removed folders (one pass over the published files). */
  private forgetUnder(folders: ReadonlySet<string>): void {
    for (const uri of [...this.published.keys()]) {
      const file = filePathOf(uri);
      if (!file) continue;
      for (let dir = path.dirname(file); dir !== path.dirname(dir); dir = path.dirname(dir)) {
        if (!folders.has(dir)) continue;
        if (!this.service.isOpen(uri) && !fs.existsSync(file)) {
          this.published.delete(uri);
          this.included.delete(uri);
          void this.connection.sendDiagnostics({ uri, diagnostics: [] });
        }
        break;
      }
    }
  }

  /** Publishes a closed file's index diagnostics again (the editor's were cleared on close). */
  async fileClosed(uri: string): Promise<void> {
    const file = filePathOf(uri);
    if (file) await this.checkModule(moduleOfFile(file));
  }

  /** The workspace folders being indexed: sources a Kbuild names outside them are not read. */
  private folders: string[] = [];

  /** The settings of the last run, for folders that appear later. */
  private settings: IndexSettings = { enabled: true, excludedDirs: new Set(), maxFiles: Number.MAX_SAFE_INTEGER };

  /** The module as far as it lies in the workspace (a Kbuild may name `../../x.o` or `/tmp/y.o`). */
  private withinFolders(module: KbuildModule): KbuildModule {
    const inside = (file: string) =>
      this.folders.some((folder) => {
        const relative = path.relative(folder, file);
        return !relative.startsWith('..') && !path.isAbsolute(relative);
      });
    if (this.folders.length === 0 || module.sources.every(inside)) return module;
    return { ...module, sources: module.sources.filter(inside), partial: true };
  }

  /**
   * Checks a module and publishes its findings. `hashes`: the files as they are in this pass, for
   * taking the result from the module results cache when none changed (a re-check after a change
   * checks anyway); `collect` gathers what built-in modules bring to vmlinux.
   */
  private async checkModule(whole: KbuildModule, collect?: VmlinuxTable, hashes?: ContentHashes): Promise<number> {
    const module = this.withinFolders(whole);
    if (module.sources.length === 0) return 0;
    if (!module.declaredIn && module.sources.length === 1 && this.included.has(pathToFileURL(module.sources[0]).href)) return 0;
    const { files, included, findings, vmlinux } = await this.service.moduleResultOnDisk(module, hashes);
    included.forEach((uri) => this.included.add(uri));
    if (vmlinux) collect?.addContribution(module, vmlinux);
    const key = module.declaredIn ? `${module.declaredIn}:${module.name}` : module.sources[0];
    const perUri = new Map<string, Diagnostic[]>();
    for (const file of files) perUri.set(file.uri, file.unanalyzable ? [unanalyzableDiagnostic(file.unanalyzable)] : []);
    for (const finding of findings) perUri.get(finding.uri)?.push(toDiagnostic(finding));
    for (const [uri, diagnostics] of perUri) {
      if (this.service.isOpen(uri)) continue; // the editor's own publisher owns open files
      const byModule = this.published.get(uri);
      if (diagnostics.length === 0 && !byModule?.has(key)) continue;
      const next = new Map(byModule);
      if (diagnostics.length > 0) next.set(key, diagnostics);
      else next.delete(key);
      if (next.size > 0) this.published.set(uri, next);
      else this.published.delete(uri);
      void this.connection.sendDiagnostics({ uri, diagnostics: uniqueDiagnostics([...next.values()].flat()) });
    }
    return findings.length;
  }

  private clearIfGone(uri: string): void {
    if (!this.published.has(uri)) return;
    const file = filePathOf(uri);
    if (!file || fs.existsSync(file)) return;
    this.published.delete(uri);
    void this.connection.sendDiagnostics({ uri, diagnostics: [] });
  }
}

/** Whether `file` lies inside the folder `dir`. */
function isInside(file: string, dir: string): boolean {
  const relative = path.relative(dir, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

/** The same diagnostic found through two modules (a shared header) is shown once. */
function uniqueDiagnostics(diagnostics: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    const key = `${d.range.start.line}:${d.range.start.character}\n${String(d.code)}\n${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
