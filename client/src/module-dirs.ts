// Which directory is a module directory, which modules (and .ko files) it has, and where a source
// registers the module's entry points. Node only.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { modulesInDir } from '../../shared/src/kbuild';
import type { ModuleRef } from '../../shared/src/command-lines';

/** True when the directory's Kbuild/Makefile declares at least one module. */
export function isModuleDir(dir: string): boolean {
  return modulesInDir(dir).some((m) => !m.builtin);
}

/**
 * The module directory of a file: its own directory or the nearest parent (up to `stopAt`) whose
 * Kbuild/Makefile declares a module.
 */
export function moduleDirOf(file: string, stopAt: string): string | undefined {
  let dir = path.dirname(file);
  const root = path.resolve(stopAt);
  for (;;) {
    if (isModuleDir(dir)) return dir;
    const parent = path.dirname(dir);
    if (dir === root || parent === dir || !path.resolve(dir).startsWith(root)) return undefined;
    dir = parent;
  }
}

/** The modules built in a directory, with the .ko path kbuild writes (it may not exist yet). */
export function modulesOf(moduleDir: string): (ModuleRef & { built: boolean; sources: string[] })[] {
  return modulesInDir(moduleDir)
    .filter((m) => !m.builtin)
    .map((m) => {
      const ko = path.join(moduleDir, `${m.name}.ko`);
      return { name: m.name, ko, built: fs.existsSync(ko), sources: m.sources };
    });
}

/** A file-scope entry-point macro at the start of a line (not in a comment or a #define). */
const ENTRY_POINT = /^[ \t]*(module_init|module_exit|module_driver|module_[a-z0-9_]+_driver)[ \t]*\(/;

/** The lines that register the module's entry points, with the macro each uses. */
export function entryPointLines(text: string): { line: number; macro: string }[] {
  const found: { line: number; macro: string }[] = [];
  text.split('\n').forEach((line, index) => {
    const match = ENTRY_POINT.exec(line);
    if (match) found.push({ line: index, macro: match[1] });
  });
  return found;
}
