// Keeps FileFacts for open documents (from their text) and for their module siblings (from disk),
// and computes the findings of a document's whole module, as modpost would link it.

import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { editWithinBody, type EditableFacts } from '../engine/body-edit';
import { checkModule, ModuleSymbols } from '../engine/check';
import { FactsPool } from '../engine/facts-pool';
import { moduleOfFile, type KbuildModule } from '../engine/kbuild';
import { fileUri, resolveContext, type AnalysisContext, type AnalysisOptions } from '../engine/project';
import type { FileFacts, Finding } from '../engine/types';
import type { VmlinuxTable } from '../engine/vmlinux';

interface CachedFacts {
  /** Document version for open files, mtime for files read from disk. */
  stamp: string;
  facts: Promise<FileFacts>;
}

export interface ModuleAnalysis {
  module: KbuildModule;
  files: FileFacts[];
  findings: Finding[];
}

const isFileUri = (uri: string): boolean => uri.startsWith('file:');

/** Background workers left idle this long are stopped (the index re-checks changes rarely). */
const BACKGROUND_IDLE_MS = 30_000;

const symbolTables = new WeakMap<ModuleAnalysis, ModuleSymbols>();

/** The name lookup of an analysed module, built once per analysis (hovers ask again and again). */
export function symbolsOf(analysis: ModuleAnalysis): ModuleSymbols {
  let symbols = symbolTables.get(analysis);
  if (!symbols) symbolTables.set(analysis, (symbols = new ModuleSymbols(analysis.files)));
  return symbols;
}

/** The newest analysis of an open document, which the next edit starts from. */
interface OpenDocument {
  builtin: boolean;
  editable: Promise<EditableFacts>;
}

export class AnalysisService {
  private readonly cache = new Map<string, CachedFacts>();
  private readonly openDocuments = new Map<string, OpenDocument>();
  private readonly lastAnalysis = new Map<string, { inputs: Promise<FileFacts>[]; result: Promise<ModuleAnalysis> }>();
  private options: AnalysisOptions = {};
  private context: AnalysisContext = resolveContext({});
  /** One worker kept for open files, so they never wait behind the background index. */
  private readonly interactive = new FactsPool({ size: 1, onIdle: () => this.background.resume() });
  /** What the background index learnt about built-in objects, for checks across vmlinux. */
  private vmlinux: VmlinuxTable | undefined;
  /**
   * Workers for the background index: every core while it runs, none a while after (a parse
   * worker's WASM memory only grows: up to ~100 MB each after a kernel tree). They start no new
   * file while an open document's module is being analysed, so it gets the cores.
   */
  private readonly background = new FactsPool({ idleMs: BACKGROUND_IDLE_MS, holdWhile: () => this.interactive.pending > 0 });

  get analysisContext(): AnalysisContext {
    return this.context;
  }

  /** Applies settings; a bad kernel version falls back to the build dir / newest rules. */
  configure(options: AnalysisOptions): string | undefined {
    this.options = options;
    this.cache.clear();
    this.openDocuments.clear();
    this.lastAnalysis.clear();
    try {
      this.context = resolveContext(options);
      return undefined;
    } catch (error) {
      this.context = resolveContext({ ...options, kernelVersion: undefined });
      return (error as Error).message;
    }
  }

  /**
   * Facts for an open document's text (re-analysed only when its version changes). An edit inside
   * one function body is redone here from the previous facts; anything else goes to the worker.
   */
  factsForText(uri: string, version: number, text: string, builtin = false): Promise<FileFacts> {
    const stamp = `v${version}`;
    const cached = this.cache.get(uri);
    if (cached?.stamp === stamp) return cached.facts;
    const filePath = isFileUri(uri) ? fileURLToPath(uri) : uri;
    const options = { ...this.context.extract, builtin };
    const inFull = (): Promise<EditableFacts> => this.interactive.analyzeOpen(uri, filePath, options, text);
    const previous = this.openDocuments.get(uri);
    const editable = previous?.builtin === builtin
      ? previous.editable.then((last) => editWithinBody(last, text, options) ?? inFull(), inFull)
      : inFull();
    this.openDocuments.set(uri, { builtin, editable });
    const facts = editable.then((result) => result.facts);
    this.cache.set(uri, { stamp, facts });
    return facts;
  }

