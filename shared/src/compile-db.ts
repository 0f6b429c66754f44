// A compile database (compile_commands.json) for an external module, from kbuild itself: the
// `.<obj>.o.cmd` files a build leaves beside each object, or, before the first build, the recipes a
// dry run prints (`make -n -B … KBUILD_MODPOST_NOFINAL=1 modules`). Both give the exact gcc argument
// vector kbuild runs; the kernel headers packages lack scripts/clang-tools/gen_compile_commands.py,
// which would otherwise do this. Relative paths in those commands are relative to the directory the
// compiler ran in, which is each entry's `directory`: the kernel build dir up to 6.12 (`-I./include`),
// the module dir from 6.13 on, where kbuild changes into M= and writes `-o hello.o hello.c`.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { isUsableKernelDir, unusableKernelDirText } from './kernel-dir';
import { kbuildFile, modulesInDir } from './kbuild';
import { findExecutable, runCommand } from './process';

export interface CompileCommand {
  /** The directory the compiler runs in: the kernel build dir (KDIR) up to 6.12, the module dir from 6.13. */
  directory: string;
  /** Absolute path of the source. */
  file: string;
  /** The compiler's argument vector, compiler first. */
  arguments: string[];
  /** Absolute path of the object. */
  output: string;
}

/** `gcc`: kbuild's exact arguments (for gcc-based tools such as cpptools); `clang`: without the flags clang rejects. */
export type Flavour = 'gcc' | 'clang';
export const FLAVOURS: readonly Flavour[] = ['clang', 'gcc'];

/** Where a module's commands came from: its `.cmd` files (a build) or a dry run of make. */
export type CommandOrigin = 'build' | 'dry-run';

export type CompileDbProblem = 'no-kernel-dir' | 'no-make' | 'unsafe-path' | 'no-module' | 'make-failed';

export class CompileDbError extends Error {
  constructor(
    readonly problem: CompileDbProblem,
    message: string,
  ) {
    super(message);
  }
}

// ---------------------------------------------------------------------------------------------
// Text: make's escapes in .cmd files, and the POSIX shell words of a recipe.

/**
 * Undoes kbuild's `make-cmd` escaping in a `.cmd` file (scripts/Kbuild.include): `$` is written as
 * `$$` and `#` as `$(pound)`, so that make reads the line back unchanged. What is left is shell text.
 */
export function unescapeMake(text: string): string {
  return text.replace(/\$\$|\$\(pound\)/g, (escape) => (escape === '$$' ? '$' : '#'));
}

type ShellToken = { word: string } | { operator: string };

const OPERATORS = ['&&', '||', ';;', '>>', '<<', '>&', '<&', '>|', ';', '&', '|', '(', ')', '<', '>'];

/**
 * Splits shell text into words (quotes and backslashes removed, nothing expanded) and control
 * operators, as a POSIX shell reads a command line. Enough for the recipes kbuild prints; `$…`
 * stays literal.
 */
