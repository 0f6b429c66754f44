// Reads the kernel version of a kernel build directory (KDIR), which selects modpost's rules.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { configFromAutoConf, DEBIAN_CONFIG, type ConfigValues } from '../knowledge/kernel-config';

/** The release string (e.g. "6.1.0-56-amd64") of a build dir, or undefined when it has none. */
export function kernelRelease(kdir: string): string | undefined {
  // utsrelease.h first: Debian's include/config/kernel.release says "6.1.192", not "6.1.0-56-amd64".
  try {
    const header = fs.readFileSync(path.join(kdir, 'include/generated/utsrelease.h'), 'utf8');
    const release = /UTS_RELEASE\s+"([^"]+)"/.exec(header)?.[1];
    if (release) return release;
  } catch { /* fall back to kernel.release */ }
  try {
    return fs.readFileSync(path.join(kdir, 'include/config/kernel.release'), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * The upstream version of a build dir. Debian's release string ("6.1.0-56-amd64") hides the stable
 * point release, which include/generated/uapi/linux/version.h carries (LINUX_VERSION_SUBLEVEL).
 */
export function kernelVersionOf(kdir: string): string | undefined {
  for (const header of ['include/generated/uapi/linux/version.h', 'include/linux/version.h']) {
    try {
      const text = fs.readFileSync(path.join(kdir, header), 'utf8');
      const major = /LINUX_VERSION_MAJOR\s+(\d+)/.exec(text)?.[1];
      const minor = /LINUX_VERSION_PATCHLEVEL\s+(\d+)/.exec(text)?.[1];
      const sub = /LINUX_VERSION_SUBLEVEL\s+(\d+)/.exec(text)?.[1];
      if (major && minor) return `${major}.${minor}.${sub ?? 0}`;
      const code = /LINUX_VERSION_CODE\s+(\d+)/.exec(text)?.[1];
      if (code) {
        const n = Number(code);
        return `${n >> 16}.${(n >> 8) & 255}.${n & 255}`;
      }
    } catch { /* try the next header */ }
  }
  return kernelRelease(kdir)?.match(/^\d+\.\d+(\.\d+)?/)?.[0];
}

/** The annotation-relevant options of a build dir (its include/config/auto.conf), else Debian's defaults. */
export function kernelConfigOf(kdir: string | undefined): { values: ConfigValues; source: string } {
  if (kdir) {
    const file = path.join(kdir, 'include/config/auto.conf');
    try {
      return { values: configFromAutoConf(fs.readFileSync(file, 'utf8')), source: file };
    } catch { /* no auto.conf: a bare tree or a broken build dir */ }
  }
  return { values: DEBIAN_CONFIG, source: kdir ? `Debian's defaults (${kdir} has no include/config/auto.conf)` : "Debian's defaults (no kernel build directory set)" };
}
