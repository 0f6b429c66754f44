// A module's sources mirrored into a directory of their own, one per kernel, so builds against
// several kernels do not overwrite each other's objects (kbuild writes them next to the sources,
// and M= cannot put them elsewhere before 6.13). Copies keep their timestamps, so make rebuilds
// only what changed since the last build for that kernel.

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isKbuildOutput } from '../../../shared/src/kbuild-outputs';

/** Where the per-kernel copies of `moduleDir` live: the user's cache, never the workspace (the analyzer would see them). */
export function buildCopiesRoot(moduleDir: string): string {
  const cache = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  const id = crypto.createHash('sha256').update(path.resolve(moduleDir)).digest('hex').slice(0, 12);
  return path.join(cache, 'kmod-tools', 'builds', `${releaseDirName(path.basename(moduleDir))}-${id}`);
}

/** A directory name for a kernel release that is safe in a path and in make's M= (no spaces, no `$`). */
export function releaseDirName(release: string): string {
  return release.replace(/[^A-Za-z0-9._+-]/g, '_');
}

const SKIPPED_DIRS = new Set(['.git', '.vscode', '.svn', '.hg', 'node_modules']);

/**
 * Makes `target` hold the sources of `source` (every file but kbuild's outputs and hidden or tool
 * directories) and keeps the objects of earlier builds there; files gone from `source` are
 * removed. Symbolic links are not followed. Returns the number of files copied.
 */
export function mirrorSources(source: string, target: string): number {
  let copied = 0;
  const walk = (from: string, to: string): void => {
    fs.mkdirSync(to, { recursive: true });
    const wanted = new Set<string>();
    for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
      const fromPath = path.join(from, entry.name);
      const toPath = path.join(to, entry.name);
      if (entry.isDirectory()) {
        if (SKIPPED_DIRS.has(entry.name) || entry.name.startsWith('.')) continue;
        wanted.add(entry.name);
        walk(fromPath, toPath);
      } else if (entry.isFile() && !isKbuildOutput(entry.name)) {
        wanted.add(entry.name);
        const sourceStat = fs.statSync(fromPath);
        const targetStat = fs.statSync(toPath, { throwIfNoEntry: false });
        // Timestamps are set to the millisecond: finer digits of the source's do not survive.
        if (targetStat && targetStat.size === sourceStat.size && Math.abs(targetStat.mtimeMs - sourceStat.mtimeMs) < 1) continue;
        fs.copyFileSync(fromPath, toPath);
        fs.utimesSync(toPath, sourceStat.atime, sourceStat.mtime);
        copied++;
      }
    }
    for (const entry of fs.readdirSync(to, { withFileTypes: true })) {
      if (wanted.has(entry.name) || isKbuildOutput(entry.name)) continue;
      fs.rmSync(path.join(to, entry.name), { recursive: true, force: true });
    }
  };
  walk(source, target);
  return copied;
}