export function shellTokens(text: string): ShellToken[] {
  const tokens: ShellToken[] = [];
  let word = '';
  let inWord = false;
  const endWord = () => {
    if (inWord) tokens.push({ word });
    word = '';
    inWord = false;
  };
  for (let i = 0; i < text.length;) {
    const char = text[i];
    if (char === '\n') {
      endWord();
      tokens.push({ operator: ';' });
      i++;
    } else if (char === ' ' || char === '\t' || char === '\r') {
      endWord();
      i++;
    } else if (char === '#' && !inWord) {
      const newline = text.indexOf('\n', i);
      i = newline < 0 ? text.length : newline;
    } else if (char === "'") {
      const close = text.indexOf("'", i + 1);
      const end = close < 0 ? text.length : close;
      word += text.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (char === '"') {
      inWord = true;
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\' && i + 1 < text.length && '$`"\\\n'.includes(text[i + 1])) {
          if (text[i + 1] !== '\n') word += text[i + 1];
          i += 2;
        } else word += text[i++];
      }
      i++;
    } else if (char === '\\') {
      if (i + 1 < text.length && text[i + 1] !== '\n') {
        word += text[i + 1];
        inWord = true;
      }
      i += 2;
    } else {
      const operator = OPERATORS.find((op) => text.startsWith(op, i));
      if (operator) {
        endWord();
        tokens.push({ operator });
        i += operator.length;
      } else {
        word += char;
        inWord = true;
        i++;
      }
    }
  }
  endWord();
  return tokens;
}

/** The simple commands of shell text, each as its argument vector (redirections left out). */
export function simpleCommands(text: string): string[][] {
  const commands: string[][] = [];
  let current: string[] = [];
  let redirectTarget = false;
  for (const token of shellTokens(text)) {
    if ('word' in token) {
      if (redirectTarget) redirectTarget = false;
      else current.push(token.word);
    } else if (/^[<>]/.test(token.operator)) {
      redirectTarget = true;
    } else {
      if (current.length > 0) commands.push(current);
      current = [];
    }
  }
  if (current.length > 0) commands.push(current);
  return commands;
}

export interface CompileInvocation {
  arguments: string[];
  /** The source as written in the command (relative to the build dir, or absolute). */
  source: string;
  /** The object as written in the command. */
  object: string;
}

/**
 * The compiler invocation in a recipe: the first simple command that compiles one C or assembler
 * source to an object (`… -c -o x.o x.c`), as in the kernel's gen_compile_commands.py. Skips the
 * genksyms preprocessor run (`-E`), objtool, fixdep (which gets the command as one quoted word) and
 * the shell around them.
 */
export function findCompileInvocation(shellText: string): CompileInvocation | undefined {
  for (const argv of simpleCommands(shellText)) {
    const source = argv[argv.length - 1];
    if (argv.length < 4 || !/\.[cS]$/.test(source) || !argv.includes('-c') || argv.includes('-E')) continue;
    const at = argv.indexOf('-o');
    const object = at > 0 ? argv[at + 1] : undefined;
    if (!object?.endsWith('.o')) continue;
    return { arguments: argv, source, object };
  }
  return undefined;
}

export interface CmdFile {
  /** The object the `.cmd` file is for, as written (`cmd_<target> :=`). */
  target: string;
  /** Written by kbuild from 6.3 on (`savedcmd_`), before that `cmd_`. */
  saved: boolean;
  /** The compiler invocation in the command, when it compiles a source. */
  compile?: CompileInvocation;
}

/** Reads the first line of a kbuild `.cmd` file: `cmd_<obj> := <command>` (≤ 6.2) or `savedcmd_<obj> := …` (6.3+). */
export function parseCmdFile(text: string): CmdFile | undefined {
  const newline = text.indexOf('\n');
  const first = newline < 0 ? text : text.slice(0, newline);
  const match = /^(saved)?cmd_(\S+)\s*:=\s*(.*)$/.exec(first);
  if (!match) return undefined;
  const compile = findCompileInvocation(unescapeMake(match[3]));
  return { target: match[2], saved: match[1] !== undefined, ...(compile ? { compile } : {}) };
}

// ---------------------------------------------------------------------------------------------
// Flavours.

/**
 * Flags of Debian's 6.1, 6.12 and 7.3 kbuild commands that clang (clangd 14 to 22) rejects with an
 * error on line 1 of every file, and gcc plugins, which clang would try to load as its own plugins.
 */
export const CLANG_REJECTED_FLAGS: readonly { pattern: RegExp; why: string }[] = [
  { pattern: /^-mpreferred-stack-boundary=/, why: "gcc's spelling; clang has -mstack-alignment" },
  { pattern: /^-mindirect-branch/, why: "gcc's retpoline flags (-mindirect-branch=, -register, -cs-prefix)" },
  { pattern: /^-mfunction-return=/, why: 'unknown to clang before 16' },
  { pattern: /^-fno-allow-store-data-races$/, why: 'gcc only' },
  { pattern: /^-fconserve-stack$/, why: 'gcc only' },
  { pattern: /^-mrecord-mcount$/, why: "clang: unsupported option for target 'x86_64'" },
  { pattern: /^-ftrivial-auto-var-init=/, why: 'clang 14 refuses =zero without an extra enabling flag' },
  { pattern: /^-fmin-function-alignment=/, why: 'gcc 14 only (7.x)' },
  { pattern: /^-fstrict-flex-arrays=/, why: 'unknown to clang before 15 (7.x)' },
  { pattern: /^-mstack-protector-guard-symbol=/, why: 'unknown to clang 14 (7.x)' },
  { pattern: /^-fsanitize=bounds-strict$/, why: "gcc's sanitizer (7.x); clang has -fsanitize=array-bounds" },
  { pattern: /^-fplugin(?:-arg-[^=]*)?=/, why: 'gcc plugins: clang would load them as its own' },
];

export function clangArguments(args: readonly string[]): string[] {
  return args.filter((arg, i) => i === 0 || !CLANG_REJECTED_FLAGS.some(({ pattern }) => pattern.test(arg)));
}

export function withFlavour(commands: readonly CompileCommand[], flavour: Flavour): CompileCommand[] {
  return flavour === 'gcc' ? commands.map((c) => ({ ...c })) : commands.map((c) => ({ ...c, arguments: clangArguments(c.arguments) }));
}

export function formatDatabase(commands: readonly CompileCommand[]): string {
  return JSON.stringify(commands, null, 2) + '\n';
}

// ---------------------------------------------------------------------------------------------
// The kernel build dir and the module directory.

const isInside = (file: string, dir: string) => file === dir || file.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep);

/**
 * The kernel source tree a build dir compiles from. Debian's headers (…-amd64) hold a one-line
 * Makefile `include <…-common>/Makefile`, and an O= build dir's Makefile includes its source tree the
 * same way; otherwise the build dir is the tree.
 */
export function kernelSourceTree(kdir: string): string {
  const text = readHead(path.join(kdir, 'Makefile'), 64 * 1024) ?? '';
  const included = /^include\s+(\/\S+)\/Makefile\s*$/m.exec(text)?.[1];
  return included && fs.existsSync(path.join(included, 'Makefile')) ? included : kdir;
}

/**
 * The first `limit` bytes of a regular file, else undefined: a workspace's `.cmd` may be a FIFO
 * (reading it would block forever) or a symlink to something huge.
 */
function readHead(file: string, limit: number): string | undefined {
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile()) return undefined;
    const fd = fs.openSync(file, 'r');
    try {
      const buffer = Buffer.alloc(Math.min(limit, stat.size));
      const length = fs.readSync(fd, buffer, 0, buffer.length, 0);
      return buffer.toString('utf8', 0, length);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return undefined;
  }
}

/**
 * True unless the command visibly comes from another kernel: every kbuild compile force-includes
 * `<srctree>/include/linux/kconfig.h`, and a build against other headers names another tree. A module
 * built with 6.1 and then asked for 6.12 must not get 6.1's flags.
 */
export function isFromKernel(args: readonly string[], kdir: string, directory = kdir, sourceTree = kernelSourceTree(kdir)): boolean {
  const at = args.findIndex((arg, i) => arg === '-include' && /(^|\/)include\/linux\/kconfig\.h$/.test(args[i + 1] ?? ''));
  if (at < 0) return true;
  const kconfig = path.resolve(directory, args[at + 1]);
  const expected = [path.join(sourceTree, 'include/linux/kconfig.h'), path.join(kdir, 'include/linux/kconfig.h')];
  return expected.some((candidate) => candidate === kconfig || sameFile(candidate, kconfig));
}

function sameFile(a: string, b: string): boolean {
  try {
    return fs.realpathSync(a) === fs.realpathSync(b);
  } catch {
    return false;
  }
}

/**
 * M= and KDIR become make variables: make would expand a `$` in them (`$(shell …)`), and kbuild
 * cannot build in a path with whitespace. Refuse those instead of passing them on.
 */
export function checkMakePath(what: string, dir: string): void {
  if (dir.includes('$')) throw new CompileDbError('unsafe-path', `${what} ${JSON.stringify(dir)} contains '$', which make would expand`);
  if (/\s/.test(dir))
    throw new CompileDbError('unsafe-path', `${what} ${JSON.stringify(dir)} contains whitespace, which kbuild cannot build in`);
}

/** The sources kbuild compiles for the module dir's Kbuild/Makefile (all of obj-m and obj-y). */
export function declaredSources(moduleDir: string): string[] {
  return [...new Set(modulesInDir(moduleDir).flatMap((m) => m.sources))];
}

function mtimeMs(file: string): number | undefined {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

/** `.<obj>.o.cmd` files below the module dir (kbuild writes them beside each object, also in subdirectories). */
function cmdFiles(moduleDir: string, depth = 0): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(moduleDir, { withFileTypes: true });
  } catch {
    return [];
  }
  const found: string[] = [];
  for (const entry of entries) {
    const full = path.join(moduleDir, entry.name);
    if (entry.isDirectory()) {
      if (depth < 6 && !entry.name.startsWith('.') && entry.name !== 'node_modules') found.push(...cmdFiles(full, depth + 1));
    } else if (/^\.[^.].*\.o\.cmd$/.test(entry.name) && !entry.name.endsWith('.mod.o.cmd')) {
      found.push(full);
    }
  }
  return found.sort();
}

export interface BuildCommands {
  commands: CompileCommand[];
  /** Declared sources with no usable `.cmd`: not built (or not compiled) yet, built against another kernel, or older than the Kbuild file. */
  missing: string[];
}

/**
 * The compile commands a build left in the module dir for `kdir`. A `.cmd` older than the
 * Kbuild/Makefile may hold flags that file no longer sets, and one from another kernel's build
 * names that kernel's headers: both count as missing.
 */
export function commandsFromBuild(kdir: string, moduleDir: string): BuildCommands {
  const dir = path.resolve(moduleDir);
  const sourceTree = kernelSourceTree(kdir);
  const kbuildStamp = mtimeMs(kbuildFile(dir) ?? '') ?? 0;
  const commands = new Map<string, CompileCommand>();
  for (const file of cmdFiles(dir)) {
    if ((mtimeMs(file) ?? 0) < kbuildStamp) continue;
    // The command is the first line (53 kB for a 6.1 hello module); the dependency list follows.
    const head = readHead(file, 1024 * 1024);
    const parsed = head === undefined ? undefined : parseCmdFile(head);
    const compile = parsed?.compile;
    const directory = parsed && compile ? compilerDirectory(parsed.target, file, kdir) : undefined;
    if (!compile || !directory || !isFromKernel(compile.arguments, kdir, directory, sourceTree)) continue;
    const entry = toEntry(directory, compile);
    if (isModuleSource(entry.file, dir)) commands.set(entry.file, entry);
  }
  const missing = declaredSources(dir).filter((source) => !commands.has(source) && fs.existsSync(source));
  return { commands: [...commands.values()].sort(byFile), missing };
}

/**
 * Where the compiler ran for a `.cmd` file: an absolute target is an M= build up to 6.12, run in the
 * build dir; a relative one names the object from the directory the compiler ran in (the module dir
 * from 6.13), and the `.cmd` file sits beside that object.
 */
function compilerDirectory(target: string, cmdFile: string, kdir: string): string | undefined {
  if (path.isAbsolute(target)) return kdir;
  const objectDir = path.dirname(cmdFile);
  const relativeDir = path.dirname(path.normalize(target));
  if (relativeDir === '.') return objectDir;
  return objectDir.endsWith(path.sep + relativeDir) ? objectDir.slice(0, -(relativeDir.length + 1)) : undefined;
}

function toEntry(directory: string, compile: CompileInvocation): CompileCommand {
  return {
    directory,
    file: path.resolve(directory, compile.source),
    arguments: compile.arguments,
    output: path.resolve(directory, compile.object),
  };
}

/** A source of the module itself: not kbuild's generated `<m>.mod.c` or 6.12's `.module-common.c`, and still there. */
function isModuleSource(file: string, moduleDir: string): boolean {
  return isInside(file, moduleDir) && !file.endsWith('.mod.c') && fs.existsSync(file);
}

const byFile = (a: CompileCommand, b: CompileCommand) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0);

// ---------------------------------------------------------------------------------------------
// The dry run.

/**
 * make's argument vector for the dry run: `-n` prints recipes without running them, `-B` prints
 * those of up-to-date objects too, and KBUILD_MODPOST_NOFINAL=1 skips Makefile.modfinal, whose `+`
 * recipes make runs even under -n (it would relink the .ko).
 */
export function dryRunArgv(kdir: string, moduleDir: string): string[] {
  checkMakePath('the kernel build directory', kdir);
  checkMakePath('the module directory', moduleDir);
  return ['-n', '-B', '-C', kdir, `M=${moduleDir}`, 'KBUILD_MODPOST_NOFINAL=1', 'modules'];
}

/**
 * The module's compile commands among the recipes `make -n` printed. Each recipe runs in the
 * directory of the make that printed it, which make announces ("make[1]: Entering directory '…'").
 */
export function commandsFromDryRun(output: string, kdir: string, moduleDir: string): CompileCommand[] {
  const dir = path.resolve(moduleDir);
  const commands = new Map<string, CompileCommand>();
  const directories = [kdir];
  for (const line of output.split('\n')) {
    const announced = /^\S*make(?:\[\d+\])?: (Entering|Leaving) directory [`'](.*)'$/.exec(line);
    if (announced) {
      if (announced[1] === 'Entering') directories.push(announced[2]);
      else if (directories.length > 1) directories.pop();
      continue;
    }
    if (!line.includes(' -c ')) continue;
    const compile = findCompileInvocation(line);
    if (!compile) continue;
    const entry = toEntry(directories[directories.length - 1], compile);
    if (isModuleSource(entry.file, dir) && !commands.has(entry.file)) commands.set(entry.file, entry);
  }
  return [...commands.values()].sort(byFile);
}

/**
 * The environment make runs with: the caller's, without what an outer make passes down (`-n`,
 * jobserver fds), and in the C locale, whose "Entering directory" lines commandsFromDryRun reads.
 */
function makeEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: 'C' };
  for (const name of ['MAKEFLAGS', 'MFLAGS', 'MAKELEVEL', 'MAKEOVERRIDES', 'GNUMAKEFLAGS']) delete env[name];
  return env;
}

