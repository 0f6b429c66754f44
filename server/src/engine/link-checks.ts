// modpost's link checks, before the build: what a loadable module uses from the kernel must be
// exported to it (undefined symbols), to its licence (GPL-only symbols) and to its namespaces
// (MODULE_IMPORT_NS); it needs a MODULE_LICENSE, may need a MODULE_DESCRIPTION, and may only export
// what it defines and the kernel does not. Each finding says what modpost of the configured
// version will print.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { FINDING_CODES, type FindingCode } from '../knowledge/finding-codes';
import { GPL_COMPATIBLE_LICENSES, linkMessage, MODULE_NAME_LEN, UNEXPORTED_ALTERNATIVES, type LinkCheck } from '../knowledge/module-link';
import { moduleMacro } from '../knowledge/module-macros';
import type { RuleProfile } from '../knowledge/modpost-rules';
import type { FileFacts, Finding, MacroUse, Range, Reference, SymbolDef } from '../model/types';
import { kernelTreeRoot, modulesInDir, type KbuildModule } from '../../../shared/src/kbuild';
import { kernelExports, loadExports, type ExportInfo, type ExportTable } from './exports';
import type { KernelConfig } from '../knowledge/kernel-config';
import { kernelHeaderSymbols, type HeaderDeclaration, type HeaderSymbols } from './header-symbols';
import { readKernelConfig } from './kernel-info';
import { bodyEditOf, keptPrefixOf, madeByEdit, type BodyEdit } from './body-edit';
import type { TranslationUnit } from './units';
import { excludedLines, inRanges, kernelVersionCode } from '../parsing/conditionals';
import { kernelVersionOf } from '../../../shared/src/kernel-dir';
import { requestTurn } from './request-turn';

export interface LinkEnvironment {
  /** Everything the module can link against: the kernel's Module.symvers plus KBUILD_EXTRA_SYMBOLS. */
  exports: ExportTable;
  /** Exports of the kernel itself, for duplicate exports. */
  kernelExports: ExportTable;
  /** What the kernel headers declare; without it undefined symbols are not reported. */
  headers?: HeaderSymbols;
  /** The module as modpost names it, and its path without extension (`<M>/hello-3`). */
  moduleName: string;
  modulePath: string;
  /** The module is part of a kernel tree: its build dir's Module.symvers already holds its exports, and config decides whether it is a module at all. */
  inKernelTree: boolean;
  /** Every object is a C file the analyzer reads; with assembly objects, definitions can be out of its sight. */
  complete: boolean;
  /** Sources this configuration does not link in (`m-$(CONFIG_X) += a.o` with X unset): their uses link nothing. */
  unbuilt: ReadonlySet<string>;
  /** Other modules are built from the same directory (they may export what this one only declares). */
  hasSiblings: boolean;
  /** What the compiler decides `#if` with: the build dir's configuration and version code. Code they leave out links nothing. */
  compiled?: { config: KernelConfig; versionCode?: number };
}

/** What a build dir tells about linking: its exports and what its headers declare. */
export interface KernelLinkTables {
  exports: ExportTable;
  headers: HeaderSymbols;
  /** The build dir's configuration: in a kernel tree it decides which objects are modules. */
  config: KernelConfig;
  /** How the compiler decides module sources' `#if`s: the configuration and LINUX_VERSION_CODE. */
  compiled: { config: KernelConfig; versionCode?: number };
}

/**
 * The build dir's tables; undefined without a Module.symvers (a bare kernel tree, a broken build
 * dir). `headersOf`: its headers' declarations (default: scanned once per build dir).
 */
export async function loadKernelLinkTables(
  kdir: string,
  headersOf: (kdir: string, config: KernelConfig) => Promise<HeaderSymbols> = kernelHeaderSymbols,
): Promise<KernelLinkTables | undefined> {
  const exports = await kernelExports(kdir);
  if (!exports) return undefined;
  const config = await readKernelConfig(kdir);
  const version = kernelVersionOf(kdir)?.split('.').map(Number);
  const versionCode = version ? kernelVersionCode(version[0], version[1] ?? 0, version[2] ?? 0) : undefined;
  return { exports, headers: await headersOf(kdir, config), config, compiled: { config, versionCode } };
}

/** The link environment of one module of a Kbuild file (undefined for a lone file no Kbuild declares). */
export async function moduleLinkEnvironment(module: KbuildModule, kernel: KernelLinkTables): Promise<LinkEnvironment | undefined> {
  if (!module.declaredIn || module.builtin) return undefined;
  const dir = path.dirname(module.declaredIn);
  const treeRoot = kernelTreeRoot(dir);
  const inKernelTree = treeRoot !== undefined;
  // In a kernel tree, obj-$(CONFIG_X) is a module only where the configuration says m; the build
  // dir's kernel is the one configured (x86), and objects it builds in or leaves out link nothing here.
  if (inKernelTree && module.config && kernel.config.get(module.config) !== 'm') return undefined;
  if (treeRoot && /^arch\/(?!x86\/)/.test(path.relative(treeRoot, dir))) return undefined;
  const extra = await Promise.all((module.extraSymbols ?? []).map((file) => loadExports(file)));
  return {
    exports: kernel.exports.with(...extra),
    kernelExports: kernel.exports,
    headers: kernel.headers,
    moduleName: module.name,
    modulePath: path.join(dir, module.name),
    inKernelTree,
    complete: !module.partial && module.sources.every((source) => fs.existsSync(source)),
    hasSiblings: modulesInDir(dir).filter((other) => !other.builtin).length > 1,
    compiled: kernel.compiled,
    unbuilt: new Set(
      inKernelTree
        ? Object.entries(module.sourceConfigs ?? {})
            .filter(([, option]) => !['y', 'm'].includes(kernel.config.get(option) ?? ''))
            .map(([source]) => pathToFileURL(source).href)
        : [],
    ),
  };
}

interface LinkOptions {
  profile: RuleProfile;
  extraWarn?: boolean;
}

const START: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
const unquote = (literal: string): string | undefined => /^"((?:[^"\\]|\\.)*)"$/.exec(literal)?.[1];

