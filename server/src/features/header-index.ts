// Where kernel macros and functions are defined in the configured kernel headers, for hover and
// go-to-definition. No compile database is needed (Debian's headers package cannot make one):
// the headers are scanned once, in the background, for `#define NAME` and function declarations.

import { pathToFileURL } from 'node:url';
import { MAX_HEADER_BYTES } from '../engine/header-symbols';
import { scanHeaderNamesInWorker, type NameTable } from '../engine/header-names';
import { readTextFileSync } from '../../../shared/src/safe-read';

export interface HeaderLocation {
  uri: string;
  file: string;
  /** 0-based line of the definition. */
  line: number;
  /** The definition's text (the #define with its continuation lines, or the declaration line). */
  text: string;
}

const MAX_DEFINITION_LINES = 12;

export class HeaderIndex {
  private kdir: string | undefined;
  private index: Promise<NameTable> | undefined;
  private cacheDir: string | undefined;

  /**
   * Switches to another build dir and starts scanning it in the background (the first hover then
   * need not wait), or reading its names from the cache in `cacheDir` (header-cache.ts).
   */
  setKernelDir(kdir: string | undefined, cacheDir?: string): void {
    if (kdir === this.kdir) return;
    this.kdir = kdir;
    this.cacheDir = cacheDir;
    this.index = kdir ? scanHeaderNamesInWorker(kdir, cacheDir) : undefined;
    this.index?.catch(() => undefined);
  }

  get kernelDir(): string | undefined {
    return this.kdir;
  }

  /** Definition of `name`; the first call starts the scan and waits for it. */
  async lookup(name: string): Promise<HeaderLocation | undefined> {
    if (!this.kdir) return undefined;
    this.index ??= scanHeaderNamesInWorker(this.kdir, this.cacheDir);
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

/** The definition at `line`: the #define with its continuation lines, or the declaration up to its `;` or `{`. */
function definitionText(lines: string[], line: number): string {
  const text: string[] = [];
  for (let i = line; i < lines.length && text.length < MAX_DEFINITION_LINES; i++) {
    text.push(lines[i]);
    if (!lines[i].trimEnd().endsWith('\\') && (lines[i].includes(';') || lines[i].includes('{') || /^\s*#/.test(lines[line]))) break;
  }
  return text.join('\n');
}
