// The names the configured kernel headers define (`#define NAME`, function declarations, struct,
// union and enum definitions) and where, for hovers and go-to-definition. The scan reads some
// 20,000 headers: it runs on a worker thread (header-worker.ts), and only the compact table comes
// back to the language server's thread.

import { FUNCTION_ANNOTATIONS } from '../knowledge/annotations';
import { readTextFileSync } from '../../../shared/src/safe-read';
import {
  HEADER_WORKER,
  HEADER_WORKER_LIMITS,
  headerFiles,
  headerRoots,
  MAX_HEADER_BYTES,
  oneHeaderScanAtATime,
  type HeaderScanRequest,
} from './header-symbols';
import { detachedName } from '../parsing/detached';
import { inWorker } from './in-worker';
import { cachedHeaderTable, headerTableKey, indexedTableSize } from './header-cache';
import { NameIndex, withOwnBuffers, type NameIndexParts } from './name-index';

/** `#define NAME` at a line's start (lastIndex), within the line. */
const DEFINE_AT = /[^\S\n]*#[^\S\n]*define[^\S\n]+([A-Za-z_]\w*)/y;
/** What a line that declares something at file scope does not start with: blanks, directives, comments. */
const NOT_A_DECLARATION = new Set([' ', '\t', '#', '/', '*'].map((c) => c.charCodeAt(0)));
/** `name(` on a declaration line; the first one that is not an attribute macro (`__alloc_size(1)`) is the function. */
const CALL_LIKE = /\b([a-z_]\w*)\s*\(/g;
const DECLARATION_START = /^(?:extern\s+|static\s+)?[A-Za-z_]/;
/** `struct name {`, `union name {`, `enum name {`: a type worth a hover on its name. */
const TYPE_DEFINITION = /^(?:struct|union|enum)\s+([A-Za-z_]\w*)\s*\{/;

/** A NameTable as plain data: what a worker sends back. */
export interface NameTableParts {
  index: NameIndexParts;
  files: string[];
  fileOf: Uint32Array;
  lineOf: Int32Array;
}

/**
 * An index entry: where the name is defined. Its URI and text are made on lookup: 200,000 URIs up
 * front cost a quarter of the scan, and keeping each definition's lines kept every header's whole
 * text alive (86 MiB of heap).
 */
export interface Entry {
  file: string;
  line: number;
}

/**
 * The scanned names (half a million on a 6.1 build dir) kept for the server's lifetime in a fifth
 * of a Map's memory (45 → 9 MB): a NameIndex, and typed arrays for each entry's file and line.
 */
export class NameTable {
  private constructor(
    private readonly index: NameIndex,
    private readonly files: string[],
    private readonly fileOf: Uint32Array,
    private readonly lineOf: Int32Array,
  ) {}

  static of(entries: ReadonlyMap<string, Entry>): NameTable {
    const files: string[] = [];
    const fileNumbers = new Map<string, number>();
    const fileOf = new Uint32Array(entries.size);
    const lineOf = new Int32Array(entries.size);
    let i = 0;
    for (const { file, line } of entries.values()) {
      let fileNumber = fileNumbers.get(file);
      if (fileNumber === undefined) fileNumbers.set(file, (fileNumber = files.push(file) - 1));
      fileOf[i] = fileNumber;
      lineOf[i] = line;
      i++;
    }
    return new NameTable(NameIndex.of([...entries.keys()]), files, fileOf, lineOf);
  }

  /** The table's parts, to send to another thread (the typed arrays' buffers can be transferred). */
  get parts(): NameTableParts {
    return { index: this.index.data, files: this.files, fileOf: this.fileOf, lineOf: this.lineOf };
  }

  static fromParts(parts: NameTableParts): NameTable {
    return new NameTable(NameIndex.fromParts(parts.index), parts.files, parts.fileOf, parts.lineOf);
  }

  get size(): number {
    return this.index.size;
  }

  get(name: string): Entry | undefined {
    const entry = this.index.indexOf(name);
    return entry < 0 ? undefined : { file: this.files[this.fileOf[entry]], line: this.lineOf[entry] };
  }
}

/** The headers scanned for names: trace event headers too, their macros are worth a hover. */
export async function headerNameFiles(kdir: string): Promise<string[]> {
  const files: string[] = [];
  for (const root of headerRoots(kdir)) files.push(...(await headerFiles(root, new Set())));
  return files;
}

/** Whether `value` is a sound NameTableParts (read from disk, say): every entry's file and line where a lookup can use them. */
export function isNameTableParts(value: unknown): value is NameTableParts {
  const size = indexedTableSize(value);
  if (size === undefined) return false;
  const { files, fileOf, lineOf } = value as Partial<NameTableParts> & Pick<NameTableParts, 'files'>;
  return (
    fileOf instanceof Uint32Array &&
    lineOf instanceof Int32Array &&
    fileOf.length === size &&
    lineOf.length === size &&
    fileOf.every((file) => file < files.length) &&
    lineOf.every((line) => line >= 0)
  );
}

/** Scans the build dir's headers (`files`) for the names they define (run on a worker: see scanHeaderNamesInWorker). */
export async function scanHeaderNames(kdir: string, files?: readonly string[]): Promise<NameTable> {
  const index = new Map<string, Entry>();
  const functions = new Map<string, Entry>();
  files ??= await headerNameFiles(kdir);
  // Synchronous reads: one await per file (20,000 headers) costs more in thread-pool round trips than the reading.
  for (const file of files) {
    let text: string;
    try {
      text = readTextFileSync(file, MAX_HEADER_BYTES);
    } catch {
      continue;
    }
    // Line by line without splitting the text: most lines are #defines (one sticky match each),
    // and only lines that may declare something at column 0 become strings.
    for (let start = 0, line = 0; start <= text.length; line++) {
      let end = text.indexOf('\n', start);
      if (end < 0) end = text.length;
      DEFINE_AT.lastIndex = start;
      const define = DEFINE_AT.exec(text);
      if (define) {
        // Prefer the canonical include/linux definition over arch or compat copies.
        const known = index.get(define[1]);
        if (!known || (!known.file.includes('/include/linux/') && file.includes('/include/linux/')))
          index.set(detachedName(define[1]), { file, line });
      } else if (end > start && !NOT_A_DECLARATION.has(text.charCodeAt(start))) {
        const declaration = text.slice(start, end);
        const type = TYPE_DEFINITION.exec(declaration);
        if (type) {
          if (!functions.has(type[1])) functions.set(detachedName(type[1]), { file, line });
        } else if (DECLARATION_START.test(declaration)) {
          const name = functionName(declaration);
          if (name && !functions.has(name)) functions.set(detachedName(name), { file, line });
        }
      }
      start = end + 1;
    }
  }
  for (const [name, loc] of functions) if (!index.has(name)) index.set(name, loc);
  return NameTable.of(index);
}

/** The function a declaration line declares, skipping attribute macros and keywords before it. */
function functionName(line: string): string | undefined {
  for (const match of line.matchAll(CALL_LIKE)) {
    const name = match[1];
    if (FUNCTION_ANNOTATIONS[name] || /^(if|while|for|switch|return|sizeof|typeof|__typeof__)$/.test(name)) continue;
    return name;
  }
  return undefined;
}

/**
 * The names table `request` asks for: read from its cache when the headers are as they were, else
 * scanned (and stored). `script`: the scanning code, part of the cache key.
 */
export async function namesTable(request: { kdir: string; cacheDir?: string }, script = HEADER_WORKER): Promise<NameTableParts> {
  const files = await headerNameFiles(request.kdir);
  return cachedHeaderTable(
    request.cacheDir,
    () => headerTableKey('names', request.kdir, files, script),
    isNameTableParts,
    ({ index, files: names, fileOf, lineOf }) => ({
      index: withOwnBuffers(index),
      files: names,
      fileOf: fileOf.slice(),
      lineOf: lineOf.slice(),
    }),
    async () => (await scanHeaderNames(request.kdir, files)).parts,
  );
}

/**
 * The header names of `kdir`, scanned on a worker thread (see header-worker.ts), or read from the
 * cache in `cacheDir` (header-cache.ts) when the headers are as they were.
 */
export function scanHeaderNamesInWorker(kdir: string, cacheDir?: string): Promise<NameTable> {
  const request: HeaderScanRequest = { task: 'names', kdir, ...(cacheDir ? { cacheDir } : {}) };
  return oneHeaderScanAtATime(() =>
    inWorker(
      HEADER_WORKER,
      request,
      (parts) => NameTable.fromParts(parts as NameTableParts),
      async () => NameTable.fromParts(await namesTable(request)),
      HEADER_WORKER_LIMITS,
    ),
  );
}