/** Where a line of module metadata goes: after the file's last MODULE_* line, else at its end. */
function metadataLine(file: FileFacts, text: string | undefined): number {
  const lines = text?.split('\n').length ?? 1;
  const last = file.macroUses.filter((use) => use.macro.startsWith('MODULE_')).at(-1);
  return last ? last.range.start.line + 1 : Math.max(0, lines - (text?.endsWith('\n') ? 1 : 0));
}

type Compiled = LinkEnvironment['compiled'];

/** Stands for "nothing known about the compiler's view" as a cache key. */
const UNKNOWN: NonNullable<Compiled> = { config: new Map() };

/** Per file (facts are immutable) and compiler's view: the first use of each name the file does not define itself. */
const outsideUsesOf = new WeakMap<FileFacts, WeakMap<NonNullable<Compiled>, OutsideUses>>();

/** The lines of a file the compiler leaves out, by its conditionals (an edit inside a body keeps the array). */
const excludedOf = new WeakMap<NonNullable<FileFacts['conditionals']>, WeakMap<NonNullable<Compiled>, [number, number][]>>();

function excludedIn(file: FileFacts, compiled: Compiled): [number, number][] {
  if (!compiled || !file.conditionals) return [];
  // Asked for every file of the module on each keystroke: decided once per file version and kernel.
  const byView = excludedOf.get(file.conditionals) ?? new WeakMap<NonNullable<Compiled>, [number, number][]>();
  excludedOf.set(file.conditionals, byView);
  let ranges = byView.get(compiled);
  if (!ranges) byView.set(compiled, (ranges = excludedLines(file.conditionals, compiled.config, compiled.versionCode)));
  return ranges;
}

/**
 * The first use in `file` of each name it does not define, from code that is emitted: not an
 * unused static inline function of a local header (what it calls is never linked), not a `#ifdef`
 * branch the configuration leaves out. Kept per file, so an edit re-scans only the edited file's
 * references.
 */
function outsideUses(file: FileFacts, compiled: Compiled): Map<string, Reference> {
  return outsideUsesWithCounts(file, compiled).first;
}

/**
 * A file's first use of each name from outside, and how many uses of each name it has: counted
 * only for a file edited inside a body (what the next such edit updates), not for every file the
 * index reads.
 */
interface OutsideUses {
  first: Map<string, Reference>;
  counts?: UseCounts;
}

/**
 * Uses per name, as an earlier version's and the names counted again since: a key changes the
 * count of a name or two, and a copy of the thousands of names of a large file per key was a good
 * part of what an analysis inside a body allocated.
 */
interface UseCounts {
  /** Never changed: later versions share it. */
  from: ReadonlyMap<string, number>;
  /** Each name's count now, where it differs from `from` (0: no use left). */
  now: Map<string, number>;
}

/** The counts are made whole again once this many names were counted again (and at least a quarter of the file's). */
const RECOUNTED_NAMES_KEPT = 64;

/** The uses of `name` the counts say. */
const countIn = (counts: UseCounts, name: string): number => counts.now.get(name) ?? counts.from.get(name) ?? 0;

/** Counts `by` more uses of `name` (none below zero). */
function changeCount(counts: UseCounts, name: string, by: number): void {
  counts.now.set(name, Math.max(0, countIn(counts, name) + by));
}

/** `counts` as a start for the next version's: what it shares, and what it changed (made whole when that grew large). */
function countsAfter(counts: UseCounts): UseCounts {
  if (counts.now.size < Math.max(RECOUNTED_NAMES_KEPT, counts.from.size / 4)) return { from: counts.from, now: new Map(counts.now) };
  const from = new Map(counts.from);
  for (const [name, count] of counts.now) {
    if (count > 0) from.set(name, count);
    else from.delete(name);
  }
  return { from, now: new Map() };
}

function outsideUsesWithCounts(file: FileFacts, compiled: Compiled): OutsideUses {
  const byView = outsideUsesOf.get(file) ?? new WeakMap<NonNullable<Compiled>, OutsideUses>();
  outsideUsesOf.set(file, byView);
  let uses = byView.get(compiled ?? UNKNOWN);
  if (uses) return uses;
  // A file being typed in: the next key in a body needs the counts.
  uses =
    afterBodyEdit(file, compiled) ??
    afterFileScopeEdit(file, compiled) ??
    scanOutsideUses(file, ownNames(file), excludedIn(file, compiled), madeByEdit(file));
  byView.set(compiled ?? UNKNOWN, uses);
  return uses;
}

/** A symbol's references are uses from outside when it is emitted code: scanOutsideUses's test of the symbol. */
const isEmitted = (def: SymbolDef | undefined): boolean => !!def && !def.isInline && def.isDefinition;

/** Whether a reference of `file` is a use from outside it (scanOutsideUses's test, for a few references). */
function outsideUseTest(file: FileFacts, compiled: Compiled): (ref: Reference) => boolean {
  const excluded = excludedIn(file, compiled);
  const own = ownNames(file);
  return (ref) => !own.has(ref.name) && isEmitted(file.symbols[ref.fromIndex]) && !(excluded.length > 0 && inRanges(excluded, ref.line));
}

/**
 * The outside uses of a file in one pass over its references: isOutsideUse's test, with what it
 * asks of each symbol worked out once and the excluded lines followed along (the references are in
 * document order). An open file's tens of thousands of references are read again after each key at file scope.
 */
function scanOutsideUses(file: FileFacts, own: ReadonlySet<string>, excluded: readonly [number, number][], counted: boolean): OutsideUses {
  const emitted = file.symbols.map((def) => !def.isInline && def.isDefinition);
  const first = new Map<string, Reference>();
  const count = counted ? new Map<string, number>() : undefined;
  let range = 0,
    lastLine = 0;
  const anyExcluded = excluded.length > 0;
  for (const ref of file.references) {
    if (emitted[ref.fromIndex] !== true || own.has(ref.name)) continue;
    if (anyExcluded) {
      // Out of order (never, as the extractor makes them): look from the first range again.
      if (ref.line < lastLine) range = 0;
      lastLine = ref.line;
      while (range < excluded.length && excluded[range][1] <= ref.line) range++;
      if (range < excluded.length && excluded[range][0] <= ref.line) continue;
    }
    if (count) count.set(ref.name, (count.get(ref.name) ?? 0) + 1);
    if (!first.has(ref.name)) first.set(ref.name, ref);
  }
  return count ? { first, counts: { from: count, now: new Map() } } : { first };
}

