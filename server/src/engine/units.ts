// Translation units: what gcc compiles for each object of a module. An object's source and the
// module's own files it includes form one unit, as the preprocessor would: `#include "…"` relative
// to the including file, then the -I directories of the module's Kbuild; `#include <…>` in those
// -I directories only. Each file once per unit (include guards and #pragma once), cycles cut.
// Kernel headers (include/, arch/*/include/ of a kernel tree, anything <…> not found in the
// module's -I directories) stay out: they are the kernel's, not the module's.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isTransient } from '../knowledge/sections';
import { includeNames } from '../parsing/extract';
import { kernelTreeRoot, type KbuildModule } from '../../../shared/src/kbuild';
import type { FileFacts } from '../model/types';
import { readRegularFile } from '../../../shared/src/safe-read';
import { MAX_ANALYZED_BYTES } from './analyze-file';

/** One object's source and the module files it includes, in preprocessor order (the source first). */
export interface TranslationUnit {
  uri: string;
  files: FileFacts[];
}

const NO_DIRS: readonly string[] = [];

/** Bounds a unit: a generated include chain must not make one unit analyze a whole tree. */
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
  return includeCandidates(name, from, includeDirs).find(isRegularFile);
}

/** The paths an include in `from` is looked for at, in order (see resolveInclude). */
export function includeCandidates(name: string, from: string, includeDirs: readonly string[]): string[] {
  const angle = name.startsWith('<');
  const bare = angle ? name.slice(1, -1) : name;
  // An absolute path is nobody's module header (and a workspace must not make us read /etc).
  if (path.isAbsolute(bare)) return [];
  return (angle ? includeDirs : [path.dirname(from), ...includeDirs]).map((dir) => path.resolve(dir, bare));
}

/**
 * Where includes lead, remembered: the units of a tree ask the same questions thousands of times,
 * and each answer costs file system calls. Make a new one when files may have appeared or gone.
 */
export class IncludeResolution {
  private readonly answers = new Map<string, string | undefined>();
  private readonly perFile = new WeakMap<FileFacts, { dirs: readonly string[]; targets: string[] }>();

  resolve(name: string, from: string, includeDirs: readonly string[]): string | undefined {
    // <linux/…> and friends with no -I directory of the module's are the kernel's.
    if (name.startsWith('<') && includeDirs.length === 0) return undefined;
    const key = `${path.dirname(from)}\0${name}\0${includeDirs.join('\0')}`;
    if (this.answers.has(key)) return this.answers.get(key);
    const target = resolveInclude(name, from, includeDirs);
    this.answers.set(key, target);
    return target;
  }

  /** The module files the includes of `facts` (the file at `file`) lead to, in order; kernel headers left out. */
  targets(facts: FileFacts, file: string, includeDirs: readonly string[], root: string | undefined): string[] {
    const known = this.perFile.get(facts);
    if (known && known.dirs === includeDirs) return known.targets;
    const targets: string[] = [];
    for (const name of facts.includes ?? []) {
      const target = this.resolve(name, file, includeDirs);
      if (target && !isKernelHeader(target, root)) targets.push(target);
    }
    this.perFile.set(facts, { dirs: includeDirs, targets });
    return targets;
  }
}

/**
 * Facts of an included file by absolute path (memoized by the caller); undefined when it cannot be
 * read. With `mentions`, a file deferred before is asked again, to be parsed if it names one of them.
 */
export type FactsOf = (file: string, mentions?: readonly string[]) => Promise<FileFacts | undefined>;

/**
 * The units of `module`, given the facts of its sources (parallel to module.sources, missing
 * ones undefined) and a way to get the facts of included files. `files` lists every distinct
 * file's facts once (sources first).
 */
export async function translationUnits(
  module: KbuildModule,
  sources: readonly (FileFacts | undefined)[],
  factsOf: FactsOf,
  resolution = new IncludeResolution(),
): Promise<{ units: TranslationUnit[]; files: FileFacts[] }> {
  const includeDirs = module.includeDirs ?? NO_DIRS;
  const files = new Map<string, FileFacts>();
  for (const facts of sources) if (facts) files.set(facts.uri, facts);
  const root = kernelTreeRoot(path.dirname(module.sources[0] ?? '.'));
  const included = new Map<string, Promise<FileFacts | undefined>>();
  const load = (file: string): Promise<FileFacts | undefined> => {
    let facts = included.get(file);
    if (!facts) included.set(file, (facts = factsOf(file)));
    return facts;
  };
  // Every unit at once, and every include of a file requested before the first is awaited: the
  // workers parse a module's headers in parallel instead of one after another.
  const unitOf = async (source: FileFacts, sourcePath: string): Promise<TranslationUnit> => {
    const unitFiles: FileFacts[] = [source];
    const seen = new Set([sourcePath]);
    // Depth-first in include order, as the preprocessor reads them.
    const visit = async (facts: FileFacts, file: string): Promise<void> => {
      if (!facts.includes) return;
      const targets = resolution.targets(facts, file, includeDirs, root);
      const pending = targets.map((target) => (seen.has(target) ? undefined : load(target)));
      for (let j = 0; j < targets.length; j++) {
        const target = targets[j];
        if (unitFiles.length >= MAX_FILES_PER_UNIT) return;
        if (seen.has(target)) continue;
        seen.add(target);
        const child = await (pending[j] ?? load(target));
        if (!child || child.unanalyzable) continue;
        unitFiles.push(child);
        await visit(child, target);
      }
    };
    await visit(source, sourcePath);
    return { uri: source.uri, files: unitFiles };
  };
  const units = await Promise.all(
    module.sources.flatMap((file, i) => {
      const source = sources[i];
      return source ? [unitOf(source, file)] : [];
    }),
  );
  await undefer(units, factsOf);
  for (const unit of units) for (const facts of unit.files) if (!files.has(facts.uri)) files.set(facts.uri, facts);
  return { units, files: [...files.values()] };
}