export function requireKernelDir(kdir: string): void {
  if (!isUsableKernelDir(kdir)) throw new CompileDbError('no-kernel-dir', unusableKernelDirText(kdir));
}

/**
 * Runs the dry run (1–3 s; writes nothing but kbuild's own short-lived .tmp_* probe files) and returns
 * the module's compile commands. Its exit status is ignored: before the first build modpost stops for
 * want of modules.order, after every compile line has been printed.
 */
export async function dryRunCommands(kdir: string, moduleDir: string, timeoutMs = 120_000): Promise<CompileCommand[]> {
  const dir = path.resolve(moduleDir);
  requireKernelDir(kdir);
  if (declaredSources(dir).length === 0) {
    throw new CompileDbError('no-module', `no Kbuild or Makefile in ${dir} declares a module (a line like "obj-m += hello.o")`);
  }
  const argv = dryRunArgv(kdir, dir);
  const make = findExecutable('make');
  if (!make) throw new CompileDbError('no-make', 'make is not installed (Debian: sudo apt-get install make gcc)');
  const result = await runCommand(make, argv, { cwd: dir, env: makeEnvironment(), timeoutMs });
  const commands = commandsFromDryRun(result.stdout, kdir, dir);
  if (commands.length === 0) {
    const why = result.signal ? `was stopped (${result.signal})` : `exited with ${result.exitCode}`;
    const tail = result.stderr.trim().split('\n').slice(-6).join('\n');
    throw new CompileDbError(
      'make-failed',
      `make ${argv.join(' ')} ${why} and printed no compile command for ${dir}${tail ? `:\n${tail}` : ''}`,
    );
  }
  return commands;
}

