// Translation units: what gcc compiles for each object of a module. An object's source and the
// module's own files it includes form one unit, as the preprocessor would: `#include "…"` relative
// to the including file, then the -I directories of the module's Kbuild; `#include <…>` in those
// -I directories only. Each file once per unit (include guards and #pragma once), cycles cut.
// Kernel headers (include/, arch/*/include/ of a kernel tree, anything <…> not found in the
// module's -I directories) stay out: they are the kernel's, not the module's.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { kernelTreeRoot, type KbuildModule } from './kbuild';
import type { FileFacts } from './types';

/** One object's source and the module files it includes, in preprocessor order (the source first). */
export interface TranslationUnit {
  uri: string;
  files: FileFacts[];
}

/** Bounds a unit: a generated include chain must not make one unit analyse a whole tree. */
const MAX_FILES_PER_UNIT = 256;

/** Each file is its own unit (facts without includes, e.g. tests and single documents). */
export function singleFileUnits(files: readonly FileFacts[]): TranslationUnit[] {
  return files.map((file) => ({ uri: file.uri, files: [file] }));
}

/** A kernel header of a kernel tree (include/…, arch/<a>/include/…): not part of a module's units. */
export function isKernelHeader(file: string, root: string | undefined): boolean {
  if (!root) return false;
  const relative = path.relative(root, file);
  return /^(?:include|arch\/[^/]+\/include)\//.test(relative);
}

function isRegularFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * Where an include in `from` leads: `x.h` (written "x.h") is looked for in the including file's
 * directory, then the -I directories; `<x.h>` in the -I directories only (else it is the kernel's).
 */
export function resolveInclude(name: string, from: string, includeDirs: readonly string[]): string | undefined {
  const angle = name.startsWith('<');
  const bare = angle ? name.slice(1, -1) : name;
  if (path.isAbsolute(bare)) return isRegularFile(bare) ? bare : undefined;
  if (angle && includeDirs.length === 0) return undefined;
  for (const dir of angle ? includeDirs : [path.dirname(from), ...includeDirs]) {
    const candidate = path.resolve(dir, bare);
    if (isRegularFile(candidate)) return candidate;
  }
  return undefined;
}

/** Facts of a file by absolute path (memoized by the caller); undefined when it cannot be read. */
export type FactsOf = (file: string) => Promise<FileFacts | undefined>;

/** Where an include leads (resolveInclude, possibly memoized by the caller). */
export type IncludeResolver = (name: string, from: string, includeDirs: readonly string[]) => string | undefined;

/**
 * The units of `module`, given the facts of its sources (parallel to module.sources, missing
 * ones undefined) and a way to get the facts of included files. `files` lists every distinct
 * file's facts once (sources first).
 */
export async function translationUnits(module: KbuildModule, sources: readonly (FileFacts | undefined)[], factsOf: FactsOf, resolve: IncludeResolver = resolveInclude): Promise<{ units: TranslationUnit[]; files: FileFacts[] }> {
  const files = new Map<string, FileFacts>();
  for (const facts of sources) if (facts) files.set(facts.uri, facts);
  const root = kernelTreeRoot(path.dirname(module.sources[0] ?? '.'));
  const included = new Map<string, Promise<FileFacts | undefined>>();
  const load = (file: string): Promise<FileFacts | undefined> => {
    let facts = included.get(file);
    if (!facts) included.set(file, (facts = factsOf(file)));
    return facts;
  };
  const units: TranslationUnit[] = [];
  for (let i = 0; i < module.sources.length; i++) {
    const source = sources[i];
    if (!source) continue;
    const unitFiles: FileFacts[] = [source];
    const seen = new Set([module.sources[i]]);
    // Depth-first in include order, as the preprocessor reads them.
    const visit = async (facts: FileFacts, file: string): Promise<void> => {
      for (const name of facts.includes ?? []) {
        if (unitFiles.length >= MAX_FILES_PER_UNIT) return;
        const target = resolve(name, file, module.includeDirs ?? []);
        if (!target || seen.has(target) || isKernelHeader(target, root)) continue;
        seen.add(target);
        const child = await load(target);
        if (!child || child.unanalysable) continue;
        unitFiles.push(child);
        if (!files.has(child.uri)) files.set(child.uri, child);
        await visit(child, target);
      }
    };
    await visit(source, module.sources[i]);
    units.push({ uri: source.uri, files: unitFiles });
  }
  return { units, files: [...files.values()] };
}

/** URIs of every file the units include (not their own sources). */
export function includedUris(units: readonly TranslationUnit[]): Set<string> {
  const uris = new Set<string>();
  for (const unit of units) for (const file of unit.files.slice(1)) uris.add(file.uri);
  return uris;
}

/**
 * The order to check modules in so that a .c file no Kbuild lists, but another file includes, is
 * checked only inside its includer's unit: Kbuild's modules first, then the unlisted files. The
 * unlisted files that other unlisted files include (found in their text) are known up front;
 * callers add the files each checked unit includes as they go, and skip unlisted ones in that set.
 */
export function unitOrder(modules: readonly KbuildModule[]): { batches: KbuildModule[][]; includedUnlisted: Set<string> } {
  const listed = modules.filter((module) => module.declaredIn);
  const unlisted = modules.filter((module) => !module.declaredIn);
  const includedUnlisted = new Set<string>();
  for (const module of unlisted) {
    const file = module.sources[0];
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    if (!text.includes('.c"')) continue;
    for (const match of text.matchAll(/^[ \t]*#[ \t]*include[ \t]*"([^"\n]+\.c)"/gm)) {
      const target = resolveInclude(match[1], file, []);
      if (target && target !== file) includedUnlisted.add(pathToFileURL(target).href);
    }
  }
  return { batches: [listed, unlisted], includedUnlisted };
}
