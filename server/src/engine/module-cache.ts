// Results of whole modules read from disk, so that reopening a kernel tree checks again only the
// modules whose files changed. An entry is named by a hash of the module as Kbuild describes it and
// of everything its check depends on besides its files (the analyzer's and checker's code, the
// rules, the configuration, the build dir's tables). It lists the files the check read, each with
// a hash of its content, and the include paths that did not exist then; it is used only while every
// one of them is as it was. Entries share the facts cache's directory, sealing and pruning.

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { readTextFile } from '../../../shared/src/safe-read';
import { isFindingCode, type Severity } from '../knowledge/finding-codes';
import type { Finding } from '../model/types';
import { MAX_ANALYZED_BYTES } from './analyze-file';
import { canonicalJson, contentHash, EntryStore, isRange, isRecord, isStrings, openEntry, sealEntryAsync } from './facts-cache';
import type { VmlinuxContribution } from './vmlinux';
import { includeCandidates, type IncludeResolution } from './units';
import type { KbuildModule } from '../../../shared/src/kbuild';
import type { FileFacts } from '../model/types';
import { filePathOf } from '../model/uris';

/** Bump when the entry layout or the meaning of a module result changes. */
const MODULE_CACHE_FORMAT = 1;

const MAGIC = Buffer.from('KMMODUL1', 'latin1');

/** What the background index keeps of a checked module. */
export interface ModuleResult {
  /** Every file the check read (sources first, then what they include), and why one could not be analyzed. */
  files: { uri: string; unanalyzable?: string }[];
  /** URIs of the files the module's units include (not their own sources). */
  included: string[];
  findings: Finding[];
  /** What a built-in module brings to vmlinux's checks. */
  vmlinux?: VmlinuxContribution;
}

/**
 * A path the result depends on: the hash of its content (null: the path was no regular file),
 * and the file's status when it was read, which vouches for the content while it stays the same.
 */
export type Dependency = [path: string, hash: string | null, stamp?: string];

/** Which content of a file was read: its hash, and the status that vouches for it (see fileStamp). */
export interface FileContent {
  hash: string;
  stamp?: string;
}

/** A file changed this recently may change again within its time stamp's tick: its content is checked, not its status. */
const RACY_MS = 2000;

/**
 * What a file's status says of its content, taken before reading it: device, inode, size, and the
 * modification and change times (a write moves both; only the first can be set back). Undefined
 * for a file changed in the last moments, which the next check reads again (as git does).
 */
export function fileStamp(stat: fs.Stats, now = Date.now()): string | undefined {
  if (now - Math.max(stat.mtimeMs, stat.ctimeMs) < RACY_MS) return undefined;
  return `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}`;
}

/**
 * Files as they are now, for one pass over the workspace (a file may change between passes): each
 * file's status is looked at once, and its content read only when the status does not vouch for it.
 */
export class ContentHashes {
  /** `now`: the clock that decides whether a file changed too recently for its status to vouch for it. */
  constructor(private readonly now: () => number = Date.now) {}

  private readonly stats = new Map<string, fs.Stats | null>();
  private readonly hashes = new Map<string, Promise<string | null>>();

  /** Whether every path is still what its dependency recorded. */
  async allMatch(dependencies: readonly Dependency[]): Promise<boolean> {
    // By status first, with no promise per file: most files are vouched for by it, and one that
    // is not decides alone when it is gone or has appeared.
    const toRead: Dependency[] = [];
    for (const dependency of dependencies) {
      const [file, hash, stamp] = dependency;
      const stat = this.statOf(file);
      if (hash === null || stat === null) {
        if (hash !== null || stat !== null) return false;
      } else if (stamp === undefined || stamp !== fileStamp(stat, this.now())) toRead.push(dependency);
    }
    if (toRead.length === 0) return true;
    const hashes = await Promise.all(toRead.map(([file]) => this.hashOf(file)));
    return toRead.every(([, hash], i) => hashes[i] === hash);
  }