// ---------------------------------------------------------------------------------------------
// Putting it together.

export interface ModuleCommands {
  commands: CompileCommand[];
  origin: CommandOrigin;
}

/**
 * The module's compile commands for `kdir`: from its `.cmd` files when every declared source has a
 * current one, otherwise (never built, a file that no longer compiles, another kernel, or
 * `dryRun: true`) from the dry run.
 */
export async function moduleCompileCommands(kdir: string, moduleDir: string, options: { dryRun?: boolean } = {}): Promise<ModuleCommands> {
  requireKernelDir(kdir);
  if (!options.dryRun) {
    const built = commandsFromBuild(kdir, moduleDir);
    if (built.commands.length > 0 && built.missing.length === 0) return { commands: built.commands, origin: 'build' };
  }
  return { commands: await dryRunCommands(kdir, moduleDir), origin: 'dry-run' };
}

/**
 * Entries for the module dir's C files that kbuild does not compile (not yet in the Kbuild file,
 * or behind an unset CONFIG_): a copy of a sibling's command with the file's own names, so that
 * tools that only read the database (cpptools, clang-tidy) see the kernel's flags there too.
 */
export function withUnlistedSources(commands: readonly CompileCommand[], moduleDir: string): CompileCommand[] {
  const dir = path.resolve(moduleDir);
  const covered = new Set(commands.map((c) => c.file));
  const dirs = new Set([dir, ...commands.map((c) => path.dirname(c.file))]);
  const added: CompileCommand[] = [];
  for (const sourceDir of dirs) {
    let names: string[];
    try {
      names = fs.readdirSync(sourceDir);
    } catch {
      continue;
    }
    for (const name of names.sort()) {
      const file = path.join(sourceDir, name);
      if (!name.endsWith('.c') || name.endsWith('.mod.c') || name.startsWith('.') || covered.has(file)) continue;
      const sibling = commands.find((c) => path.dirname(c.file) === sourceDir) ?? commands[0];
      if (!sibling) continue;
      added.push(renamed(sibling, file));
      covered.add(file);
    }
  }
  return [...commands, ...added].sort(byFile);
}

/** A command for `file` made from a sibling's: its source, object, dependency file and KBUILD_BASENAME. */
function renamed(sibling: CompileCommand, file: string): CompileCommand {
  const stem = path.basename(file, '.c');
  const output = path.join(path.dirname(file), `${stem}.o`);
  const args = sibling.arguments.map((arg, i) => {
    if (i === sibling.arguments.length - 1 && path.resolve(sibling.directory, arg) === sibling.file) return file;
    if (path.resolve(sibling.directory, arg) === sibling.output && sibling.arguments[i - 1] === '-o') return output;
    if (arg.startsWith('-Wp,-MMD,')) return `-Wp,-MMD,${path.join(path.dirname(file), `.${stem}.o.d`)}`;
    if (arg.startsWith('-DKBUILD_BASENAME=')) return `-DKBUILD_BASENAME="${stem.replace(/-/g, '_')}"`;
    return arg;
  });
  return { directory: sibling.directory, file, arguments: args, output };
}