/** How many of the file's references are uses from outside, per name. */
function usesPerName(file: FileFacts, compiled: Compiled): UseCounts {
  return scanOutsideUses(file, ownNames(file), excludedIn(file, compiled), true).counts ?? { from: new Map(), now: new Map() };
}

const ownNamesOf = new WeakMap<FileFacts['symbols'], ReadonlySet<string>>();

/** The names a file defines at file scope (by its symbols array: a body edit keeps it). */
function ownNames(file: FileFacts): ReadonlySet<string> {
  let own = ownNamesOf.get(file.symbols);
  if (!own) {
    own = new Set(file.symbols.filter((def) => def.isDefinition && def.localTo === undefined).map((def) => def.name));
    ownNamesOf.set(file.symbols, own);
  }
  return own;
}

/**
 * The outside uses of a file a body edit made, from its previous version's: only the body's
 * references changed, and those after it moved when it gained or lost lines. Undefined when that
 * is not enough to tell (the body held the first use of a name that is used again after it).
 */
function afterBodyEdit(file: FileFacts, compiled: Compiled): OutsideUses | undefined {
  const edit = bodyEditOf(file);
  if (!edit) return undefined;
  // The test of a reference is the same in both versions: the same symbols and conditionals, or
  // (lines added or removed) the same ones moved, none of the conditionals inside the body.
  const sameTests = edit.laterKept
    ? edit.previous.symbols === file.symbols && edit.previous.conditionals === file.conditionals
    : !edit.conditionalsInBody;
  if (!sameTests) return undefined;
  const before = outsideUsesOf.get(edit.previous)?.get(compiled ?? UNKNOWN);
  if (!before) return undefined;
  // Each version's references by its own test: lines a body lost move the #endif after it up, past
  // where its old references were.
  const removed = edit.removed.filter(outsideUseTest(edit.previous, compiled));
  const added = edit.added.filter(outsideUseTest(file, compiled));
  if (edit.laterKept && removed.length === 0 && added.length === 0) return before;
  const counted = (before.counts ??= usesPerName(edit.previous, compiled));
  // The body's references are all scanned again: most names keep their count.
  const net = new Map<string, number>();
  for (const ref of removed) net.set(ref.name, (net.get(ref.name) ?? 0) - 1);
  for (const ref of added) net.set(ref.name, (net.get(ref.name) ?? 0) + 1);
  let counts = counted;
  for (const [name, by] of net) {
    if (by === 0) continue;
    if (counts === counted) counts = countsAfter(counted);
    changeCount(counts, name, by);
  }
  // A key seldom moves a first use (the body's are where they were): then the map is the previous
  // one, and what the link checks worked out from it still holds. It is copied once one moves.
  let first = edit.laterKept ? before.first : movedUses(before.first, edit, file);
  const changed = (): Map<string, Reference> => (first === before.first ? (first = new Map(before.first)) : first);
  for (const ref of removed) {
    if (countIn(counts, ref.name) === 0) {
      if (first.has(ref.name)) changed().delete(ref.name);
    } else if (samePlace(before.first.get(ref.name), ref) && !added.some((other) => other.name === ref.name)) return undefined;
  }
  const bodyStart = edit.bodyStart;
  for (const ref of added) {
    const was = first.get(ref.name);
    // A first use before the body stays the first; one after it (or in the old body) gives way to the body's first.
    if (was && (was.line < bodyStart.line || (was.line === bodyStart.line && was.character < bodyStart.character))) continue;
    if (was && added.includes(was)) continue;
    if (!samePlace(was, ref)) changed().set(ref.name, ref);
  }
  if (!edit.laterKept || first === before.first) return { first, counts };
  const names = new Set([...removed, ...added].map((ref) => ref.name));
  for (const name of names) if (!samePlace(first.get(name), before.first.get(name))) return { first, counts };
  return { first: before.first, counts };
}

/** Whether two lists of excluded line ranges agree on the lines up to `lastLine`. */
function sameExcludedUntil(a: readonly [number, number][], b: readonly [number, number][], lastLine: number): boolean {
  for (let i = 0; ; i++) {
    const inA = i < a.length && a[i][0] <= lastLine;
    const inB = i < b.length && b[i][0] <= lastLine;
    if (!inA || !inB) return inA === inB;
    if (a[i][0] !== b[i][0] || Math.min(a[i][1], lastLine + 1) !== Math.min(b[i][1], lastLine + 1)) return false;
  }
}

/**
 * The outside uses of a file a file-scope edit made (the worker's answer of changes), from its
 * previous version's: the references before the edit are the same objects, and so is their test
 * while their symbols and the lines left out before the edit are the same. Those after the edit
 * are scanned, and the uses of names the file started or stopped defining looked at; so are the
 * counts, when the previous version had them (a body typed in before: the next body edit needs
 * them, and would count the whole file again). Undefined when the previous version's are not
 * known (or the test changed before the edit).
 */
