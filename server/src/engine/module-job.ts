// A module checked whole on a parse worker, for the background index: the worker reads and
// analyzes the module's files (through the facts cache), makes its units and checks them, and only
// what the index keeps (findings, the files it read, what it brings to vmlinux) crosses back. The
// server's thread then holds no facts of files nobody opened, and spends no time on them.

import * as fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { Parser } from 'web-tree-sitter';
import type { KbuildModule } from '../../../shared/src/kbuild';
import { FileReadError, readTextFileSync } from '../../../shared/src/safe-read';
import { profileFor, type KernelVersion } from '../knowledge/modpost-rules';
import type { FileFacts, Finding } from '../model/types';
import type { ExtractOptions } from '../parsing/extract';
import { analyzeFile, MAX_ANALYZED_BYTES, readText, unanalyzableFacts } from './analyze-file';
import { checkModule } from './check';
import { contentHash, type FactsCache } from './facts-cache';
import type { CacheStats } from './facts-cache';
import { HeaderSymbols, type HeaderSymbolsParts } from './header-symbols';
import { loadKernelLinkTables, moduleLinkEnvironment, type KernelLinkTables } from './link-checks';
import { ContentHashes, fileStamp, moduleDependencies, ModuleResultCache, type FileContent, type ModuleResult } from './module-cache';
import { IncludedFactsCache, includedUris, IncludeResolution, translationUnits, type TranslationUnit } from './units';
import { vmlinuxContribution } from './vmlinux';
import { unpackFacts, packFacts } from './wire';

/** A build dir's link tables for the workers: the header scan is sent, the rest each worker reads. */
export interface LinkTablesMessage {
  linkTables: { id: number; kdir: string; headers: HeaderSymbolsParts };
}

/** What a worker is asked to check. */
export interface ModuleJob {
  module: KbuildModule;
  extract: Omit<ExtractOptions, 'builtin'>;
  /** The rules' kernel version (none: the newest rules). */
  version?: KernelVersion;
  extraWarn?: boolean;
  disabledCodes: string[];
  /** The link tables (LinkTablesMessage) to check with; none: no link checks. */
  tables?: number;
  /** Files open in the editor: their text is the editor's, so a module that reads one is declined. */
  open: string[];
  /** What the worker remembers between modules (where includes lead, shared headers' facts) is dropped when this changes. */
  generation: number;
  /** The facts cache to read and store files' facts in. */
  cacheDir?: string;
  /** Where to store the result (the module results cache, in the facts cache's directory), under which key. */
  store?: { dir: string; code: string; key: string };
}

export interface ModuleRequest {
  id: number;
  job: ModuleJob;
}

/** The module's result for the index, and the bytes stored of it (0: not stored). */
export interface CheckedModule {
  result: ModuleResult;
  storedBytes: number;
}

/** Checked, or declined: the server's thread checks it itself (an open file, a failed file, tables not here). */
export type ModuleOutcome = { checked: CheckedModule } | { declined: string };

/** A module job's answer: its outcome, and what it did with the facts cache meanwhile. */
export interface ModuleAnswer {
  outcome: ModuleOutcome;
  facts: CacheStats;
}

export type ModuleResponse = ({ id: number } & ModuleAnswer) | { id: number; error: string; fatal: boolean };

/** A file's facts and the content they were made from (for the module results cache). */
interface DiskFacts {
  facts: FileFacts;
  content?: FileContent;
}

/** Header facts a worker keeps between modules (the server kept 1024 for two workers). */
const SHARED_HEADERS = 512;

export class ModuleChecker {
  private generation = -1;
  private includes = new IncludeResolution();
  private headers = new IncludedFactsCache(SHARED_HEADERS);
  private hashes = new ContentHashes();
  private contents = new WeakMap<FileFacts, FileContent>();
  private tables: { id: number; tables: Promise<KernelLinkTables | undefined> } | undefined;
  /** The parser, once made. */
  private ready: Parser | undefined;

  constructor(
    private readonly parser: () => Promise<Parser>,
    private readonly cacheFor: (dir: string) => FactsCache,
  ) {}

  setLinkTables({ id, kdir, headers }: LinkTablesMessage['linkTables']): void {
    const scanned = HeaderSymbols.fromParts(headers);
    this.tables = { id, tables: loadKernelLinkTables(kdir, () => Promise.resolve(scanned)).catch(() => undefined) };
  }

  async check(job: ModuleJob): Promise<ModuleAnswer> {
    const facts: CacheStats = { hits: 0, stored: 0, corrupt: 0, bytesWritten: 0 };
    return { outcome: await this.checkCounting(job, facts), facts };
  }

