// Kernel build directory (KDIR) discovery and its release string (the `uname -r` the module is built for).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Where the release is recorded, in order of trust. utsrelease.h comes first: Debian's headers
 * put the upstream version ("6.1.192") in include/config/kernel.release but the uname release
 * ("6.1.0-56-amd64") in UTS_RELEASE.
 */
const RELEASE_SOURCES: readonly { file: string; extract: (text: string) => string | undefined }[] = [
  { file: 'include/generated/utsrelease.h', extract: (text) => /#define\s+UTS_RELEASE\s+"([^"]+)"/.exec(text)?.[1] },
  { file: 'include/config/kernel.release', extract: (text) => text.trim() || undefined },
];

export function readKernelRelease(kdir: string): string | undefined {
  for (const source of RELEASE_SOURCES) {
    let text: string;
    try {
      text = fs.readFileSync(path.join(kdir, source.file), 'utf8');
    } catch {
      continue;
    }
    const release = source.extract(text);
    if (release) return release;
  }
  return undefined;
}

const compareVersions = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

/** Installed Debian header trees, newest first. */
export function listDebianHeaderDirs(root = '/usr/src'): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(root);
  } catch {
    return [];
  }
  return names
    .filter((name) => /^linux-headers-.*-amd64$/.test(name))
    .map((name) => path.join(root, name))
    .filter((dir) => fs.existsSync(path.join(dir, 'Makefile')))
    .sort((a, b) => compareVersions(b, a));
}

/** The running kernel's build dir when it exists, else the newest Debian header tree. */
export function defaultKernelBuildDir(): string | undefined {
  const running = path.join('/lib/modules', os.release(), 'build');
  if (fs.existsSync(path.join(running, 'Makefile'))) return running;
  return listDebianHeaderDirs()[0];
}