function afterFileScopeEdit(file: FileFacts, compiled: Compiled): OutsideUses | undefined {
  const kept = keptPrefixOf(file);
  if (!kept || kept.references === 0) return undefined;
  const previous = kept.previous;
  const before = outsideUsesOf.get(previous)?.get(compiled ?? UNKNOWN);
  if (!before) return undefined;
  const lastKeptLine = previous.references[kept.references - 1].line;
  if (!sameExcludedUntil(excludedIn(previous, compiled), excludedIn(file, compiled), lastKeptLine)) return undefined;
  // A kept reference is from a symbol of the previous version, at the same index now: none may be
  // from one the edit made emitted code or took that away (a function whose body was just typed).
  const flipped = new Set<number>();
  for (let i = kept.symbols; i < previous.symbols.length; i++)
    if (isEmitted(previous.symbols[i]) !== isEmitted(file.symbols[i])) flipped.add(i);
  if (flipped.size > 0) for (let i = 0; i < kept.references; i++) if (flipped.has(previous.references[i].fromIndex)) return undefined;
  // The names the file started or stopped defining are those of the symbols after the kept ones.
  const own = ownNames(file);
  const ownBefore = ownNames(previous);
  // Copied once something changes: a key typed at the end of a file seldom does.
  let first = before.first;
  const changed = (): Map<string, Reference> => (first === before.first ? (first = new Map(before.first)) : first);
  const touched = new Set<string>();
  const counts = before.counts && countsAfter(before.counts);
  // The previous version's references after the edit are gone, with the first uses among them.
  const wasOutsideUse = counts && outsideUseTest(previous, compiled);
  for (let i = kept.references; i < previous.references.length; i++) {
    const ref = previous.references[i];
    if (counts && wasOutsideUse?.(ref)) changeCount(counts, ref.name, -1);
    if (first.get(ref.name) === ref) {
      changed().delete(ref.name);
      touched.add(ref.name);
    }
  }
  for (let i = kept.symbols; i < file.symbols.length; i++) {
    const name = file.symbols[i].name;
    if (own.has(name) && !ownBefore.has(name)) {
      // The file's own now: none of its uses is from outside.
      if (counts) changeCount(counts, name, -countIn(counts, name));
      if (first.has(name)) {
        changed().delete(name);
        touched.add(name);
      }
    }
  }
  const isOutsideUse = outsideUseTest(file, compiled);
  // A name the file no longer defines (one being typed, on every key of it): its uses before the edit count now.
  const lost = new Set<string>();
  for (let i = kept.symbols; i < previous.symbols.length; i++) {
    const name = previous.symbols[i].name;
    if (ownBefore.has(name) && !own.has(name)) lost.add(name);
  }
  if (lost.size > 0) {
    for (let i = 0; i < kept.references; i++) {
      const ref = previous.references[i];
      if (!lost.has(ref.name) || !isOutsideUse(ref)) continue;
      if (counts) changeCount(counts, ref.name, 1);
      if (!first.has(ref.name)) {
        changed().set(ref.name, ref);
        touched.add(ref.name);
      }
    }
  }
  for (let i = kept.references; i < file.references.length; i++) {
    const ref = file.references[i];
    if (!isOutsideUse(ref)) continue;
    if (counts) changeCount(counts, ref.name, 1);
    if (!first.has(ref.name)) {
      changed().set(ref.name, ref);
      touched.add(ref.name);
    }
  }
  if (first !== before.first) {
    // The previous version's own record goes: each map would otherwise keep every one before it.
    firstUsesDerived.delete(before.first);
    firstUsesDerived.set(first, { from: before.first, touched });
  }
  return counts ? { first, counts } : { first };
}

/**
 * `uses` of the file before a body edit that moved what follows the body, with each use after the
 * body replaced by the same use where it is now (the reference at the same place after the body's).
 */
function movedUses(uses: ReadonlyMap<string, Reference>, edit: BodyEdit, file: FileFacts): Map<string, Reference> {
  const moved = new Map(uses);
  const previous = edit.previous.references;
  const offset = edit.added.length - edit.removed.length;
  for (let i = edit.firstRemoved + edit.removed.length; i < previous.length; i++) {
    const ref = previous[i];
    if (uses.get(ref.name) === ref) moved.set(ref.name, file.references[i + offset]);
  }
  return moved;
}

/** The same use: a first use kept from an earlier version of the file is where the edited version's is. */
const samePlace = (a: Reference | undefined, b: Reference | undefined): boolean =>
  a === b || (!!a && !!b && a.name === b.name && a.line === b.line && a.character === b.character && a.fromIndex === b.fromIndex);

/** What one file brings to its module's link checks, in the compiler's view (macro uses it leaves out are not there). */
interface FileLinkFacts {
  /** Names the file defines at file scope (and those its macros make), statics and the others. */
  defined: string[];
  definedStatic: string[];
  definedGlobal: string[];
  /** Names it declares without defining them (extern prototypes), with their lines. */
  declared: { name: string; line: number }[];
  uses: MacroUse[];
}

/** By a file's symbols, for its macro uses and conditionals: an edit inside a body keeps all three arrays, and this. */
const linkFactsOf = new WeakMap<
  FileFacts['symbols'],
  { macroUses: MacroUse[]; conditionals: FileFacts['conditionals']; byView: WeakMap<NonNullable<Compiled>, FileLinkFacts> }
>();

/** The file's entry in linkFactsOf, when it was made from the file's macro uses and conditionals too. */
function linkFactsEntry(file: FileFacts) {
  const known = linkFactsOf.get(file.symbols);
  return known && known.macroUses === file.macroUses && known.conditionals === file.conditionals ? known : undefined;
}

function linkFacts(file: FileFacts, compiled: Compiled): FileLinkFacts {
  let known = linkFactsEntry(file);
  if (!known) {
    known = { macroUses: file.macroUses, conditionals: file.conditionals, byView: new WeakMap() };
    linkFactsOf.set(file.symbols, known);
  }
  const byView = known.byView;
  let facts = byView.get(compiled ?? UNKNOWN);
  if (facts) return facts;
  facts = { defined: [], definedStatic: [], definedGlobal: [], declared: [], uses: [] };
  for (const def of file.symbols) {
    if (!def.isDefinition && !def.isStatic && !def.isInline) facts.declared.push({ name: def.name, line: def.nameRange.start.line });
    if (!def.isDefinition || def.localTo !== undefined) continue;
    facts.defined.push(def.name);
    (def.isStatic ? facts.definedStatic : facts.definedGlobal).push(def.name);
  }
  const excluded = excludedIn(file, compiled);
  for (const use of file.macroUses) {
    if (excluded.length > 0 && inRanges(excluded, use.range.start.line)) continue;
    facts.uses.push(use);
    for (const generated of moduleMacro(use.macro)?.generates?.(use.argument) ?? []) facts.defined.push(generated.name);
  }
  byView.set(compiled ?? UNKNOWN, facts);
  return facts;
}