  private async checkCounting(job: ModuleJob, stats: CacheStats): Promise<ModuleOutcome> {
    if (job.generation !== this.generation) {
      this.generation = job.generation;
      this.includes = new IncludeResolution();
      this.headers = new IncludedFactsCache(SHARED_HEADERS);
      this.hashes = new ContentHashes();
      this.contents = new WeakMap();
    }
    if (job.tables !== undefined && this.tables?.id !== job.tables) return { declined: 'the link tables are not here' };
    const { module } = job;
    const open = new Set(job.open);
    const options: ExtractOptions = { ...job.extract, builtin: module.builtin };
    let declined: string | undefined;
    const factsOf = async (file: string, extra: Partial<ExtractOptions> = {}): Promise<FileFacts | undefined> => {
      const { facts, content } = await this.factsOnDisk(file, { ...options, ...extra }, job.cacheDir, stats);
      if (facts.transient) declined ??= `${file}: ${facts.unanalyzable ?? 'a passing failure'}`;
      if (content) this.contents.set(facts, content);
      return facts;
    };
    const sources = module.sources.filter((source) => fs.existsSync(source));
    const sourceFacts = await Promise.all(sources.map((source) => factsOf(source)));
    const { units, files } = await translationUnits(
      { ...module, sources },
      sourceFacts,
      (file, mentions) => {
        if (open.has(file)) declined ??= `${file} is open in the editor`;
        if (mentions) return factsOf(file, { included: { mentions } });
        return this.headers.forFile(file, module.builtin, () => factsOf(file, { included: true })) ?? Promise.resolve(undefined);
      },
      this.includes,
    );
    if (declined) return { declined };
    const tables = job.tables === undefined ? undefined : await this.tables?.tables;
    // The server has the tables: a check without them would miss every link finding.
    if (job.tables !== undefined && !tables) return { declined: 'the link tables could not be read here' };
    const findings: Finding[] = checkModule(units, {
      profile: profileFor(job.version),
      extraWarn: job.extraWarn,
      builtin: module.builtin,
      disabledCodes: new Set(job.disabledCodes),
      link: tables && (await moduleLinkEnvironment(module, tables)),
      textOf: readText,
    });
    const result = moduleResultOf(module, files, units, findings);
    // Stored here: compressing and writing it would otherwise take the server's thread.
    const deps =
      job.store && job.cacheDir !== undefined
        ? await moduleDependencies(module, files, (facts) => this.contents.get(facts), this.includes, this.hashes)
        : undefined;
    const storedBytes = job.store && deps ? await this.resultsCache(job.store).put(job.store.key, result, deps) : 0;
    return { checked: { result, storedBytes } };
  }

  private readonly resultsCaches = new Map<string, ModuleResultCache>();

  private resultsCache({ dir, code }: { dir: string; code: string }): ModuleResultCache {
    const name = `${dir}\n${code}`;
    let cache = this.resultsCaches.get(name);
    if (!cache) this.resultsCaches.set(name, (cache = new ModuleResultCache(dir, code)));
    return cache;
  }

  /** A file's facts from the facts cache, else analyzed here (and stored). */
  private async factsOnDisk(file: string, options: ExtractOptions, cacheDir: string | undefined, stats: CacheStats): Promise<DiskFacts> {
    // A module's files are all asked for at once: each is read only once nothing stands between
    // reading and analyzing it, so one text is held at a time, not the module's (megabytes of
    // register headers).
    const parser = this.ready ?? (this.ready = await this.parser());
    const uri = pathToFileURL(file).href;
    const read = readSource(file);
    if ('notAnalyzed' in read)
      return { facts: unanalyzableFacts(uri, read.tooLarge ? read.notAnalyzed : `could not analyze: ${read.notAnalyzed}`) };
    const { text, stamp } = read;
    if (cacheDir === undefined) return { facts: analyzeFile(parser, uri, text, options) };
    const hash = contentHash(text);
    const content: FileContent = { hash, stamp };
    const cache = this.cacheFor(cacheDir);
    const key = cache.key(options, hash);
    const found = cache.get(key, uri);
    if (typeof found === 'object') {
      stats.hits++;
      return { facts: unpackFacts(found.wire), content };
    }
    if (found === 'corrupt') stats.corrupt++;
    const facts = analyzeFile(parser, uri, text, options);
    const written = facts.unanalyzable || facts.transient ? 0 : cache.put(key, packFacts(facts).wire);
    if (written > 0) stats.stored++;
    stats.bytesWritten += written;
    return { facts, content };
  }
}

/** What the index keeps of a checked module: its findings, the files it read, what it brings to vmlinux. */
export function moduleResultOf(
  module: KbuildModule,
  files: readonly FileFacts[],
  units: readonly TranslationUnit[],
  findings: Finding[],
): ModuleResult {
  const contribution = vmlinuxContribution(module, units);
  return {
    files: files.map(({ uri, unanalyzable }) => (unanalyzable === undefined ? { uri } : { uri, unanalyzable })),
    included: [...includedUris(units)],
    findings,
    ...(contribution ? { vmlinux: contribution } : {}),
  };
}

/**
 * A file's text as the analyzer reads it, and its status stamp (module-cache.ts); or why not: only
 * regular files, never more than the analyzer takes (a source named by a Kbuild may be a FIFO or a
 * link to /dev/zero).
 */
export function readSource(file: string): { text: string; stamp?: string } | { notAnalyzed: string; tooLarge: boolean } {
  let stamp: string | undefined;
  try {
    const text = readTextFileSync(file, MAX_ANALYZED_BYTES, (stat) => (stamp = fileStamp(stat)));
    return { text, stamp };
  } catch (error) {
    if (error instanceof FileReadError && error.reason === 'too-large')
      return { notAnalyzed: `files over ${MAX_ANALYZED_BYTES / 1048576} MB are not analyzed`, tooLarge: true };
    return { notAnalyzed: (error as Error).message, tooLarge: false };
  }
}
