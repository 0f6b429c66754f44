// Maps "func+0xoff/0xsize [module]" to a source line using the module's .ko: the symbol's section and
// value from `objdump -t`, then `addr2line -j <section>` on value+offset. Without debug info it falls
// back to the line where the function is defined, found by a plain text search in the module's .c files.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { OopsLocation, parseOopsLine } from './parse';
import { tryReadTextFileSync } from '../safe-read';

export interface ResolvedOopsLine {
  file: string;
  line: number;
  function: string;
  offset: number;
  /** 'debug-info': addr2line on the .ko's DWARF; 'definition': the function's definition line only. */
  method: 'debug-info' | 'definition';
  koFile?: string;
  /** With inlining: the callers the code was inlined into, innermost first (debug-info only). */
  inlinedInto?: { function: string; file: string; line: number }[];
}

interface SymbolEntry {
  value: number;
  section: string;
  isFunction: boolean;
  isLocal: boolean;
  name: string;
}

const MAX_SEARCH_DEPTH = 4;
const SKIPPED_DIRS = new Set(['.git', 'node_modules', '.tmp_versions', '.vscode']);

/** Kbuild aliases init/exit functions; these point back to the macro that names the real function. */
const MODULE_ENTRY_ALIASES: Readonly<Record<string, string>> = {
  init_module: 'module_init',
  cleanup_module: 'module_exit',
};

export async function resolveOopsLine(line: string, moduleDirs: readonly string[]): Promise<ResolvedOopsLine | undefined> {
  const location = parseOopsLine(line);
  return location ? resolveOopsLocation(location, moduleDirs) : undefined;
}

export async function resolveOopsLocation(location: OopsLocation, moduleDirs: readonly string[]): Promise<ResolvedOopsLine | undefined> {
  if (!location.module) return undefined; // in the kernel image: we have no vmlinux with debug info
  const koFile = findModuleObject(location.module, moduleDirs);
  const searchDirs = koFile ? [path.dirname(koFile), ...moduleDirs] : [...moduleDirs];
  if (koFile) {
    const viaDebugInfo = await resolveWithDebugInfo(location, koFile).catch(() => undefined);
    if (viaDebugInfo) return viaDebugInfo;
  }
  const definition = findFunctionDefinition(location.function, searchDirs);
  return definition && { ...definition, function: location.function, offset: location.offset, method: 'definition', koFile };
}

/** The newest `<module>.ko` under the directories (kbuild names "hello-3.ko" module "hello_3"). */
export function findModuleObject(moduleName: string, dirs: readonly string[]): string | undefined {
  const normalized = moduleName.replace(/-/g, '_');
  const matches = dirs.flatMap((dir) =>
    listFiles(dir, (name) => name.endsWith('.ko') && name.slice(0, -3).replace(/-/g, '_') === normalized),
  );
  return matches.sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0];
}

function listFiles(dir: string, accept: (name: string) => boolean, depth = 0): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      return depth < MAX_SEARCH_DEPTH && !SKIPPED_DIRS.has(entry.name) ? listFiles(full, accept, depth + 1) : [];
    }
    return entry.isFile() && accept(entry.name) ? [full] : [];
  });
}