/** A name a file uses from outside itself that the build dir knows: exported, or declared extern by the kernel headers (and not exported). */
interface LinkedUse {
  name: string;
  ref: Reference;
  exported?: ExportInfo;
  fromHeaders?: HeaderDeclaration;
}

/** First uses made from an earlier version's (afterFileScopeEdit): that version's, and the names whose first use may differ. */
const firstUsesDerived = new WeakMap<Map<string, Reference>, { from: Map<string, Reference>; touched: ReadonlySet<string> }>();

/** By a file's first uses (a body edit that changes none of them keeps the map, and this). */
const linkedUsesOf = new WeakMap<Map<string, Reference>, WeakMap<LinkEnvironment, LinkedUse[]>>();

/**
 * The file's first uses of names the build dir's tables know, looked up once per file version and
 * environment: a large driver uses thousands of names (constants, fields, its own macros), and
 * looking each up in the kernel's tables on every keystroke cost more than the rest of the check.
 */
function linkedUses(file: FileFacts, env: LinkEnvironment): LinkedUse[] {
  const uses = outsideUses(file, env.compiled);
  const byEnv = linkedUsesOf.get(uses) ?? new WeakMap<LinkEnvironment, LinkedUse[]>();
  linkedUsesOf.set(uses, byEnv);
  const linked = byEnv.get(env);
  if (linked) return linked;
  const known = linkagesKnown(env);
  const linkedAs = (name: string, ref: Reference, into: LinkedUse[]): void => {
    let linkage = known.get(name);
    if (linkage === undefined) known.set(name, (linkage = linkageOf(name, env)));
    if (linkage) into.push({ name, ref, ...linkage });
  };
  // First uses a file-scope edit made from the previous version's: only the names it touched are looked at.
  const derived = firstUsesDerived.get(uses);
  const earlier = derived && linkedUsesOf.get(derived.from)?.get(env);
  const result = earlier ? earlier.filter((use) => !derived.touched.has(use.name)) : [];
  if (derived && earlier) {
    for (const name of derived.touched) {
      const ref = uses.get(name);
      if (ref) linkedAs(name, ref, result);
    }
  } else for (const [name, ref] of uses) linkedAs(name, ref, result);
  byEnv.set(env, result);
  return result;
}

/** Per environment, each name's export or extern declaration (null: neither, or not to be judged). */
const linkedNamesOf = new WeakMap<LinkEnvironment, Map<string, Pick<LinkedUse, 'exported' | 'fromHeaders'> | null>>();

/** What the tables say of each name asked for, kept for the module: an edited file asks again for the same names. */
function linkagesKnown(env: LinkEnvironment): Map<string, Pick<LinkedUse, 'exported' | 'fromHeaders'> | null> {
  let known = linkedNamesOf.get(env);
  if (!known) linkedNamesOf.set(env, (known = new Map()));
  return known;
}

function linkageOf(name: string, env: LinkEnvironment): Pick<LinkedUse, 'exported' | 'fromHeaders'> | null {
  const exported = env.exports.get(name);
  if (exported) return { exported };
  if (!env.complete || name.startsWith('__builtin_')) return null;
  const fromHeaders = env.headers?.mustLink(name);
  return fromHeaders ? { fromHeaders } : null;
}

/** How long prepareLinking works before it lets the event loop answer what waits (a hover). */
const PREPARE_SLICE_MS = 4;

/** Whether what checkLinking reads of `file` for `env` is worked out already. */
function linkingKnown(file: FileFacts, env: LinkEnvironment): boolean {
  const uses = outsideUsesOf.get(file)?.get(env.compiled ?? UNKNOWN);
  if (uses === undefined || linkFactsEntry(file)?.byView.get(env.compiled ?? UNKNOWN) === undefined) return false;
  return env.unbuilt.has(file.uri) || linkedUsesOf.get(uses.first)?.get(env) !== undefined;
}

/**
 * Works out, a file at a time, what checkLinking reads of the units' files (what each defines,
 * its first uses of names from outside, and what the tables say of them), letting the event loop
 * run whenever it has worked PREPARE_SLICE_MS. A module checked for the first time against tables that just loaded
 * (thousands of names to look up, in every file) then does not hold the thread for the whole
 * module; the check that follows finds it all worked out. Undefined when the work fits in one
 * slice, or when the only file to work out is one an edit made (typing): the check does it at
 * once, and no other work comes in between.
 */
export function prepareLinking(units: readonly TranslationUnit[], env: LinkEnvironment): Promise<void> | undefined {
  const files = [...new Set(units.flatMap((unit) => unit.files))].filter((file) => !linkingKnown(file, env));
  // A key typed: the check works out the edited file's at once, with nothing in between. A file
  // just opened (a module of one file checked the first time) can take tens of milliseconds: sliced.
  if (files.length === 0 || (files.length === 1 && madeByEdit(files[0]))) return undefined;
  const work = linkingWork(files, env);
  const slice = (): Promise<void> | undefined => {
    const since = performance.now();
    while (!work.next().done) if (performance.now() - since >= PREPARE_SLICE_MS) return requestTurn().then(slice);
    return undefined;
  };
  return slice();
}

/** Names looked up in the tables between two looks at the clock (a large driver's file uses thousands). */
const LOOKUPS_PER_STEP = 256;

/** prepareLinking's work in steps: each file's link facts and first uses, then its names looked up in the tables a few at a time. */
function* linkingWork(files: readonly FileFacts[], env: LinkEnvironment): Generator<void, void> {
  const known = linkagesKnown(env);
  for (const file of files) {
    linkFacts(file, env.compiled);
    const uses = outsideUses(file, env.compiled);
    yield;
    // A file the build leaves out links nothing.
    if (env.unbuilt.has(file.uri)) continue;
    let looked = 0;
    for (const name of uses.keys()) {
      if (known.has(name)) continue;
      known.set(name, linkageOf(name, env));
      if (++looked % LOOKUPS_PER_STEP === 0) yield;
    }
    linkedUses(file, env);
    yield;
  }
}

/**
 * The last link checks, by environment (a module and the build dir's tables): what each read and
 * found. A few: they keep what they read alive, and a whole tree's index checks thousands of modules.
 */
