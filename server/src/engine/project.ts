// Analysis of files on disk grouped into modules (the CLI, the build-output mapper, tests):
// find the sources, group them by their Kbuild module, analyze each file in the worker pool and
// check each module as modpost would see it.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseKernelVersion, profileFor, type KernelVersion, type RuleProfile } from '../knowledge/modpost-rules';
import type { ExtractOptions } from '../parsing/extract';
import { checkModule } from './check';
import { loadKernelLinkTables, moduleLinkEnvironment, type LinkEnvironment } from './link-checks';
import { kernelHeaderSymbols } from './header-symbols';
import { FactsPool } from './facts-pool';
import type { CacheStats } from './facts-cache';
import { noteWrites } from './facts-cache';
import { modulesInDir, type KbuildModule } from '../../../shared/src/kbuild';
import { kernelVersionOf } from '../../../shared/src/kernel-dir';
import { kernelConfigOf } from './kernel-info';
import { VmlinuxTable } from './vmlinux';
import { findingKey, type FileFacts, type Finding } from '../model/types';
import { IncludedFactsCache, includedUris, IncludeResolution, translationUnits, unitOrder, type TranslationUnit } from './units';
import { readText } from './analyze-file';

export interface AnalysisOptions {
  /** Kernel version whose rules apply ("6.1", "6.6.57"); wins over the build dir's. */
  kernelVersion?: string;
  /** Kernel build directory: its version selects the rules when kernelVersion is not set. */
  kdir?: string;
  /** More build dirs the language server also checks against (findings on only some name them). */
  otherKdirs?: readonly string[];
  extraWarn?: boolean;
  disabledCodes?: readonly string[];
  /** Keep every file's facts in the result (default true); false bounds memory on big trees. */
  keepFacts?: boolean;
  /** Called after each module with the number of files it had. */
  onProgress?: (files: number) => void;
  /** Facts cache directory (facts-cache.ts) for the pool made here; none: every file is parsed. */
  cacheDir?: string;
}

export interface AnalysisContext {
  profile: RuleProfile;
  version?: KernelVersion;
  /** Where the version came from, for the user: "--kernel-version", "<kdir>", "newest rules". */
  versionSource: string;
  /** Where the configuration options came from: the build dir's auto.conf, or Debian's defaults. */
  configSource: string;
  extract: Omit<ExtractOptions, 'builtin'>;
}

export function resolveContext(options: AnalysisOptions): AnalysisContext {
  let version: KernelVersion | undefined;
  let versionSource = 'newest known rules';
  if (options.kernelVersion) {
    version = parseKernelVersion(options.kernelVersion);
    if (!version) throw new Error(`not a kernel version: '${options.kernelVersion}' (expected e.g. 6.1 or 6.6.57)`);
    versionSource = 'kernel version setting';
  } else if (options.kdir) {
    const fromDir = kernelVersionOf(options.kdir);
    version = fromDir ? parseKernelVersion(fromDir) : undefined;
    if (version) versionSource = `kernel build dir ${options.kdir}`;
  }
  const profile = profileFor(version);
  const config = kernelConfigOf(options.kdir);
  return {
    profile,
    version,
    versionSource,
    configSource: config.source,
    extract: { version: version ? [version[0], version[1]] : [profile.since[0], profile.since[1]], config: config.values },
  };
}

export interface ProjectAnalysis {
  findings: Finding[];
  files: FileFacts[];
  modules: { name: string; files: string[]; builtin: boolean }[];
  /** Problems with inputs (missing paths, unreadable files): reported, the rest still checked. */
  errors: string[];
  context: AnalysisContext;
  /** What the facts cache did, when the pool has one. */
  cache?: CacheStats;
}

/** A pool of our own for one analysis: with the caller's facts cache, pruned once the analysis wrote to it. */
function ownPoolFor(options: AnalysisOptions): { pool: FactsPool; done: () => Promise<void> } {
  const pool = new FactsPool({ cacheDir: options.cacheDir });
  return {
    pool,
    done: async () => {
      await pool.dispose();
      if (options.cacheDir) await noteWrites(options.cacheDir, pool.cacheStats.bytesWritten).catch(() => undefined);
    },
  };
}

const SKIPPED_DIRS = new Set(['node_modules', '.git', '.tmp_versions']);

