// What the kernel headers of a build dir declare, by name: macros, static inline functions (the
// compiler inlines them: nothing to link), and extern functions and variables (the module must
// link them: they have to be exported). Conditionals on CONFIG_ options are decided with the build
// dir's auto.conf, as the compiler would: kallsyms.h declares an extern kallsyms_lookup_name with
// CONFIG_KALLSYMS and a static inline stub without it. Conditions this scan cannot decide leave the
// declaration "maybe", and a maybe-macro or maybe-inline is enough to trust the name.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { FUNCTION_ANNOTATIONS, OBJECT_ANNOTATIONS } from '../knowledge/annotations';
import type { KernelConfig } from '../knowledge/kernel-config';
import type { ConditionalKind } from '../model/types';
import { ConditionStack, type Truth } from '../parsing/conditionals';
import { readTextFileSync } from '../../../shared/src/safe-read';
import { inWorker } from './in-worker';
import { NameIndex, withOwnBuffers, type NameIndexParts } from './name-index';
import { cachedHeaderTable, headerTableKey, indexedTableSize } from './header-cache';

const CONDITIONAL_KINDS: ReadonlySet<string> = new Set<ConditionalKind>(['if', 'ifdef', 'ifndef', 'elif', 'else', 'endif']);

export type HeaderKind = 'macro' | 'inline' | 'extern';

export interface HeaderDeclaration {
  kind: HeaderKind;
  /** The preprocessor conditions around it are all true (`true`) or some are undecided (`false`). */
  certain: boolean;
  file: string;
  /** 0-based line. */
  line: number;
}

/** Kernel headers and Makefiles stay far below this (the largest generated register headers are ~10 MB). */
export const MAX_HEADER_BYTES = 16 * 1024 * 1024;

/** The trees to search: the build dir and, for Debian's split packages, the source tree it includes. */
export function headerRoots(kdir: string): string[] {
  const roots = [kdir];
  try {
    const makefile = readTextFileSync(path.join(kdir, 'Makefile'), MAX_HEADER_BYTES);
    const included = /^include\s+(\S+)\/Makefile\s*$/m.exec(makefile)?.[1];
    // Seen from outside a chroot, the absolute path of the common dir is its sibling.
    const sibling = included && path.join(path.dirname(kdir), path.basename(included));
    if (included && fs.existsSync(included)) roots.push(included);
    else if (sibling && fs.existsSync(sibling)) roots.push(sibling);
  } catch {
    /* no Makefile: just the dir itself */
  }
  const source = path.join(kdir, 'source');
  if (fs.existsSync(source)) roots.push(fs.realpathSync(source));
  return [...new Set(roots)];
}

/** Where kbuild looks for `#include <…>` on x86 (the generated dirs live in the build dir). */
const HEADER_DIRS = ['include', 'arch/x86/include'];
/** Trace event headers are macro programs expanded under CREATE_TRACE_POINTS: nothing to link. */
const SKIPPED_HEADER_DIRS = new Set(['include/trace']);