const lastLinkChecks = new Map<LinkEnvironment, { options: LinkOptions; inputs: unknown[]; findings: Finding[] }>();
const LAST_LINK_CHECKS = 8;

export function checkLinking(
  units: readonly TranslationUnit[],
  env: LinkEnvironment,
  options: LinkOptions,
  textOf: (uri: string) => string | undefined = () => undefined,
): Finding[] {
  const files = [...new Map(units.flatMap((unit) => unit.files).map((file) => [file.uri, file])).values()];
  // All the check reads of each file; typing inside a body changes none of it (or only the edited file's first uses).
  const inputs = files.flatMap((file) => [
    file.uri,
    linkFacts(file, env.compiled),
    outsideUses(file, env.compiled),
    file.invocationArguments,
  ]);
  const last = lastLinkChecks.get(env);
  // A finding with a fix depends on the text too (where the fix inserts a line): those are checked again.
  if (
    last &&
    last.options.profile === options.profile &&
    last.options.extraWarn === options.extraWarn &&
    last.inputs.length === inputs.length &&
    last.inputs.every((input, i) => input === inputs[i]) &&
    !last.findings.some((finding) => finding.edit)
  )
    return [...last.findings];
  const findings = checkFiles(files, env, options, textOf);
  lastLinkChecks.delete(env);
  lastLinkChecks.set(env, { options, inputs, findings: [...findings] });
  if (lastLinkChecks.size > LAST_LINK_CHECKS) lastLinkChecks.delete(lastLinkChecks.keys().next().value as LinkEnvironment);
  return findings;
}

/** Whether `name` is one of `args`, or ends in `_` and one of them (what `prefix_##arg` makes). */
function madeOf(name: string, args: ReadonlySet<string>): boolean {
  if (args.has(name)) return true;
  for (let i = name.indexOf('_'); i >= 0; i = name.indexOf('_', i + 1)) if (args.has(name.slice(i + 1))) return true;
  return false;
}

/** What the module's files define, declare and say in macros, taken together. */
interface ModuleNames {
  defined: Set<string>;
  /** Prototypes in the module's own files: where a name the module declares but never defines is declared. */
  declaredHere: Map<string, { uri: string; line: number }>;
  definedStatic: Set<string>;
  definedGlobal: Set<string>;
  /** The macro uses of each file (by its URI: the names stand for later versions of the files too). */
  uses: { use: MacroUse; uri: string }[];
  /** What the module's macro uses name (DEFINE_MUTEX(x) defines x). */
  macroArguments: Set<string>;
  /** What the module's own macros are given (they may paste it into the names they define). */
  ownArguments: Set<string>;
}

/** The last ModuleNames of each environment, with what it was made of: a key typed inside a body changes none of it. */
const lastModuleNames = new WeakMap<LinkEnvironment, { inputs: unknown[]; names: ModuleNames }>();

function moduleNames(files: readonly FileFacts[], env: LinkEnvironment): ModuleNames {
  const inputs = files.flatMap((file) => [file.uri, linkFacts(file, env.compiled), file.invocationArguments]);
  const last = lastModuleNames.get(env);
  if (last && last.inputs.length === inputs.length && last.inputs.every((input, i) => input === inputs[i])) return last.names;
  const names: ModuleNames = {
    defined: new Set(),
    declaredHere: new Map(),
    definedStatic: new Set(),
    definedGlobal: new Set(),
    uses: [],
    macroArguments: new Set(),
    ownArguments: new Set(files.flatMap((file) => file.invocationArguments ?? [])),
  };
  // Indexed loops: this runs once per analysis, often before the JIT optimizes it, and for-of then makes an object per name.
  for (const file of files) {
    const facts = linkFacts(file, env.compiled);
    for (let i = 0; i < facts.declared.length; i++) {
      const { name, line } = facts.declared[i];
      if (!names.declaredHere.has(name)) names.declaredHere.set(name, { uri: file.uri, line });
    }
    for (let i = 0; i < facts.defined.length; i++) names.defined.add(facts.defined[i]);
    for (let i = 0; i < facts.definedStatic.length; i++) names.definedStatic.add(facts.definedStatic[i]);
    for (let i = 0; i < facts.definedGlobal.length; i++) names.definedGlobal.add(facts.definedGlobal[i]);
    for (const use of facts.uses) {
      names.uses.push({ use, uri: file.uri });
      if (!/^(?:EXPORT_SYMBOL|MODULE_)/.test(use.macro) && use.argument) names.macroArguments.add(use.argument);
    }
  }
  lastModuleNames.set(env, { inputs, names });
  return names;
}