  /** The dependency on `file` as it is now (its status taken before its content is read). */
  async dependency(file: string): Promise<Dependency> {
    const stat = this.statOf(file);
    if (stat === null) return [file, null];
    const hash = await this.hashOf(file);
    const stamp = fileStamp(stat, this.now());
    return hash === null ? [file, null] : stamp === undefined ? [file, hash] : [file, hash, stamp];
  }

  private statOf(file: string): fs.Stats | null {
    let stat = this.stats.get(file);
    if (stat === undefined) {
      const found = fs.statSync(file, { throwIfNoEntry: false });
      stat = found?.isFile() ? found : null;
      this.stats.set(file, stat);
    }
    return stat;
  }

  private hashOf(file: string): Promise<string | null> {
    let hash = this.hashes.get(file);
    if (!hash) {
      hash = readTextFile(file, MAX_ANALYZED_BYTES).then(contentHash, () => null);
      this.hashes.set(file, hash);
    }
    return hash;
  }
}

/** The module results in one cache directory. Never throws: a cache that cannot be read or written is a miss. */
export class ModuleResultCache {
  private readonly store: EntryStore;

  /** `code`: who makes the results (the analyzer's and checker's code, as a hash). */
  constructor(
    readonly dir: string,
    readonly code: string,
  ) {
    this.store = new EntryStore(dir);
  }

  /**
   * The entry's name for a module and everything besides its files that its result depends on
   * (`context`: the same for every module of a pass, written out once).
   */
  key(module: unknown, context: string): string {
    return crypto
      .createHash('sha256')
      .update(`kmod-module ${MODULE_CACHE_FORMAT}\n${this.code}\n${context}\n${canonicalJson(module)}`)
      .digest('hex');
  }

  /**
   * The result stored under `key` if every file it depends on is as it was and none is open in the
   * editor (`isOpen`, by path: open files are checked with their editor text); a bad entry is removed.
   */
  async get(key: string, hashes: ContentHashes, isOpen: (file: string) => boolean): Promise<ModuleResult | undefined> {
    const bytes = this.store.read(key);
    if (bytes === 'miss') return undefined;
    const entry = bytes === 'bad' ? undefined : decodeModuleEntry(key, bytes);
    if (!entry) {
      this.store.drop(key);
      return undefined;
    }
    if (entry.deps.some(([file]) => isOpen(file))) return undefined;
    return (await hashes.allMatch(entry.deps)) ? entry.result : undefined;
  }

  /** Stores a result and what it depends on; the bytes written. Compression and writing happen off the caller's thread. */
  async put(key: string, result: ModuleResult, deps: readonly Dependency[]): Promise<number> {
    try {
      const body = Buffer.from(JSON.stringify({ deps, ...result }), 'utf8');
      return await this.store.writeAsync(key, await sealEntryAsync(MAGIC, key, body));
    } catch {
      return 0;
    }
  }
}

/** The result and dependencies of an entry, or undefined when the bytes are not a sound entry of `key`. */
export function decodeModuleEntry(key: string, bytes: Buffer): { result: ModuleResult; deps: Dependency[] } | undefined {
  const body = openEntry(MAGIC, key, bytes);
  if (!body) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isRecord(parsed)) return undefined;
  const { deps, files, included, findings, vmlinux } = parsed;
  if (!Array.isArray(deps) || !deps.every(isDependency)) return undefined;
  if (!Array.isArray(files) || !files.every(isFileRecord) || !isStrings(included)) return undefined;
  if (!Array.isArray(findings) || !findings.every(isFinding)) return undefined;
  if (vmlinux !== undefined && !isContribution(vmlinux)) return undefined;
  return { result: { files, included, findings, ...(vmlinux ? { vmlinux } : {}) }, deps };
}

const isDependency = (value: unknown): value is Dependency =>
  Array.isArray(value) &&
  (value.length === 2 || (value.length === 3 && typeof value[2] === 'string')) &&
  typeof value[0] === 'string' &&
  (value[1] === null || typeof value[1] === 'string');