  /** Facts for a file on disk, cached by modification time. */
  factsForFile(filePath: string, builtin = false): Promise<FileFacts> | undefined {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(filePath);
    } catch {
      return undefined;
    }
    const uri = fileUri(filePath);
    const stamp = `m${stat.mtimeMs}:${stat.size}`;
    const cached = this.cache.get(uri);
    if (cached && (cached.stamp === stamp || cached.stamp.startsWith('v'))) return cached.facts;
    const facts = this.interactive.analyze(uri, filePath, { ...this.context.extract, builtin });
    this.cache.set(uri, { stamp, facts });
    return facts;
  }

  /** Forget an open document's text: its facts come from disk again. */
  close(uri: string): void {
    this.cache.delete(uri);
    this.openDocuments.delete(uri);
    this.lastAnalysis.delete(uri);
    this.interactive.forget(uri);
  }

  moduleOf(uri: string): KbuildModule | undefined {
    return isFileUri(uri) ? moduleOfFile(fileURLToPath(uri)) : undefined;
  }

  setVmlinux(table: VmlinuxTable): void {
    this.vmlinux = table;
    this.lastAnalysis.clear();
  }

  /** Whether `uri` is open in the editor (its facts come from its text). */
  isOpen(uri: string): boolean {
    return this.cache.get(uri)?.stamp.startsWith('v') ?? false;
  }

  /**
   * Findings of a module read from disk by the background index. Open files contribute their
   * editor text; nothing is cached, so memory stays bounded on a whole kernel tree.
   */
  async analyzeModuleOnDisk(module: KbuildModule): Promise<{ files: FileFacts[]; findings: Finding[] }> {
    const files = await Promise.all(module.sources.filter((source) => fs.existsSync(source)).map((source) => {
      const uri = fileUri(source);
      const open = this.cache.get(uri);
      return open?.stamp.startsWith('v') ? open.facts : this.background.analyze(uri, source, { ...this.context.extract, builtin: module.builtin });
    }));
    const findings = checkModule(files, {
      profile: this.context.profile,
      extraWarn: this.options.extraWarn,
      builtin: module.builtin,
      disabledCodes: new Set(this.options.disabledCodes ?? []),
        vmlinux: this.vmlinux,
    });
    return { files, findings };
  }

  /** Findings of the module containing `uri`, whose own facts come from its open text. */
  async analyzeModule(uri: string, version: number, text: string): Promise<ModuleAnalysis> {
    const module = this.moduleOf(uri);
    const own = this.factsForText(uri, version, text, module?.builtin ?? false);
    const siblings = (module?.sources ?? [])
      .map((source) => fileUri(source))
      .filter((siblingUri) => siblingUri !== uri)
      .map((siblingUri) => {
        const open = this.cache.get(siblingUri);
        return open?.stamp.startsWith('v') ? open.facts : this.factsForFile(fileURLToPath(siblingUri), module?.builtin ?? false);
      })
      .filter((facts): facts is Promise<FileFacts> => facts !== undefined);
    // Hovers, code actions and the publisher ask for the same module state again and again:
    // reuse the last result while every input (the same facts promises) is unchanged.
    const inputs = [own, ...siblings];
    const last = this.lastAnalysis.get(uri);
    if (last && last.inputs.length === inputs.length && last.inputs.every((input, i) => input === inputs[i])) return last.result;
    const result = Promise.all(inputs).then((files) => ({
      module: module ?? { name: '', sources: [], builtin: false, declaredIn: '' },
      files,
      findings: checkModule(files, {
        profile: this.context.profile,
        extraWarn: this.options.extraWarn,
        builtin: module?.builtin ?? false,
        disabledCodes: new Set(this.options.disabledCodes ?? []),
        vmlinux: this.vmlinux,
      }),
    }));
    this.lastAnalysis.set(uri, { inputs, result });
    return result;
  }

  dispose(): Promise<void> {
    return Promise.all([this.interactive.dispose(), this.background.dispose()]).then(() => undefined);
  }
}