function checkFiles(
  files: readonly FileFacts[],
  env: LinkEnvironment,
  options: LinkOptions,
  textOf: (uri: string) => string | undefined,
): Finding[] {
  const { profile } = options;
  const style = profile.messageStyle;
  const findings: Finding[] = [];
  const modpost = (check: LinkCheck, fields: Record<string, string>, level = 'ERROR'): string =>
    `${level}: modpost: ${linkMessage(style, check, { name: env.moduleName, path: env.modulePath, ...fields })}`;
  const finding = (
    code: FindingCode,
    uri: string,
    range: Range,
    message: string,
    line: string | undefined,
    extra: Partial<Finding> = {},
  ): void => {
    findings.push({
      uri,
      range,
      code,
      severity: FINDING_CODES[code].severity,
      message,
      from: null,
      to: null,
      ...(line ? { modpost: line } : {}),
      ...extra,
    });
  };

  const { defined, declaredHere, definedStatic, definedGlobal, uses, macroArguments, ownArguments } = moduleNames(files, env);
  const madeByMacro = (name: string): boolean => madeOf(name, macroArguments);
  // `DECLARE_PRIMITIVE(ASSOCIATE)` with the module's own `#define DECLARE_PRIMITIVE(n) int sctp_primitive_##n(…)`.
  const madeByOwnMacro = (name: string): boolean => madeOf(name, ownArguments);
  const main =
    uses.find(({ use }) => moduleMacro(use.macro)?.role === 'module-init' || moduleMacro(use.macro)?.role === 'driver') ?? uses[0];
  const mainFile = (main && files.find((file) => file.uri === main.uri)) ?? files[0];
  if (!mainFile) return [];
  const mainRange = main?.use.range ?? START;

  // Licence and description.
  const license = uses.find(({ use }) => use.macro === 'MODULE_LICENSE' || (use.macro === 'MODULE_INFO' && use.argument === 'license'));
  const licenseText = license?.use.macro === 'MODULE_LICENSE' ? unquote(license.use.argument) : undefined;
  const insertAt = (uri: string, text: string, title: string): Finding['edit'] => {
    const line = metadataLine(mainFile, textOf(uri));
    return { title, uri, range: { start: { line, character: 0 }, end: { line, character: 0 } }, newText: text };
  };
  if (!env.inKernelTree && !license) {
    finding(
      'missing-license',
      mainFile.uri,
      mainRange,
      `${env.moduleName} has no MODULE_LICENSE(): modpost stops the build, and the kernel would taint itself loading it. Add MODULE_LICENSE("GPL") (or another licence string).`,
      modpost('missing-license', {}),
      { edit: insertAt(mainFile.uri, 'MODULE_LICENSE("GPL");\n', 'Add MODULE_LICENSE("GPL")') },
    );
  }
  const describes = uses.some(
    ({ use }) => use.macro === 'MODULE_DESCRIPTION' || (use.macro === 'MODULE_INFO' && use.argument === 'description'),
  );
  const warnsDescription = profile.missingDescription === 'always' || (profile.missingDescription === 'extra-warn' && options.extraWarn);
  if (!env.inKernelTree && !describes && warnsDescription) {
    finding(
      'missing-description',
      mainFile.uri,
      mainRange,
      `${env.moduleName} has no MODULE_DESCRIPTION(): modpost ${profile.id} warns about it${profile.missingDescription === 'extra-warn' ? ' with W=1' : ''}. Say in one line what the module does.`,
      modpost('missing-description', {}, 'WARNING'),
      { edit: insertAt(mainFile.uri, `MODULE_DESCRIPTION("${env.moduleName} module");\n`, 'Add MODULE_DESCRIPTION()') },
    );
  }
  if (env.moduleName.length >= MODULE_NAME_LEN) {
    finding(
      'module-name-too-long',
      mainFile.uri,
      mainRange,
      `The module name ${env.moduleName} has ${env.moduleName.length} characters; modpost refuses names of ${MODULE_NAME_LEN} or more (MODULE_NAME_LEN). Rename the object in obj-m.`,
      modpost('name-too-long', {}),
    );
  }

  // Namespace imports, in the syntax of the configured kernel. A namespace imported in both
  // syntaxes sits in both branches of a kernel-version switch: the compiler takes the right one.
  const imports = new Set<string>();
  const importUses = uses.filter(({ use }) => use.macro === 'MODULE_IMPORT_NS' && use.argument);
  const spellings = new Map<string, Set<boolean>>();
  for (const { use } of importUses) {
    const quoted = unquote(use.argument);
    const forms = spellings.get(quoted ?? use.argument) ?? new Set<boolean>();
    forms.add(quoted !== undefined);
    spellings.set(quoted ?? use.argument, forms);
  }
  for (const { use, uri } of importUses) {
    const quoted = unquote(use.argument);
    const namespace = quoted ?? use.argument;
    if (spellings.get(namespace)?.size === 2) {
      imports.add(namespace);
      continue;
    }
    const wanted = profile.namespaceImport === 'string' ? `"${namespace}"` : namespace;
    if (profile.moduleNamespaces === 'gated' && namespace.startsWith('module:')) {
      finding(
        'namespace-import-not-allowed',
        uri,
        use.argumentRange,
        `${namespace} is not a namespace a module can import: since 7.x such exports are for the named modules only. Remove the import; only a module with one of those names can use the symbols.`,
        modpost('namespace-import-not-allowed', { namespace }),
      );
      continue;
    }
    if ((quoted !== undefined) !== (profile.namespaceImport === 'string')) {
      finding(
        'namespace-import-syntax',
        uri,
        use.argumentRange,
        profile.namespaceImport === 'string'
          ? `Since 6.13 MODULE_IMPORT_NS takes a string: gcc fails on MODULE_IMPORT_NS(${namespace}). Write MODULE_IMPORT_NS(${wanted}).`
          : `Before 6.13 MODULE_IMPORT_NS takes a bare name: MODULE_IMPORT_NS(${use.argument}) compiles, but imports the namespace with its quotes, and modpost then says the module does not import ${namespace}. Write MODULE_IMPORT_NS(${wanted}).`,
        profile.namespaceImport === 'string' ? undefined : modpost('namespace', { symbol: '…', namespace }),
        { edit: { title: `Write MODULE_IMPORT_NS(${wanted})`, uri: uri, range: use.argumentRange, newText: wanted } },
      );
      // A quoted name on 6.x imports nothing modpost recognises; the bare name on 7.x never compiles (one finding is enough).
      if (quoted !== undefined) continue;
    }
    imports.add(namespace);
  }

  // What the module's code uses from outside it: the first use of each name in each file, of
  // the names the kernel exports or its headers declare, and of those only the module's own
  // files declare (and nothing defines).
  const madeHere = (name: string): boolean => defined.has(name) || macroArguments.has(name) || madeByOwnMacro(name);
  const firstUses = new Map<string, { file: FileFacts; ref: Reference; exported?: ExportInfo; fromHeaders?: HeaderDeclaration }[]>();
  const add = (name: string, site: { file: FileFacts; ref: Reference; exported?: ExportInfo; fromHeaders?: HeaderDeclaration }): void => {
    const list = firstUses.get(name);
    if (list) list.push(site);
    else firstUses.set(name, [site]);
  };
  const built = files.filter((file) => !env.unbuilt.has(file.uri));
  for (const file of built) {
    for (const { name, ref, exported, fromHeaders } of linkedUses(file, env))
      if (!madeHere(name)) add(name, { file, ref, exported, fromHeaders });
  }
  // A module built alongside may export what this one only declares (KBUILD_EXTRA_SYMBOLS, one build dir).
  if (env.complete && !env.inKernelTree && !env.hasSiblings) {
    for (const name of declaredHere.keys()) {
      if (firstUses.has(name) || madeHere(name) || name.startsWith('__builtin_') || env.exports.get(name) || env.headers?.mustLink(name))
        continue;
      for (const file of built) {
        const ref = outsideUses(file, env.compiled).get(name);
        if (ref) add(name, { file, ref });
      }
    }
  }
  const rangeOf = (ref: Reference): Range => ({
    start: { line: ref.line, character: ref.character },
    end: { line: ref.line, character: ref.character + ref.name.length },
  });
  // Thousands of names, a few owners (vmlinux and the modules exporting them).
  const ownOwners = new Map<string, boolean>();
  const ownExport = (owner: string): boolean => {
    let own = ownOwners.get(owner);
    if (own === undefined) ownOwners.set(owner, (own = path.basename(owner) === env.moduleName));
    return own;
  };
  for (const [name, sites] of firstUses) {
    const exported = sites[0].exported;
    // In a tree, the build dir's Module.symvers lists this module's own exports: they are its definitions.
    if (exported && env.inKernelTree && ownExport(exported.owner)) continue;
    for (const { file, ref, fromHeaders } of sites) {
      if (!exported) {
        const own = fromHeaders ? undefined : declaredHere.get(name);
        const declaration = fromHeaders ?? (own && { file: fileURLToPath(own.uri), line: own.line });
        if (!declaration) break;
        const instead = UNEXPORTED_ALTERNATIVES[name];
        finding(
          'undefined-symbol',
          file.uri,
          rangeOf(ref),
          fromHeaders
            ? `${name} is declared in ${path.basename(declaration.file)} but not exported to modules by this kernel: modpost stops the build with "${name}" undefined! (KBUILD_MODPOST_WARN=1 only turns this one into a warning, and the module would not load). ${instead ?? 'Modules cannot call it: find an exported API.'}`
            : `${name} is declared in ${path.basename(declaration.file)} but defined nowhere in this module, and this kernel does not export it: modpost stops the build with "${name}" undefined!. Define it, add the file that does to the module's objects, or name the Module.symvers of the module that exports it in KBUILD_EXTRA_SYMBOLS.`,
          modpost('undefined', { symbol: name }),
          {
            related: [
              {
                uri: pathToFileURL(declaration.file).href,
                range: { start: { line: declaration.line, character: 0 }, end: { line: declaration.line, character: 0 } },
                message: `${name} is declared here`,
              },
            ],
          },
        );
        continue;
      }
      if (exported.gplOnly && licenseText !== undefined && !GPL_COMPATIBLE_LICENSES.includes(licenseText)) {
        finding(
          'gpl-only-symbol',
          file.uri,
          rangeOf(ref),
          `${name} is exported with EXPORT_SYMBOL_GPL, and MODULE_LICENSE("${licenseText}") is not GPL-compatible: modpost stops the build. Use a GPL-compatible licence (${GPL_COMPATIBLE_LICENSES.map((l) => `"${l}"`).join(', ')}) or avoid ${name}.`,
          modpost('gpl-only', { symbol: name }),
          license ? { related: [{ uri: license.uri, range: license.use.argumentRange, message: 'the licence is set here' }] } : {},
        );
      }
      const namespace = exported.namespace;
      if (!namespace || imports.has(namespace)) continue;
      if (namespace.startsWith('module:') && profile.moduleNamespaces === 'gated') {
        const allowed = namespace.slice('module:'.length).split(',');
        if (allowed.includes(env.moduleName)) continue;
        finding(
          'missing-namespace-import',
          file.uri,
          rangeOf(ref),
          `${name} is exported only to the modules ${allowed.join(', ')} (namespace ${namespace}): modpost stops the build, and no import can change that. Use another API.`,
          modpost('namespace', { symbol: name, namespace }),
        );
        continue;
      }
      const written = profile.namespaceImport === 'string' ? `"${namespace}"` : namespace;
      finding(
        'missing-namespace-import',
        file.uri,
        rangeOf(ref),
        `${name} is exported in namespace ${namespace}, which this module does not import: modpost stops the build. Add MODULE_IMPORT_NS(${written});.`,
        modpost('namespace', { symbol: name, namespace }),
        { edit: insertAt(mainFile.uri, `MODULE_IMPORT_NS(${written});\n`, `Add MODULE_IMPORT_NS(${written})`) },
      );
    }
  }

  // What the module exports.
  for (const { use, uri } of uses) {
    if (moduleMacro(use.macro)?.role !== 'export' || !use.argument) continue;
    if (!defined.has(use.argument)) {
      // DEFINE_MUTEX(x), DEVICE_ATTR(x, …) (dev_attr_x) and the like define what they name.
      if (!env.complete || madeByMacro(use.argument)) continue;
      finding(
        'export-undefined',
        uri,
        use.argumentRange,
        `${use.macro}(${use.argument}) exports a symbol this module does not define: modpost stops the build. Define ${use.argument} in the module, or remove the export.`,
        modpost('export-undefined', { symbol: use.argument }),
      );
      continue;
    }
    if (definedStatic.has(use.argument) && !definedGlobal.has(use.argument)) {
      finding(
        'export-static',
        uri,
        use.argumentRange,
        `${use.macro}(${use.argument}) exports a static symbol: ${profile.localExportCheck === 'compile' ? 'the build stops right after compiling this file (scripts/check-local-export)' : 'modpost stops the build'}. Remove \`static\` from ${use.argument}, or the export.`,
        profile.localExportCheck === 'compile'
          ? `${env.modulePath}.o: error: local symbol ${use.argument} was exported`
          : modpost('export-local', { symbol: use.argument }),
      );
      continue;
    }
    const previous = env.inKernelTree ? undefined : env.kernelExports.get(use.argument);
    if (previous) {
      finding(
        'export-duplicate',
        uri,
        use.argumentRange,
        `${use.argument} is already exported by ${previous.owner}: modpost stops the build, since a symbol can be exported once. Rename it (and make it static if no other module needs it).`,
        modpost('export-duplicate', { symbol: use.argument, owner: previous.owner }),
      );
    }
  }
  return findings;
}
