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

export class HeaderIndex {
  private kdir: string | undefined;
  private index: Promise<Map<string, Entry>> | undefined;

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

async function buildIndex(kdir: string): Promise<Map<string, Entry>> {
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
  return index;
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
