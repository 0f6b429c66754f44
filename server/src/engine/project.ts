// Analysis of files on disk grouped into modules (the CLI, the build-output mapper, tests):
// find the sources, group them by their Kbuild module, analyse each file in the worker pool and
// check each module as modpost would see it.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseKernelVersion, profileFor, type KernelVersion, type RuleProfile } from '../knowledge/modpost-rules';
import type { ExtractOptions } from '../parsing/extract';
import { checkModule } from './check';
import { FactsPool } from './facts-pool';
import { modulesInDir, type KbuildModule } from './kbuild';
import { kernelVersionOf } from './kernel-info';
import { VmlinuxTable } from './vmlinux';
import type { FileFacts, Finding } from './types';

export interface AnalysisOptions {
  /** Kernel version whose rules apply ("6.1", "6.6.57"); wins over the build dir's. */
  kernelVersion?: string;
  /** Kernel build directory: its version selects the rules when kernelVersion is not set. */
  kdir?: string;
  extraWarn?: boolean;
  disabledCodes?: readonly string[];
  /** Keep every file's facts in the result (default true); false bounds memory on big trees. */
  keepFacts?: boolean;
  /** Called after each module with the number of files it had. */
  onProgress?: (files: number) => void;
}

export interface AnalysisContext {
  profile: RuleProfile;
  version?: KernelVersion;
  /** Where the version came from, for the user: "--kernel-version", "<kdir>", "newest rules". */
  versionSource: string;
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
  return {
    profile,
    version,
    versionSource,
    extract: { version: version ? [version[0], version[1]] : [profile.since[0], profile.since[1]], memoryHotplug: true },
  };
}

export interface ProjectAnalysis {
  findings: Finding[];
  files: FileFacts[];
  modules: { name: string; files: string[]; builtin: boolean }[];
  /** Problems with inputs (missing paths, unreadable files): reported, the rest still checked. */
  errors: string[];
  context: AnalysisContext;
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
      if (entry.isDirectory()) {
        if (!entry.name.startsWith('.') && !SKIPPED_DIRS.has(entry.name) && !excludedDirs.has(entry.name)) pending.push(full);
      } else if (entry.isFile() && entry.name.endsWith('.c') && !entry.name.endsWith('.mod.c')) {
        found.push(full);
      }
    }
  }
  return found.sort();
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

/** Analyses files and directories (recursively); findings are reported for the requested files. */
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
  const ownPool = pool ?? new FactsPool();
  const disabledCodes = new Set(options.disabledCodes ?? []);
  const requestedUris = new Set([...requested].map(fileUri));
  const findingsOf = new Map<KbuildModule, Finding[]>();
  const kept: FileFacts[] = [];
  const vmlinux = new VmlinuxTable();
  const factsOf = (module: KbuildModule, report: boolean): Promise<FileFacts[]> => {
    const sources = module.sources.filter((source) => requested.has(source) || fs.existsSync(source));
    return Promise.all(sources.map(async (source) => {
      const result = await ownPool.analyze(fileUri(source), source, { ...context.extract, builtin: module.builtin });
      if (report && result.unanalysable && requested.has(source)) errors.push(`${source}: ${result.unanalysable}`);
      return result;
    }));
  };
  const check = (module: KbuildModule, facts: FileFacts[], linked?: VmlinuxTable): void => {
    const moduleFindings = checkModule(facts, { profile: context.profile, extraWarn: options.extraWarn, builtin: module.builtin, disabledCodes, vmlinux: linked });
    findingsOf.set(module, moduleFindings.filter((finding) => requestedUris.has(finding.uri)));
  };
  // Modules are checked as soon as their files are in, then their facts are dropped (unless the
  // caller wants them), so memory stays bounded on a whole kernel tree.
  const checkOne = async (module: KbuildModule): Promise<void> => {
    const facts = await factsOf(module, true);
    check(module, facts);
    vmlinux.add(module, facts);
    if (options.keepFacts !== false) kept.push(...facts);
    options.onProgress?.(facts.length);
  };
  try {
    // Enough modules in flight to keep every worker busy, few enough to bound memory.
    let next = 0;
    const lanes = Array.from({ length: Math.min(modules.length, 64) }, async () => {
      while (next < modules.length) await checkOne(modules[next++]);
    });
    await Promise.all(lanes);
    // Built-in objects that use another built-in object's init/exit symbols: check them again
    // with vmlinux's table, as modpost does on vmlinux.o.
    for (const module of vmlinux.modulesToRecheck()) check(module, await factsOf(module, false), vmlinux);
    const findings = [...findingsOf.values()].flat();
    findings.sort((a, b) => a.uri.localeCompare(b.uri) || a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
    return {
      findings,
      files: kept,
      modules: modules.map((m) => ({ name: m.name, files: m.sources, builtin: m.builtin })),
      errors,
      context,
    };
  } finally {
    if (!pool) await ownPool.dispose();
  }
}

/** All modules of one module directory (the build-output mapper's view). */
export function analyzeModuleDir(dir: string, options: AnalysisOptions, pool?: FactsPool): Promise<ProjectAnalysis> {
  return analyzePaths([dir], options, pool);
}