const isFileRecord = (value: unknown): value is ModuleResult['files'][number] =>
  isRecord(value) && typeof value.uri === 'string' && (value.unanalyzable === undefined || typeof value.unanalyzable === 'string');

const isSymbolSection = (value: unknown): boolean =>
  value === null || (isRecord(value) && typeof value.symbol === 'string' && typeof value.section === 'string');

const SEVERITIES: ReadonlySet<unknown> = new Set<Severity>(['error', 'warning', 'information', 'hint']);

function isFinding(value: unknown): value is Finding {
  if (!isRecord(value)) return false;
  const { uri, range, severity, code, message, from, to, related, modpost, edit } = value;
  return (
    typeof uri === 'string' &&
    isRange(range) &&
    SEVERITIES.has(severity) &&
    isFindingCode(code) &&
    typeof message === 'string' &&
    isSymbolSection(from) &&
    isSymbolSection(to) &&
    (related === undefined ||
      (Array.isArray(related) &&
        related.every((r) => isRecord(r) && typeof r.uri === 'string' && isRange(r.range) && typeof r.message === 'string'))) &&
    (modpost === undefined || typeof modpost === 'string') &&
    (edit === undefined ||
      (isRecord(edit) &&
        typeof edit.title === 'string' &&
        typeof edit.uri === 'string' &&
        isRange(edit.range) &&
        typeof edit.newText === 'string'))
  );
}

function isContribution(value: unknown): value is VmlinuxContribution {
  if (!isRecord(value) || !isStrings(value.unresolved) || !Array.isArray(value.definitions)) return false;
  return value.definitions.every(
    (d) =>
      isRecord(d) &&
      typeof d.name === 'string' &&
      (d.arch === undefined || typeof d.arch === 'string') &&
      (d.transient === undefined ||
        (isRecord(d.transient) &&
          typeof d.transient.name === 'string' &&
          typeof d.transient.section === 'string' &&
          typeof d.transient.uri === 'string' &&
          isRange(d.transient.nameRange))),
  );
}

/**
 * What a module's result depends on: each file read (`files`), by the hash of the text it was
 * checked with (`contentOf`), and every path an include or a source was looked for at and not
 * found (a header that appears there changes the units). Undefined when a file's content is not
 * known (an editor's text).
 */
export async function moduleDependencies(
  module: KbuildModule,
  files: readonly FileFacts[],
  contentOf: (facts: FileFacts) => FileContent | undefined,
  includes: IncludeResolution,
  hashes: ContentHashes,
): Promise<Dependency[] | undefined> {
  const deps = new Map<string, Dependency>();
  for (const facts of files) {
    const file = filePathOf(facts.uri);
    const content = contentOf(facts);
    if (!file || !content) return undefined;
    deps.set(file, content.stamp === undefined ? [file, content.hash] : [file, content.hash, content.stamp]);
  }
  for (const source of module.sources) if (!deps.has(source)) deps.set(source, [source, null]);
  // The Kbuild that declares it (which says whether it has sibling modules) and other modules' exports it links with.
  const outside: string[] = [module.declaredIn, ...(module.extraSymbols ?? [])].filter(Boolean);
  const includeDirs = module.includeDirs ?? [];
  for (const facts of files) {
    const from = filePathOf(facts.uri);
    if (!from) continue;
    for (const name of facts.includes ?? []) {
      const target = includes.resolve(name, from, includeDirs);
      for (const candidate of includeCandidates(name, from, includeDirs)) {
        if (candidate === target) break;
        if (!deps.has(candidate)) deps.set(candidate, [candidate, null]);
      }
      // A file the units leave out (a kernel header, one that could not be analyzed) still decides where the search ends.
      if (target && !deps.has(target)) outside.push(target);
    }
  }
  for (const dependency of await Promise.all([...new Set(outside)].map((file) => hashes.dependency(file))))
    deps.set(dependency[0], dependency);
  return [...deps.values()];
}