function capture(command: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} exited ${code}`))));
  });
}

/** `objdump -t -w` rows: "0000000000000000 l     F .exit.text	0000000000000012 hello_3_exit". */
export async function readSymbols(koFile: string): Promise<SymbolEntry[]> {
  const output = await capture('objdump', ['-t', '-w', koFile]);
  const symbols: SymbolEntry[] = [];
  for (const row of output.split('\n')) {
    const match = /^([0-9a-fA-F]+) (.{7}) (\S+)\s+[0-9a-fA-F]+\s+(.+)$/.exec(row);
    if (!match) continue;
    const [, value, flags, section, name] = match;
    symbols.push({ value: parseInt(value, 16), section, name, isFunction: flags.includes('F'), isLocal: flags.startsWith('l') });
  }
  return symbols;
}

async function resolveWithDebugInfo(location: OopsLocation, koFile: string): Promise<ResolvedOopsLine | undefined> {
  const symbols = await readSymbols(koFile);
  const symbol = symbols
    .filter((s) => s.name === location.function && s.section !== '*UND*')
    .sort((a, b) => Number(b.isFunction) - Number(a.isFunction))[0];
  if (!symbol) return undefined;
  // A call-trace frame holds a return address: the call is the instruction before it.
  const offset = location.kind === 'frame' && location.offset > 0 ? location.offset - 1 : location.offset;
  const address = `0x${(symbol.value + offset).toString(16)}`;
  const output = await capture('addr2line', ['-f', '-i', '-e', koFile, '-j', symbol.section, address]);
  const frames = parseAddr2line(output, koFile);
  if (!frames.length) return undefined;
  const [innermost, ...callers] = frames;
  return {
    file: innermost.file,
    line: innermost.line,
    function: location.function,
    offset: location.offset,
    method: 'debug-info',
    koFile,
    ...(callers.length ? { inlinedInto: callers } : {}),
  };
}

/** Pairs of "function\nfile:line" lines; "??:0" / "??:?" means no debug info. */
function parseAddr2line(output: string, koFile: string): { function: string; file: string; line: number }[] {
  const lines = output.split('\n').filter((l) => l.length > 0);
  const frames: { function: string; file: string; line: number }[] = [];
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const match = /^(.*):(\d+)(?: \(discriminator \d+\))?$/.exec(lines[i + 1]);
    if (!match || match[1].startsWith('??') || Number(match[2]) === 0) continue;
    frames.push({ function: lines[i], file: locateSource(match[1], koFile), line: Number(match[2]) });
  }
  return frames;
}

/** DWARF holds the path the module was compiled at; if the tree moved, use the same name beside the .ko. */
function locateSource(file: string, koFile: string): string {
  if (fs.existsSync(file)) return file;
  const beside = path.join(path.dirname(koFile), path.basename(file));
  return fs.existsSync(beside) ? beside : file;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A simple stand-in for the analyzer: the first line that starts at column 0, names the function
 * followed by "(", and whose next "{" comes before any ";" (so prototypes do not count).
 */
export function findFunctionDefinition(functionName: string, dirs: readonly string[]): { file: string; line: number } | undefined {
  const baseName = functionName.split('.')[0]; // hello_exit.cold → hello_exit
  const files = [...new Set(dirs.flatMap((dir) => listFiles(dir, (name) => name.endsWith('.c'))))];
  const alias = MODULE_ENTRY_ALIASES[baseName];
  const target = alias ? (findAliasTarget(alias, files) ?? baseName) : baseName;
  const startPattern = new RegExp(String.raw`^[A-Za-z_].*\b${escapeRegExp(target)}\s*\(`);
  for (const file of files) {
    const lines = (tryReadTextFileSync(file) ?? '').split('\n');
    for (let i = 0; i < lines.length; i++) {
      if (!startPattern.test(lines[i])) continue;
      const rest = lines.slice(i, i + 12).join('\n');
      const afterName = rest.slice(rest.search(new RegExp(String.raw`\b${escapeRegExp(target)}\s*\(`)));
      const brace = afterName.indexOf('{');
      const semicolon = afterName.indexOf(';');
      if (brace >= 0 && (semicolon < 0 || brace < semicolon)) return { file, line: i + 1 };
    }
  }
  return undefined;
}

/** For init_module/cleanup_module: the function named in module_init(x)/module_exit(x). */
function findAliasTarget(macro: string, files: readonly string[]): string | undefined {
  const pattern = new RegExp(String.raw`^\s*${macro}\s*\(\s*([A-Za-z_]\w*)\s*\)`, 'm');
  for (const file of files) {
    const match = pattern.exec(tryReadTextFileSync(file) ?? '');
    if (match) return match[1];
  }
  return undefined;
}