/** .c files below `dir` (recursively), sorted for stable output. */
export function findCSources(dir: string, errors: string[], excludedDirs: ReadonlySet<string> = SKIPPED_DIRS): string[] {
  const found: string[] = [];
  const pending = [dir];
  while (pending.length > 0) {
    const current = pending.pop()!;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(current, { withFileTypes: true });
    } catch (error) {
      errors.push(`cannot read directory ${current}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      continue;
    }
    for (const entry of entries) {
      const full = path.join(current, entry.name);
      const isSource = entry.name.endsWith('.c') && !entry.name.endsWith('.mod.c');
      if (entry.isDirectory()) {
        if (!entry.name.startsWith('.') && !SKIPPED_DIRS.has(entry.name) && !excludedDirs.has(entry.name)) pending.push(full);
      } else if (isSource && entry.name.includes('\uFFFD')) {
        // Node cannot give back a name that is not UTF-8: the file could not even be opened.
        errors.push(`${full}: the file name is not valid UTF-8: not checked`);
      } else if (entry.isFile() && isSource) {
        found.push(full);
      } else if (entry.isSymbolicLink() && isSource) {
        // A link to a source is followed (directories are not: loops); to anything else, reported.
        const target = fs.statSync(full, { throwIfNoEntry: false });
        if (target?.isFile()) found.push(full);
        else errors.push(`${full}: a symbolic link to ${target ? 'something that is not a regular file' : 'nothing'}: not checked`);
      }
    }
  }
  return found.sort();
}

/** The C sources directly in `dir` (no subdirectories): what a change of its Kbuild or a header there concerns. */
export function cSourcesIn(dir: string): string[] {
  try {
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isFile() && entry.name.endsWith('.c') && !entry.name.endsWith('.mod.c'))
      .map((entry) => path.join(dir, entry.name))
      .sort();
  } catch {
    return [];
  }
}

/** Groups files into modules: by their directory's Kbuild file, else one module per file. */
export function groupIntoModules(files: readonly string[]): KbuildModule[] {
  const byDir = new Map<string, KbuildModule[]>();
  const modules: KbuildModule[] = [];
  const listed = new Set<KbuildModule>();
  const placed = new Set<string>();
  for (const file of files) {
    if (placed.has(file)) continue;
    const dir = path.dirname(file);
    if (!byDir.has(dir)) byDir.set(dir, modulesInDir(dir));
    const module = byDir.get(dir)!.find((m) => m.sources.includes(file));
    if (module) {
      if (!listed.has(module)) {
        listed.add(module);
        modules.push(module);
      }
      module.sources.forEach((source) => placed.add(source));
    } else {
      modules.push({ name: path.basename(file, '.c'), sources: [file], builtin: false, declaredIn: '' });
      placed.add(file);
    }
  }
  return modules;
}

export const fileUri = (file: string): string => pathToFileURL(file).href;

/** Analyzes files and directories (recursively); findings are reported for the requested files. */
export async function analyzePaths(inputs: readonly string[], options: AnalysisOptions, pool?: FactsPool): Promise<ProjectAnalysis> {
  const context = resolveContext(options);
  const errors: string[] = [];
  const requested = new Set<string>();
  for (const input of inputs) {
    const absolute = path.resolve(input);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(absolute);
    } catch {
      errors.push(`no such file or directory: ${input}`);
      continue;
    }
    if (stat.isDirectory()) findCSources(absolute, errors).forEach((file) => requested.add(file));
    else requested.add(absolute);
  }
  const modules = groupIntoModules([...requested]);
  const own = pool ? undefined : ownPoolFor(options);
  const ownPool = pool ?? own!.pool;
  const disabledCodes = new Set(options.disabledCodes ?? []);
  const requestedUris = new Set([...requested].map(fileUri));
  const inputDirs = inputs
    .map((input) => path.resolve(input))
    .filter((input) => !requested.has(input))
    .map((dir) => `${dir}${path.sep}`);
  // Findings in the requested files, and in the files they include below a requested directory.
  const reported = (uri: string): boolean =>
    requestedUris.has(uri) || (!uri.endsWith('.c') && inputDirs.some((dir) => fileURLToPath(uri).startsWith(dir)));
  const findingsOf = new Map<KbuildModule, Finding[]>();
  const kept: FileFacts[] = [];
  const vmlinux = new VmlinuxTable();
  const includedFacts = new IncludedFactsCache();
  const resolution = new IncludeResolution();
  const unitsOf = async (module: KbuildModule, report: boolean): Promise<{ units: TranslationUnit[]; files: FileFacts[] }> => {
    const options = { ...context.extract, builtin: module.builtin };
    const sources = module.sources.filter((source) => requested.has(source) || fs.existsSync(source));
    const facts = await Promise.all(
      sources.map(async (source) => {
        const result = await ownPool.analyze(fileUri(source), source, options);
        if (report && result.unanalyzable && requested.has(source)) errors.push(`${source}: ${result.unanalyzable}`);
        return result;
      }),
    );
    const asIncluded = { ...options, included: true as const };
    return translationUnits(
      { ...module, sources },
      facts,
      (file, mentions) =>
        mentions
          ? ownPool.analyze(fileUri(file), file, { ...options, included: { mentions } })
          : includedFacts.get(`${module.builtin}:${file}`, () => ownPool.analyze(fileUri(file), file, asIncluded)),
      resolution,
    );
  };
  // The build dir's exports and header declarations, for modpost's link checks (read once).
  const kernelTables = options.kdir
    ? loadKernelLinkTables(options.kdir, (kdir, config) => kernelHeaderSymbols(kdir, config, options.cacheDir))
    : Promise.resolve(undefined);
  const check = (module: KbuildModule, units: readonly TranslationUnit[], linked?: VmlinuxTable, link?: LinkEnvironment): void => {
    const moduleFindings = checkModule(units, {
      profile: context.profile,
      extraWarn: options.extraWarn,
      builtin: module.builtin,
      disabledCodes,
      vmlinux: linked,
      link,
      textOf: readText,
    });
    findingsOf.set(
      module,
      moduleFindings.filter((finding) => reported(finding.uri)),
    );
  };
  // A .c file that a unit includes but no Kbuild lists is compiled only as part of that unit.
  const included = new Set<string>();
  // Modules are checked as soon as their files are in, then their facts are dropped (unless the
  // caller wants them), so memory stays bounded on a whole kernel tree.
  const checkOne = async (module: KbuildModule): Promise<void> => {
    if (!module.declaredIn && included.has(fileUri(module.sources[0]))) return;
    const { units, files } = await unitsOf(module, true);
    includedUris(units).forEach((uri) => included.add(uri));
    const tables = await kernelTables;
    check(module, units, undefined, tables && (await moduleLinkEnvironment(module, tables)));
    vmlinux.add(module, units);
    if (options.keepFacts !== false) kept.push(...files);
    options.onProgress?.(units.length);
  };
  const { listed, unlisted, includedUnlisted } = unitOrder(modules);
  try {
    // Enough modules in flight to keep every worker busy, few enough to bound memory (each holds
    // its units: sources and headers; 16 keep two workers as busy as 64 did, with 180 MB less).
    const inLanes = async (batch: readonly KbuildModule[], run: (module: KbuildModule) => Promise<void>): Promise<void> => {
      let next = 0;
      await Promise.all(
        Array.from({ length: Math.min(batch.length, 16) }, async () => {
          while (next < batch.length) await run(batch[next++]);
        }),
      );
    };
    await inLanes(listed, checkOne);
    (await includedUnlisted).forEach((uri) => included.add(uri));
    await inLanes(unlisted, checkOne);
    // Built-in objects that use another built-in object's init/exit symbols: check them again
    // with vmlinux's table, as modpost does on vmlinux.o.
    await inLanes(vmlinux.modulesToRecheck(), async (module) => check(module, (await unitsOf(module, false)).units, vmlinux));
    const findings = dedupe([...findingsOf.values()].flat());
    findings.sort(byPosition);
    return {
      findings,
      files: kept,
      modules: modules.map((m) => ({ name: m.name, files: m.sources, builtin: m.builtin })),
      errors,
      context,
      ...(ownPool.factsCacheDir !== undefined ? { cache: { ...ownPool.cacheStats } } : {}),
    };
  } finally {
    await own?.done();
  }
}

/** File, then line, then column: the order every report lists findings in. */
const byPosition = (a: Finding, b: Finding): number =>
  a.uri.localeCompare(b.uri) || a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character;

/** A finding made twice (a file compiled in two modules' units) is reported once. */
function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = findingKey(f);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Findings of the same code checked against several kernels, as one list: a finding every kernel
 * has is reported once as it is; one only some have says on which (`(only on 7.3.4)`).
 */
export function mergeKernelFindings(runs: readonly { label: string; findings: readonly Finding[] }[]): Finding[] {
  const merged = new Map<string, { finding: Finding; kernels: string[] }>();
  for (const { label, findings } of runs) {
    for (const finding of findings) {
      const key = `${finding.uri}\n${finding.range.start.line}:${finding.range.start.character}\n${finding.code}`;
      const entry = merged.get(key) ?? { finding, kernels: [] };
      entry.kernels.push(label);
      merged.set(key, entry);
    }
  }
  return [...merged.values()].map(({ finding, kernels }) =>
    kernels.length === runs.length ? finding : { ...finding, message: `${finding.message} (only on ${kernels.join(', ')})` },
  );
}

/**
 * The same inputs checked against several kernel build dirs: a finding that holds on every one is
 * reported once as it is; one that holds only on some says on which.
 */
export async function analyzePathsForKernels(
  inputs: readonly string[],
  options: AnalysisOptions,
  kdirs: readonly string[],
  pool?: FactsPool,
): Promise<ProjectAnalysis> {
  if (kdirs.length <= 1) return analyzePaths(inputs, { ...options, kdir: kdirs[0] ?? options.kdir }, pool);
  const own = pool ? undefined : ownPoolFor(options);
  const ownPool = pool ?? own!.pool;
  try {
    const runs: { label: string; analysis: ProjectAnalysis }[] = [];
    for (const kdir of kdirs) {
      const analysis = await analyzePaths(inputs, { ...options, kdir }, ownPool);
      runs.push({ label: kernelVersionOf(kdir) ?? path.basename(kdir), analysis });
    }
    const findings = mergeKernelFindings(runs.map(({ label, analysis }) => ({ label, findings: analysis.findings })));
    findings.sort(byPosition);
    return { ...runs[0].analysis, findings, errors: [...new Set(runs.flatMap((run) => run.analysis.errors))] };
  } finally {
    await own?.done();
  }
}

/** All modules of one module directory (the build-output mapper's view). */
export function analyzeModuleDir(dir: string, options: AnalysisOptions, pool?: FactsPool): Promise<ProjectAnalysis> {
  return analyzePaths([dir], options, pool);
}