/** Words that start a declaration that is no function or variable to link. */
const NOT_LINKED = /^\s*(?:typedef|struct\s+\w+\s*\{|union\s+\w+\s*\{|enum\b|#)/;
const NAME_BEFORE_PAREN = /([A-Za-z_]\w*)\s*\(/g;
const ATTRIBUTE = /__attribute__\s*\(\((?:[^()]|\((?:[^()]|\([^()]*\))*\))*\)\)/g;
const WORDS = /[A-Za-z_]\w*/g;

/** The declared name of a file-scope statement that declares a function or an extern variable. */
function declaredName(raw: string): { name: string; isFunction: boolean } | undefined {
  if (NOT_LINKED.test(raw)) return undefined;
  // `} __attribute__ ((packed, aligned (64)));` names no function called aligned.
  const statement = raw.replace(ATTRIBUTE, ' ');
  for (const match of statement.matchAll(NAME_BEFORE_PAREN)) {
    const name = match[1];
    if (FUNCTION_ANNOTATIONS[name] || name === 'sizeof' || name === 'typeof' || name === '__typeof__') continue;
    // `int (*handler)(void)` declares a pointer, not a function named handler.
    const before = statement.slice(0, match.index).trimEnd();
    if (before.endsWith('(') || before.endsWith('*)')) return undefined;
    return { name, isFunction: true };
  }
  if (!/^\s*extern\b/.test(statement)) return undefined;
  const words = [...statement.replace(/\[.*$|=.*$/s, '').matchAll(WORDS)].map((m) => m[0]).filter((w) => !OBJECT_ANNOTATIONS[w]);
  const name = words[words.length - 1];
  return name && name !== 'extern' ? { name, isFunction: false } : undefined;
}

const OPEN_BRACE = 123,
  CLOSE_BRACE = 125,
  SEMI = 59;
const MACRO = 1,
  INLINE = 2,
  EXTERN = 4,
  MAYBE_MACRO = 8,
  MAYBE_INLINE = 16,
  MAYBE_EXTERN = 32;
const CERTAIN: Readonly<Record<HeaderKind, number>> = { macro: MACRO, inline: INLINE, extern: EXTERN };
const MAYBE: Readonly<Record<HeaderKind, number>> = { macro: MAYBE_MACRO, inline: MAYBE_INLINE, extern: MAYBE_EXTERN };
/** Lines per file fit in 20 bits; the file's index goes above them. */
const LINE_BITS = 2 ** 20;

/** HeaderSymbols as plain data: what the worker that scans the headers sends back. */
export interface HeaderSymbolsParts {
  index: NameIndexParts;
  /** Per entry of the index: its kind bits, and where its first certain extern declaration is (NaN: none). */
  kinds: Uint8Array;
  externAt: Float64Array;
  files: string[];
}

/** Compact: a bit set per name, and where the first certain extern declaration of each is. */
export class HeaderSymbols {
  private readonly kinds = new Map<string, number>();
  private readonly externAt = new Map<string, number>();
  private readonly files: string[] = [];

  /** What the live or maybe-live declarations of `name` are, for names some header declares extern or inline. */
  kindsOf(name: string): { kind: HeaderKind; certain: boolean }[] {
    const bits = this.bitsOf(name);
    const result: { kind: HeaderKind; certain: boolean }[] = [];
    for (const kind of ['macro', 'inline', 'extern'] as const) {
      if (bits & CERTAIN[kind]) result.push({ kind, certain: true });
      else if (bits & MAYBE[kind]) result.push({ kind, certain: false });
    }
    return result;
  }

  /** The headers make `name` something the module must link: a certain extern, and no macro or inline that could stand in. */
  mustLink(name: string): HeaderDeclaration | undefined {
    const bits = this.bitsOf(name);
    if (bits & (MACRO | INLINE | MAYBE_MACRO | MAYBE_INLINE) || !(bits & EXTERN)) return undefined;
    const at = this.externAtOf(name) ?? 0;
    return { kind: 'extern', certain: true, file: (this.compact?.files ?? this.files)[Math.floor(at / LINE_BITS)], line: at % LINE_BITS };
  }

  get size(): number {
    return this.compactIndex?.size ?? this.kinds.size;
  }

  /** The table as plain data, to send to another thread (the typed arrays' buffers can be transferred). */
  get parts(): HeaderSymbolsParts {
    if (this.compact) return this.compact;
    const names = [...this.kinds.keys()];
    return {
      index: NameIndex.of(names).data,
      kinds: Uint8Array.from(this.kinds.values()),
      externAt: Float64Array.from(names, (name) => this.externAt.get(name) ?? Number.NaN),
      files: this.files,
    };
  }

  /** The table a worker sent: looked up in place, no Map rebuilt. */
  static fromParts(parts: HeaderSymbolsParts): HeaderSymbols {
    const symbols = new HeaderSymbols();
    symbols.compact = parts;
    symbols.compactIndex = NameIndex.fromParts(parts.index);
    return symbols;
  }

  private compact: HeaderSymbolsParts | undefined;
  private compactIndex: NameIndex | undefined;

  /** The kind bits of `name` (0: no header declares it extern or inline). */
  private bitsOf(name: string): number {
    if (!this.compact || !this.compactIndex) return this.kinds.get(name) ?? 0;
    const entry = this.compactIndex.indexOf(name);
    return entry < 0 ? 0 : this.compact.kinds[entry];
  }

  /** Where the first certain extern declaration of `name` is (file number and line, packed). */
  private externAtOf(name: string): number | undefined {
    if (!this.compact || !this.compactIndex) return this.externAt.get(name);
    const at = this.compact.externAt[this.compactIndex.indexOf(name)];
    return Number.isNaN(at) ? undefined : at;
  }

  /** Forgets macro-only names: the questions asked are "must it be linked?" and "is it inline?". */
  prune(): void {
    for (const [name, bits] of this.kinds) if (!(bits & (EXTERN | MAYBE_EXTERN | INLINE | MAYBE_INLINE))) this.kinds.delete(name);
  }

  /** Scans one header's text. */
  add(file: string, text: string, config: KernelConfig): void {
    const fileIndex = this.files.push(file) - 1;
    const stack = new ConditionStack(config);
    let depth = 0;
    let statement = '';
    let statementLine = 0;
    let inComment = false;
    const lines = text.split('\n');
    const liveness = (): Truth => stack.liveness();
    const record = (name: string, kind: HeaderKind, line: number): void => {
      const live = liveness();
      // A macro in a branch this configuration leaves out still marks its name: headers pair such
      // macros with extern declarations nothing defines (lockdep_is_held without CONFIG_LOCKDEP),
      // meant only for code the compiler throws away.
      if (live === 'false' && kind === 'macro') {
        this.kinds.set(name, (this.kinds.get(name) ?? 0) | MAYBE_MACRO);
        return;
      }
      if (live === 'false') return;
      this.kinds.set(name, (this.kinds.get(name) ?? 0) | (live === 'true' ? CERTAIN[kind] : MAYBE[kind]));
      if (kind === 'extern' && live === 'true' && !this.externAt.has(name))
        this.externAt.set(name, fileIndex * LINE_BITS + Math.min(line, LINE_BITS - 1));
    };
    for (let n = 0; n < lines.length; n++) {
      let line = lines[n];
      if (inComment) {
        const end = line.indexOf('*/');
        if (end < 0) continue;
        line = line.slice(end + 2);
        inComment = false;
      }
      line = line.replace(/\/\*.*?\*\//g, ' ').replace(/\/\/.*$/, '');
      const open = line.indexOf('/*');
      if (open >= 0) {
        line = line.slice(0, open);
        inComment = true;
      }
      const directive = /^\s*#\s*(\w+)\s*(.*)$/.exec(line);
      if (directive) {
        let rest = directive[2];
        while (rest.endsWith('\\') && n + 1 < lines.length) rest = rest.slice(0, -1) + ' ' + lines[++n];
        const keyword = directive[1];
        const name = /^([A-Za-z_]\w*)/.exec(rest)?.[1];
        if (keyword === 'define') {
          if (name) record(name, 'macro', n);
        } else if (CONDITIONAL_KINDS.has(keyword)) {
          // An include guard (`#ifndef X_H` then `#define X_H`) is true the first time, which is the time that counts.
          const guard = keyword === 'ifndef' && name && new RegExp(`^\\s*#\\s*define\\s+${name}\\b`).test(lines[n + 1] ?? '');
          stack.apply(keyword as ConditionalKind, rest, guard ? 'true' : undefined);
        }
        continue;
      }
      if (liveness() === 'false' && depth === 0) continue;
      // Jump from one brace or semicolon to the next: statements are sliced, not built a character at a time.
      for (let pos = 0; pos <= line.length;) {
        let k = pos;
        while (k < line.length) {
          const code = line.charCodeAt(k);
          if (code === OPEN_BRACE || code === CLOSE_BRACE || code === SEMI) break;
          k++;
        }
        if (depth === 0 && k > pos) {
          const segment = line.slice(pos, k);
          if (statement.trim() === '' && segment.trim() !== '') statementLine = n;
          statement += segment;
        }
        if (k >= line.length) break;
        const code = line.charCodeAt(k);
        if (code === OPEN_BRACE) {
          if (depth === 0) {
            const declared = declaredName(statement);
            if (declared?.isFunction && /\binline\b|__always_inline/.test(statement)) record(declared.name, 'inline', statementLine);
            statement = '';
          }
          depth++;
        } else if (code === CLOSE_BRACE) {
          depth = Math.max(0, depth - 1);
          if (depth === 0) statement = '';
        } else if (depth === 0) {
          const declared = declaredName(statement);
          if (declared && !/^\s*static\b/.test(statement)) record(declared.name, 'extern', statementLine);
          statement = '';
        }
        pos = k + 1;
      }
      if (depth === 0) statement += ' ';
    }
  }
}

/** Stops the scan for a turn of the event loop this often, so requests are answered meanwhile. */
const SLICE_MS = 2;

/** The headers of one tree kbuild would search, sorted; directories in `skipped` (relative to `root`) are left out. */
export async function headerFiles(root: string, skipped: ReadonlySet<string> = SKIPPED_HEADER_DIRS): Promise<string[]> {
  const files: string[] = [];
  const pending = HEADER_DIRS.map((dir) => path.join(root, dir));
  while (pending.length > 0) {
    const dir = pending.pop()!;
    let entries: fs.Dirent[];
    try {
      entries = await fs.promises.readdir(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!skipped.has(path.relative(root, full))) pending.push(full);
      } else if (entry.isFile() && entry.name.endsWith('.h')) files.push(full);
      continue;
    }
  }
  return files.sort();
}

/** The headers scanned for declarations: every header kbuild would search, trace event headers left out. */
export async function headerSymbolFiles(kdir: string): Promise<string[]> {
  const files: string[] = [];
  for (const root of headerRoots(kdir)) files.push(...(await headerFiles(root)));
  return files;
}

/** Scans the build dir's headers (`files`; in slices when it runs on the server's thread). */
export async function scanHeaderSymbols(kdir: string, config: KernelConfig, files?: readonly string[]): Promise<HeaderSymbols> {
  const symbols = new HeaderSymbols();
  let sliceStart = Date.now();
  for (const file of files ?? (await headerSymbolFiles(kdir))) {
    // Synchronous reads in short slices: an await per file costs more in thread-pool round trips than the reading.
    let text: string;
    try {
      text = readTextFileSync(file, MAX_HEADER_BYTES);
    } catch {
      continue;
    }
    symbols.add(file, text, config);
    if (Date.now() - sliceStart > SLICE_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      sliceStart = Date.now();
    }
  }
  symbols.prune();
  return symbols;
}

/** Whether `value` is a sound HeaderSymbolsParts (read from disk, say). */
export function isHeaderSymbolsParts(value: unknown): value is HeaderSymbolsParts {
  const size = indexedTableSize(value);
  if (size === undefined) return false;
  const { kinds, externAt } = value as Partial<HeaderSymbolsParts>;
  return kinds instanceof Uint8Array && externAt instanceof Float64Array && kinds.length === size && externAt.length === size;
}

/**
 * The declarations table `request` asks for: read from its cache when the headers and the
 * configuration are as they were, else scanned (and stored). `script`: the scanning code, part of the key.
 */
export async function symbolsTable(
  request: { kdir: string; config: KernelConfig; cacheDir?: string },
  script = HEADER_WORKER,
): Promise<HeaderSymbolsParts> {
  const files = await headerSymbolFiles(request.kdir);
  return cachedHeaderTable(
    request.cacheDir,
    () => headerTableKey('symbols', request.kdir, files, script, request.config),
    isHeaderSymbolsParts,
    ({ index, kinds, externAt, files: names }) => ({
      index: withOwnBuffers(index),
      kinds: kinds.slice(),
      externAt: externAt.slice(),
      files: names,
    }),
    async () => (await scanHeaderSymbols(request.kdir, request.config, files)).parts,
  );
}

const scanned = new Map<string, Promise<HeaderSymbols>>();

/**
 * The declarations of a build dir's headers under its configuration, scanned once per build dir,
 * on a worker thread: the scan reads some 20,000 headers (seconds of work and a few hundred MB of
 * garbage) that would otherwise hold up the server's requests.
 */
export function kernelHeaderSymbols(kdir: string, config: KernelConfig, cacheDir?: string): Promise<HeaderSymbols> {
  let symbols = scanned.get(kdir);
  if (!symbols) {
    const request: HeaderScanRequest = { task: 'symbols', kdir, config, ...(cacheDir ? { cacheDir } : {}) };
    symbols = oneHeaderScanAtATime(() =>
      inWorker(
        HEADER_WORKER,
        request,
        (parts) => HeaderSymbols.fromParts(parts as HeaderSymbolsParts),
        async () => HeaderSymbols.fromParts(await symbolsTable(request)),
        HEADER_WORKER_LIMITS,
      ),
    );
    scanned.set(kdir, symbols);
  }
  return symbols;
}

/** What header-worker.ts is asked to scan. */
export type HeaderScanRequest = ({ task: 'symbols'; kdir: string; config: KernelConfig } | { task: 'names'; kdir: string }) & {
  /** The cache the table is read from and stored to (header-cache.ts); none: scanned. */
  cacheDir?: string;
};

/**
 * The scanning worker's heap: its text is garbage a file later, and without a bound the heap grew
 * to a few hundred MB beside the index that starts at the same time. The tables it builds stay far below.
 */
export const HEADER_WORKER_LIMITS = { maxOldGenerationSizeMb: 192, maxYoungGenerationSizeMb: 16 };

/** The worker script that scans headers: beside this file, bundled or not. */
export const HEADER_WORKER = path.join(__dirname, 'header-worker.js');

let headerScans: Promise<unknown> = Promise.resolve();

/**
 * Runs the header scans one after the other: two at once (the names for hovers, the declarations
 * for the link checks) took both cores from the open files' first analysis and doubled the
 * memory the scans hold at their peak.
 */
export function oneHeaderScanAtATime<T>(scan: () => Promise<T>): Promise<T> {
  const result = headerScans.then(scan, scan);
  headerScans = result.catch(() => undefined);
  return result;
}