/**
 * Included files whose inline functions or static data were not parsed (deferred) are asked again
 * with the names of the module's init/exit definitions: one that names none of them cannot give a
 * finding, one that does is parsed and replaces its deferred facts in every unit.
 */
async function undefer(units: TranslationUnit[], factsOf: FactsOf): Promise<void> {
  const deferred = new Map<string, FileFacts>();
  const transient = new Set<string>();
  for (const unit of units) {
    for (const facts of unit.files) {
      if (facts.deferred) deferred.set(facts.uri, facts);
      for (const def of facts.symbols) if (def.isDefinition && isTransient(def.section)) transient.add(def.name);
    }
  }
  if (deferred.size === 0 || transient.size === 0) return;
  const mentions = [...transient];
  const replaced = new Map<FileFacts, FileFacts>();
  await Promise.all(
    [...deferred.values()].map(async (facts) => {
      const again = await factsOf(fileURLToPath(facts.uri), mentions);
      if (again && !again.deferred && !again.unanalyzable) replaced.set(facts, again);
    }),
  );
  if (replaced.size === 0) return;
  for (const unit of units) unit.files = unit.files.map((facts) => replaced.get(facts) ?? facts);
}

/** URIs of every file the units include (not their own sources). */
export function includedUris(units: readonly TranslationUnit[]): Set<string> {
  const uris = new Set<string>();
  for (const unit of units) for (const file of unit.files.slice(1)) uris.add(file.uri);
  return uris;
}

/**
 * The order to check modules in so that a .c file no Kbuild lists, but another file includes, is
 * checked only inside its includer's unit: Kbuild's modules first, then the unlisted files.
 * `includedUnlisted` finds the unlisted files that other unlisted files include, from their text:
 * read while the listed modules are checked (`findIncluded`: default includedByText). Callers add
 * the files each checked unit includes as they go, and skip unlisted ones in that set.
 */
export function unitOrder(
  modules: readonly KbuildModule[],
  findIncluded: (files: readonly string[]) => Promise<Set<string>> = includedByText,
): {
  listed: KbuildModule[];
  unlisted: KbuildModule[];
  includedUnlisted: Promise<Set<string>>;
} {
  const listed = modules.filter((module) => module.declaredIn);
  const unlisted = modules.filter((module) => !module.declaredIn);
  return { listed, unlisted, includedUnlisted: findIncluded(unlisted.map((module) => module.sources[0])) };
}

const INCLUDED_C = Buffer.from('.c"');

/** URIs of the .c files that `files` include (`#include "x.c"`), from their text, a few read at a time. */
export async function includedByText(files: readonly string[]): Promise<Set<string>> {
  const included = new Set<string>();
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < files.length) {
        const file = files[next++];
        let bytes: Buffer;
        try {
          bytes = await readRegularFile(file, MAX_ANALYZED_BYTES);
        } catch {
          continue;
        }
        // Most files include no .c file: a byte search, no decoding.
        if (bytes.indexOf(INCLUDED_C) < 0) continue;
        for (const name of includeNames(bytes.toString('utf8'))) {
          const target = name.endsWith('.c') ? resolveInclude(name, file, []) : undefined;
          if (target && target !== file) included.add(pathToFileURL(target).href);
        }
      }
    }),
  );
  return included;
}

/**
 * Facts of included files shared by the modules of one run, so a header that many modules include
 * is analyzed once; the least recently used entries go first past `limit`.
 */
export class IncludedFactsCache {
  private readonly entries = new Map<string, Promise<FileFacts | undefined>>();

  constructor(private readonly limit = 1024) {}

  get(key: string, make: () => Promise<FileFacts | undefined>): Promise<FileFacts | undefined> {
    let entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key);
    } else {
      entry = make();
      // A crashed worker's answer is not kept: the next module that includes the file tries again.
      const made = entry;
      void made.then((facts) => {
        if (facts?.transient && this.entries.get(key) === made) this.entries.delete(key);
      });
      if (this.entries.size >= this.limit) this.entries.delete(this.entries.keys().next().value!);
    }
    this.entries.set(key, entry);
    return entry;
  }

  /**
   * `file`'s facts as `make` gives them, made once per version of the file on disk (its time and
   * size) and per kind of object (built-in or module); undefined when the file is not there.
   */
  forFile(file: string, builtin: boolean, make: () => Promise<FileFacts | undefined>): Promise<FileFacts | undefined> | undefined {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(file);
    } catch {
      return undefined;
    }
    return this.get(`${builtin}:${stat.mtimeMs}:${stat.size}:${file}`, make);
  }

  clear(): void {
    this.entries.clear();
  }
}
