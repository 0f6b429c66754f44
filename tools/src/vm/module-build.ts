// Builds an out-of-tree module with kbuild and finds the resulting .ko.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readModinfo } from './elf';
import { SetupError } from './errors';
import { findExecutable, runCommand } from '../../../shared/src/process';
import { makePathProblem } from '../../../shared/src/command-lines';

export interface BuildResult {
  exitCode: number | null;
  output: string;
  seconds: number;
}

/** `make -C <kdir> M=<moduleDir> modules`: the project's own Makefile may point at a missing /lib/modules tree. */
export async function buildModule(kdir: string, moduleDir: string, onOutput?: (text: string) => void): Promise<BuildResult> {
  if (!findExecutable('make')) throw new SetupError('make is not installed.', ['make', 'gcc']);
  if (!fs.existsSync(path.join(kdir, 'Makefile'))) {
    throw new SetupError(`${kdir} is not a kernel build directory (no Makefile).`, ['linux-headers-amd64']);
  }
  const problem = makePathProblem('M', path.resolve(moduleDir));
  if (problem) throw new SetupError(problem, []);
  const started = performance.now();
  const result = await runCommand('make', ['-C', kdir, `M=${path.resolve(moduleDir)}`, 'modules'], { onOutput });
  return { exitCode: result.exitCode, output: result.stdout + result.stderr, seconds: (performance.now() - started) / 1000 };
}

/** `make -C <kdir> M=<moduleDir> clean`: kbuild's outputs go, so the next build compiles every object. */
export async function cleanModule(kdir: string, moduleDir: string, onOutput?: (text: string) => void): Promise<void> {
  await runCommand('make', ['-C', kdir, `M=${path.resolve(moduleDir)}`, 'clean'], { onOutput });
}

/**
 * A .ko of the directory the guest kernel would refuse, and why: built for another release, or
 * without the module name kbuild puts in .modinfo (objects of two builds linked together).
 */
export function unusableKoFile(moduleDir: string, release: string): { koFile: string; why: string } | undefined {
  for (const koFile of findKoFiles(moduleDir)) {
    let info: Map<string, string[]>;
    try {
      info = readModinfo(koFile);
    } catch {
      continue; // not an ELF file kbuild wrote: make replaces it
    }
    const builtFor = info.get('vermagic')?.[0]?.split(' ')[0];
    if (builtFor && builtFor !== release) return { koFile, why: `was built for ${builtFor}` };
    if (!info.get('name')?.[0]) return { koFile, why: 'has no module name in .modinfo (objects of two builds)' };
  }
  return undefined;
}

/** Every .ko below the module directory (kbuild puts them beside their objects). */
export function findKoFiles(moduleDir: string, depth = 3): string[] {
  const found: string[] = [];
  const walk = (dir: string, level: number) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory() && level < depth && !entry.name.startsWith('.')) walk(full, level + 1);
      else if (entry.isFile() && entry.name.endsWith('.ko')) found.push(full);
    }
  };
  walk(moduleDir, 0);
  return found.sort();
}

/** Picks the module to test: the one named (file name or module name), or the only one there is. */
export function selectKoFile(moduleDir: string, wanted?: string): string {
  const koFiles = findKoFiles(moduleDir);
  const normalize = (name: string) => name.replace(/\.ko$/, '').replace(/-/g, '_');
  const candidates = wanted ? koFiles.filter((ko) => normalize(path.basename(ko)) === normalize(path.basename(wanted))) : koFiles;
  if (candidates.length === 1) return candidates[0];
  if (!koFiles.length) throw new SetupError(`No .ko file in ${moduleDir} after the build.`);
  const list = koFiles.map((ko) => path.relative(moduleDir, ko)).join(', ');
  throw new SetupError(
    wanted
      ? `No module named ${wanted} in ${moduleDir} (found: ${list}).`
      : `Several modules in ${moduleDir} (${list}); choose one with --ko NAME.`,
  );
}

/** The name rmmod and the kernel use: .modinfo "name=", which kbuild derives from the file name with - → _. */
export function moduleNameOf(koFile: string): string {
  return readModinfo(koFile).get('name')?.[0] ?? path.basename(koFile, '.ko').replace(/-/g, '_');
}

/** Modules this one needs (.modinfo "depends="); the test initramfs does not carry them. */
export function moduleDependencies(koFile: string): string[] {
  return (readModinfo(koFile).get('depends')?.[0] ?? '').split(',').filter(Boolean);
}

/** The kernel release the module was built for (first word of vermagic). */
export function moduleVermagicRelease(koFile: string): string | undefined {
  return readModinfo(koFile).get('vermagic')?.[0]?.split(' ')[0];
}
