// Where kernel macros and functions are defined in the configured kernel headers, for hover and
// go-to-definition. No compile database is needed (Debian's headers package cannot make one):
// the headers are scanned once, in the background, for `#define NAME` and function declarations.

import { pathToFileURL } from 'node:url';
import { headerFiles, headerRoots, MAX_HEADER_BYTES } from '../engine/header-symbols';
import { FUNCTION_ANNOTATIONS } from '../knowledge/annotations';
import { readTextFileSync } from '../../../shared/src/safe-read';

export interface HeaderLocation {
  uri: string;
  file: string;
  /** 0-based line of the definition. */
  line: number;
  /** The definition's text (the #define with its continuation lines, or the declaration line). */
  text: string;
}

const DEFINE = /^\s*#\s*define\s+([A-Za-z_]\w*)/;
/** `name(` on a declaration line; the first one that is not an attribute macro (`__alloc_size(1)`) is the function. */
const CALL_LIKE = /\b([a-z_]\w*)\s*\(/g;
const DECLARATION_START = /^(?:extern\s+|static\s+)?[A-Za-z_]/;
/** `struct name {`, `union name {`, `enum name {`: a type worth a hover on its name. */
const TYPE_DEFINITION = /^(?:struct|union|enum)\s+([A-Za-z_]\w*)\s*\{/;
const MAX_DEFINITION_LINES = 12;
/** Longest stretch the scan runs before letting requests through. */
const SLICE_MS = 8;

/**
 * An index entry: where the name is defined. Its URI and text are made on lookup: 200,000 URIs up
 * front cost a quarter of the scan, and keeping each definition's lines kept every header's whole
 * text alive (86 MiB of heap).
 */
interface Entry {
  file: string;
  line: number;
}

/**
 * The scanned names (half a million on a 6.1 build dir) kept for the server's lifetime in a fifth
 * of a Map's memory (45 → 9 MB): the names in one flat string, an open-addressing table of entry
 * numbers hashed by name, and typed arrays for each entry's file and line.
 */
export class NameTable {
  private readonly names: string;
  /** Entry i's name is names[starts[i], starts[i + 1]). */
  private readonly starts: Int32Array;
  private readonly slots: Int32Array;
  private readonly files: string[];
  private readonly fileOf: Uint32Array;
  private readonly lineOf: Int32Array;

  constructor(entries: ReadonlyMap<string, Entry>) {
    const count = entries.size;
    const names: string[] = [];
    const fileNumbers = new Map<string, number>();
    this.files = [];
    this.starts = new Int32Array(count + 1);
    this.fileOf = new Uint32Array(count);
    this.lineOf = new Int32Array(count);
    let i = 0;
    let offset = 0;
    for (const [name, { file, line }] of entries) {
      let fileNumber = fileNumbers.get(file);
      if (fileNumber === undefined) fileNumbers.set(file, (fileNumber = this.files.push(file) - 1));
      names.push(name);
      this.starts[i] = offset;
      this.fileOf[i] = fileNumber;
      this.lineOf[i] = line;
      offset += name.length;
      i++;
    }
    this.starts[count] = offset;
    this.names = names.join('');
    let capacity = 16;
    while (capacity < count * 2) capacity *= 2;
    this.slots = new Int32Array(capacity).fill(-1);
    for (let entry = 0; entry < count; entry++) {
      let slot = hashOf(names[entry]) & (capacity - 1);
      while (this.slots[slot] !== -1) slot = (slot + 1) & (capacity - 1);
      this.slots[slot] = entry;
    }
  }

  get size(): number {
    return this.fileOf.length;
  }

  get(name: string): Entry | undefined {
    const mask = this.slots.length - 1;
    for (let slot = hashOf(name) & mask; ; slot = (slot + 1) & mask) {
      const entry = this.slots[slot];
      if (entry === -1) return undefined;
      const start = this.starts[entry];
      if (this.starts[entry + 1] - start === name.length && this.names.startsWith(name, start))
        return { file: this.files[this.fileOf[entry]], line: this.lineOf[entry] };
    }
  }
}

/** FNV-1a over the UTF-16 code units. */
function hashOf(name: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

export class HeaderIndex {
  private kdir: string | undefined;
  private index: Promise<NameTable> | undefined;

  /** Switches to another build dir and starts scanning it in the background (the first hover then need not wait). */
  setKernelDir(kdir: string | undefined): void {
    if (kdir === this.kdir) return;
    this.kdir = kdir;
    this.index = kdir ? buildIndex(kdir) : undefined;
    this.index?.catch(() => undefined);
  }

  get kernelDir(): string | undefined {
    return this.kdir;
  }

  /** Definition of `name`; the first call starts the scan and waits for it. */
  async lookup(name: string): Promise<HeaderLocation | undefined> {
    if (!this.kdir) return undefined;
    this.index ??= buildIndex(this.kdir);
    const entry = (await this.index).get(name);
    if (!entry) return undefined;
    let lines: string[];
    try {
      lines = readTextFileSync(entry.file, MAX_HEADER_BYTES).split('\n');
    } catch {
      return undefined; // the headers changed on disk since the scan
    }
    return { uri: pathToFileURL(entry.file).href, file: entry.file, line: entry.line, text: definitionText(lines, entry.line) };
  }
}

/**
 * A copy of `name` that does not keep alive the header text it was matched in (a regex match is a
 * slice of its line, the line of the file): concatenating forces a fresh flat string.
 */
const intern = (name: string): string => ` ${name}`.slice(1);

async function buildIndex(kdir: string): Promise<NameTable> {
  const index = new Map<string, Entry>();
  const functions = new Map<string, Entry>();
  const files: string[] = [];
  // Trace event headers too: their macros are worth a hover.
  for (const root of headerRoots(kdir)) files.push(...(await headerFiles(root, new Set())));
  // Synchronous reads in slices of a few milliseconds: one await per file (20,000 headers) cost
  // more in thread-pool round trips than the reading, and a slice never holds up a request long.
  let sliceStart = performance.now();
  for (const file of files) {
    if (performance.now() - sliceStart > SLICE_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
    let text: string;
    try {
      text = readTextFileSync(file, MAX_HEADER_BYTES);
    } catch {
      continue;
    }
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      const define = DEFINE.exec(line);
      if (define) {
        // Prefer the canonical include/linux definition over arch or compat copies.
        const known = index.get(define[1]);
        if (!known || (!known.file.includes('/include/linux/') && file.includes('/include/linux/')))
          index.set(intern(define[1]), { file, line: i });
        continue;
      }
      if (line.length === 0 || line[0] === ' ' || line[0] === '\t' || line[0] === '#' || line[0] === '/' || line[0] === '*') continue;
      const type = TYPE_DEFINITION.exec(line);
      if (type) {
        if (!functions.has(type[1])) functions.set(intern(type[1]), { file, line: i });
        continue;
      }
      if (!DECLARATION_START.test(line)) continue;
      const name = functionName(line);
      if (name && !functions.has(name)) functions.set(intern(name), { file, line: i });
    }
  }
  for (const [name, loc] of functions) if (!index.has(name)) index.set(name, loc);
  return new NameTable(index);
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

/** The definition at `line`: the #define with its continuation lines, or the declaration up to its `;` or `{`. */
function definitionText(lines: string[], line: number): string {
  const text: string[] = [];
  for (let i = line; i < lines.length && text.length < MAX_DEFINITION_LINES; i++) {
    text.push(lines[i]);
    if (!lines[i].trimEnd().endsWith('\\') && (lines[i].includes(';') || lines[i].includes('{') || /^\s*#/.test(lines[line]))) break;
  }
  return text.join('\n');
}
