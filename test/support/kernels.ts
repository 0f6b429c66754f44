// The kernels tests build against, pinned by series: a test names the kernel it assumes, so it
// passes or fails the same way whichever other headers the machine has. 6.1 and 6.12 are Debian
// bookworm's headers in /usr/src; 7.3 needs trixie's gcc-14 and lives in a chroot
// (scripts/setup-system.sh kbuild-7.3), where its builds run.

import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export type KernelSeries = '6.1' | '6.12' | '7.3';
export const KERNEL_SERIES: readonly KernelSeries[] = ['6.1', '6.12', '7.3'];

export interface TestKernel {
  series: KernelSeries;
  /** The build directory as this machine sees it (inside the chroot's tree for 7.3). */
  kdir: string;
  /** The chroot that must run the build, when the headers need another userland. */
  chroot?: { root: string; kdir: string };
}

const SETUP_GROUP: Record<KernelSeries, string> = { '6.1': 'kbuild', '6.12': 'kbuild-6.12', '7.3': 'kbuild-7.3' };
const TRIXIE_ROOT = process.env.KMOD_TRIXIE_ROOT ?? '/var/lib/kmod-tools/trixie';

/** linux-headers-<series>.<n>…-amd64 directories under `dir`, newest point release last. */
function headerDirs(dir: string, series: KernelSeries): string[] {
  if (!fs.existsSync(dir)) return [];
  const prefix =
    series === '6.1'
      ? /^linux-headers-6\.1\.\d+-\d+-amd64$/
      : new RegExp(`^linux-headers-${series.replace('.', '\\.')}\\.\\d+\\+deb\\d+-amd64$`);
  return fs
    .readdirSync(dir)
    .filter((name) => prefix.test(name) && fs.existsSync(path.join(dir, name, 'include/generated/utsrelease.h')))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

/** The installed headers of `series`; throws naming the setup command when they are missing. */
export function testKernel(series: KernelSeries = '6.1'): TestKernel {
  const missing = `kernel headers ${series} are not installed: run bash scripts/setup-system.sh ${SETUP_GROUP[series]}`;
  if (series === '7.3') {
    const name = headerDirs(path.join(TRIXIE_ROOT, 'usr/src'), series).pop();
    if (!name) throw new Error(`${missing} (a trixie chroot at ${TRIXIE_ROOT})`);
    return { series, kdir: path.join(TRIXIE_ROOT, 'usr/src', name), chroot: { root: TRIXIE_ROOT, kdir: path.join('/usr/src', name) } };
  }
  const name = headerDirs('/usr/src', series).pop();
  if (!name) throw new Error(missing);
  return { series, kdir: path.join('/usr/src', name) };
}

/** A fresh copy of `source` where `kernel`'s build can see it (in the chroot's /tmp for 7.3). */
export function copyForBuild(kernel: TestKernel, source: string): string {
  const parent = kernel.chroot ? path.join(kernel.chroot.root, 'tmp') : os.tmpdir();
  const dir = fs.mkdtempSync(path.join(parent, `kmod-kbuild-${path.basename(source)}-`));
  fs.cpSync(source, dir, { recursive: true });
  return dir;
}

export interface BuildResult {
  code: number;
  output: string;
}

/**
 * `make -C <kdir> M=<dir> modules` for `kernel`. In a chroot it runs in private mount and pid
 * namespaces with /proc mounted (objtool reads it), so nothing stays mounted afterwards.
 */
export function buildWith(kernel: TestKernel, dir: string, extraArgs: readonly string[] = []): Promise<BuildResult> {
  let command = 'make';
  let args = ['-C', kernel.kdir, `M=${dir}`, ...extraArgs, 'modules'];
  if (kernel.chroot) {
    const inside = `/${path.relative(kernel.chroot.root, dir)}`;
    command = 'unshare';
    args = [
      '--mount',
      '--pid',
      '--fork',
      `--mount-proc=${path.join(kernel.chroot.root, 'proc')}`,
      'chroot',
      kernel.chroot.root,
      'make',
      '-C',
      kernel.chroot.kdir,
      `M=${inside}`,
      ...extraArgs,
      'modules',
    ];
  }
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { maxBuffer: 16 * 1024 * 1024, env: { ...process.env, LC_ALL: 'C', PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, output: `${stdout}${stderr}` });
      },
    );
  });
}
