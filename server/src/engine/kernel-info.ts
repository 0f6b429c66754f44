// Reads the kernel configuration of a kernel build directory (KDIR): the options that change what annotations mean.

import * as path from 'node:path';
import { configFromAutoConf, DEBIAN_CONFIG, parseAutoConf, type ConfigValues, type KernelConfig } from '../knowledge/kernel-config';
import { readTextFile, readTextFileSync } from '../../../shared/src/safe-read';

/** auto.conf of a full configuration is ~300 KB. */
const MAX_AUTOCONF_BYTES = 8 * 1024 * 1024;

/** The annotation-relevant options of a build dir (its include/config/auto.conf), else Debian's defaults. */
export function kernelConfigOf(kdir: string | undefined): { values: ConfigValues; source: string } {
  if (kdir) {
    const file = path.join(kdir, 'include/config/auto.conf');
    try {
      return { values: configFromAutoConf(readTextFileSync(file, MAX_AUTOCONF_BYTES)), source: file };
    } catch {
      /* no auto.conf: a bare tree or a broken build dir */
    }
  }
  return {
    values: DEBIAN_CONFIG,
    source: kdir ? `Debian's defaults (${kdir} has no include/config/auto.conf)` : "Debian's defaults (no kernel build directory set)",
  };
}

/** Every option of a build dir's auto.conf (none when it has no auto.conf: every CONFIG_ condition reads as unset). */
export async function readKernelConfig(kdir: string): Promise<KernelConfig> {
  try {
    return parseAutoConf(await readTextFile(path.join(kdir, 'include/config/auto.conf'), MAX_AUTOCONF_BYTES));
  } catch {
    return new Map();
  }
}
