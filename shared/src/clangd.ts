// clangd for kernel modules: which C tooling serves IntelliSense, which clangd binary to start, with
// which arguments, and which of its diagnostics our own findings already cover. Pure apart from
// looking for executables, so the extension and the tests decide the same way.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { findExecutable } from './process';

/** The VS Code extensions that bring their own C IntelliSense. */
export const CLANGD_EXTENSION_ID = 'llvm-vs-code-extensions.vscode-clangd';
export const CPPTOOLS_EXTENSION_ID = 'ms-vscode.cpptools';

/** The Debian package that installs /usr/bin/clangd (bookworm: clangd 14; clangd-16 and clangd-19 are newer). */
export const CLANGD_PACKAGE = 'clangd';

export interface ClangdBinary {
  path: string;
  /** From the name (`clangd-19`); undefined for a plain `clangd`. */
  major?: number;
}

/**
 * The newest clangd on PATH: Debian installs versioned `clangd-NN` binaries and `clangd` for its
 * default version, so a `clangd-19` beside `clangd` (14) is preferred; clangd 19 gives its first
 * diagnostics about twice as fast.
 */
export function findClangd(searchPath = process.env.PATH ?? ''): ClangdBinary | undefined {
  let best: ClangdBinary | undefined;
  for (const dir of searchPath.split(':')) {
    if (!dir) continue;
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      const major = /^clangd-(\d+)$/.exec(name)?.[1];
      if (name !== 'clangd' && major === undefined) continue;
      const file = findExecutable(path.join(dir, name));
      if (!file) continue;
      const candidate: ClangdBinary = major === undefined ? { path: file } : { path: file, major: Number(major) };
      if (!best || (candidate.major ?? 0) > (best.major ?? 0)) best = candidate;
    }
  }
  return best;
}

/**
 * clangd's arguments for a module: the compile database we wrote (outside the user's tree; the
 * background index goes beside it), and no `#include` insertion on completion, which would add the
 * kernel's internal headers (`asm/…`) that a module must not include directly.
 */
export function clangdArguments(compileCommandsDir: string): string[] {
  return [`--compile-commands-dir=${compileCommandsDir}`, '--header-insertion=never'];
}

/** `clangd.arguments` with ours in place of any earlier `--compile-commands-dir`. */
export function withCompileCommandsDir(existing: readonly string[], compileCommandsDir: string): string[] {
  const others = existing.filter((arg) => !arg.startsWith('--compile-commands-dir'));
  return [...others, `--compile-commands-dir=${compileCommandsDir}`];
}

/** `kmod.clangd.mode`: `auto`, `off`, or the path of a clangd binary. */
export type ClangdMode = { kind: 'auto' } | { kind: 'off' } | { kind: 'path'; path: string };

export function parseClangdMode(value: string): ClangdMode {
  const trimmed = value.trim();
  if (trimmed === '' || trimmed === 'auto') return { kind: 'auto' };
  if (trimmed === 'off') return { kind: 'off' };
  return { kind: 'path', path: trimmed };
}

export interface IntelliSensePlan {
  /** Point the clangd extension at the database (`clangd.arguments`). */
  clangdExtension: boolean;
  /** Give Microsoft C/C++ the exact (gcc) database (`C_Cpp.default.compileCommands`). */
  cpptools: boolean;
  /** Start this clangd ourselves, as a second language client. */
  ownClangd?: string;
  /** Nothing serves C IntelliSense, and why. */
  problem?: 'off' | 'no-clangd' | 'bad-path';
}

/**
 * Who serves C IntelliSense for kernel modules. The clangd extension and cpptools are configured
 * when installed. We start clangd ourselves only when neither is (in `auto` mode), or when a path
 * names a binary and the clangd extension is not installed: two clangd processes on the same files
 * would answer everything twice.
 */
export function planIntelliSense(options: {
  mode: ClangdMode;
  clangdExtension: boolean;
  cpptools: boolean;
  find: () => ClangdBinary | undefined;
  /** The executable a path or a bare name (looked up on PATH) names. */
  resolveExecutable: (file: string) => string | undefined;
}): IntelliSensePlan {
  const plan: IntelliSensePlan = { clangdExtension: options.clangdExtension, cpptools: options.cpptools };
  if (options.clangdExtension) return plan;
  switch (options.mode.kind) {
    case 'off':
      return options.cpptools ? plan : { ...plan, problem: 'off' };
    case 'path': {
      const binary = options.resolveExecutable(options.mode.path);
      return binary ? { ...plan, ownClangd: binary } : { ...plan, problem: 'bad-path' };
    }
    case 'auto': {
      if (options.cpptools) return plan;
      const found = options.find();
      return found ? { ...plan, ownClangd: found.path } : { ...plan, problem: 'no-clangd' };
    }
  }
}

/**
 * clangd diagnostics (by clang's diagnostic name) that the language client we start leaves out,
 * because a finding of ours covers the same code with what gcc and modpost do, and the two would
 * disagree: clang calls a writable `__initconst` array a section type conflict where gcc accepts it
 * (initconst-not-const), and reports gcc's real conflict on the module_init() line instead of the
 * variable (section-type-conflict).
 */
export const CLANG_DIAGNOSTICS_LEFT_TO_KMOD: Readonly<Record<string, string>> = {
  section_conflict: 'section-type-conflict, initconst-not-const',
};
