// The one home of kernel build directory (KDIR) facts: which one to build against, its release
// (`uname -r`) and its upstream version. Every program (extension, kmod-lsp, kmodcheck, kmod-vmtest)
// asks here, so they all pick the same directory. Pure apart from reading the file system below
// `root`, so tests run it over a real directory tree they create.
//
// Order: the kmod.kernelBuildDir setting; /lib/modules/$(uname -r)/build; then installed headers
// (/usr/src/linux-headers-*, /usr/src/kernels/*, /lib/modules/*/build): the one matching the
// running kernel, else the only one, else the user chooses.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readTextFileSync } from './safe-read';

export type KernelDirSource = 'setting' | 'running-kernel' | 'installed-headers';

export interface KernelDir {
  dir: string;
  /** `uname -r` style release the headers are for ("6.1.0-56-amd64"). */
  release: string;
  /** Upstream version ("6.1.192") when the tree tells it: selects modpost's rules. */
  version?: string;
  source: KernelDirSource;
  /** The running kernel is this release (a module built here can be insmod-ed on this machine). */
  matchesRunningKernel: boolean;
}

export type Detection =
  | { kind: 'found'; kernelDir: KernelDir; note?: string }
  | { kind: 'choose'; candidates: KernelDir[] }
  | { kind: 'none'; problems: string[]; packages: string[] }
  /** kmod.kernelBuildDir names a directory that is not a build dir: builds refuse rather than guess. */
  | { kind: 'invalid-setting'; configured: string; problem: string; detected: Detection };

export interface DetectOptions {
  /** File system root the standard locations are looked up under ("/" in the product). */
  root: string;
  /** `uname -r` (os.release()). */
  runningRelease: string;
  /** The kmod.kernelBuildDir setting (absolute path; empty when unset). */
  configured?: string;
  /** /etc/os-release ID ("debian", "ubuntu", "fedora", …), for the package name to suggest. */
  osId?: string;
  /** process.arch. */
  arch?: string;
}

const exists = (file: string) => {
  try {
    fs.statSync(file);
    return true;
  } catch {
    return false;
  }
};

/**
 * A usable build dir has a Makefile and a configured release (include/config/kernel.release or
 * include/generated/utsrelease.h). Debian's linux-headers-*-common dirs have neither file and are
 * not usable on their own.
 */
/** Version and release files are a few lines. */
const SMALL_FILE_BYTES = 64 * 1024;

export function isUsableKernelDir(dir: string): boolean {
  return (
    exists(path.join(dir, 'Makefile')) &&
    (exists(path.join(dir, 'include/generated/utsrelease.h')) || exists(path.join(dir, 'include/config/kernel.release')))
  );
}

/**
 * The `uname -r` release a build dir is for. utsrelease.h first: Debian's kernel.release holds the
 * upstream version ("6.1.192"), not the release ("6.1.0-56-amd64").
 */
export function readRelease(dir: string): string | undefined {
  try {
    const header = readTextFileSync(path.join(dir, 'include/generated/utsrelease.h'), SMALL_FILE_BYTES);
    const release = /UTS_RELEASE\s+"([^"]+)"/.exec(header)?.[1];
    if (release) return release;
  } catch {
    /* next source */
  }
  const fromName = /^linux-headers-(.+)$/.exec(path.basename(dir))?.[1];
  if (fromName) return fromName;
  try {
    return readTextFileSync(path.join(dir, 'include/config/kernel.release'), SMALL_FILE_BYTES).trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * The upstream version of a build dir ("6.1.192"), which selects modpost's rules. Debian's release
 * string ("6.1.0-56-amd64") hides the stable point release, which version.h carries
 * (LINUX_VERSION_SUBLEVEL).
 */
export function kernelVersionOf(dir: string): string | undefined {
  for (const header of ['include/generated/uapi/linux/version.h', 'include/linux/version.h']) {
    try {
      const text = readTextFileSync(path.join(dir, header), SMALL_FILE_BYTES);
      const major = /LINUX_VERSION_MAJOR\s+(\d+)/.exec(text)?.[1];
      const minor = /LINUX_VERSION_PATCHLEVEL\s+(\d+)/.exec(text)?.[1];
      const sub = /LINUX_VERSION_SUBLEVEL\s+(\d+)/.exec(text)?.[1];
      if (major && minor) return `${major}.${minor}.${sub ?? 0}`;
      const code = /LINUX_VERSION_CODE\s+(\d+)/.exec(text)?.[1];
      if (code) {
        const n = Number(code);
        return `${n >> 16}.${(n >> 8) & 255}.${n & 255}`;
      }
    } catch {
      /* try the next header */
    }
  }
  return readRelease(dir)?.match(/^\d+\.\d+(\.\d+)?/)?.[0];
}

function describe(dir: string, source: KernelDirSource, runningRelease: string): KernelDir {
  const release = readRelease(dir) ?? path.basename(dir);
  return { dir, release, version: kernelVersionOf(dir), source, matchesRunningKernel: release === runningRelease };
}

function listDir(dir: string): string[] {
  try {
    return fs.readdirSync(dir).sort();
  } catch {
    return [];
  }
}

/** Installed build dirs under `root`, deduplicated by their real path (…/build is often a symlink). */
export function installedKernelDirs(root: string): string[] {
  const candidates = [
    ...listDir(path.join(root, 'usr/src'))
      .filter((n) => n.startsWith('linux-'))
      .map((n) => path.join(root, 'usr/src', n)),
    ...listDir(path.join(root, 'usr/src/kernels')).map((n) => path.join(root, 'usr/src/kernels', n)),
    ...listDir(path.join(root, 'lib/modules')).map((n) => path.join(root, 'lib/modules', n, 'build')),
  ];
  const seen = new Set<string>();
  const result: string[] = [];
  for (const dir of candidates) {
    if (!isUsableKernelDir(dir)) continue;
    let real: string;
    try {
      real = fs.realpathSync(dir);
    } catch {
      continue;
    }
    if (seen.has(real)) continue;
    seen.add(real);
    result.push(real);
  }
  return result;
}

/** Compares releases by their numeric parts ("6.10.0" > "6.9.12"), newest first. */
export function compareReleasesDescending(a: string, b: string): number {
  const numbers = (s: string) => (s.match(/\d+/g) ?? []).map(Number);
  const x = numbers(a);
  const y = numbers(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (y[i] ?? -1) - (x[i] ?? -1);
    if (d !== 0) return d;
  }
  return b.localeCompare(a);
}

/** Debian's meta-package suffix per Node architecture. */
const DEBIAN_ARCH: Readonly<Record<string, string>> = {
  x64: 'amd64',
  arm64: 'arm64',
  arm: 'armmp',
  ia32: '686',
  ppc64: 'powerpc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
};

/** Packages that install the build dir, per distribution (os-release ID), for the running release. */
const HEADER_PACKAGES: Readonly<Record<string, (release: string, arch: string) => string[]>> = {
  debian: (r, arch) => [`linux-headers-${r}`, `linux-headers-${DEBIAN_ARCH[arch] ?? 'amd64'}`],
  ubuntu: (r) => [`linux-headers-${r}`, 'linux-headers-generic'],
  fedora: (r) => [`kernel-devel-${r}`, 'kernel-devel'],
  arch: () => ['linux-headers'],
  opensuse: () => ['kernel-default-devel'],
};

export function headerPackages(osId: string | undefined, release: string, arch: string | undefined): string[] {
  const id = osId?.startsWith('opensuse') ? 'opensuse' : osId;
  return (HEADER_PACKAGES[id ?? ''] ?? HEADER_PACKAGES.debian)(release, arch ?? 'x64');
}

/** Every installed build dir under `root` with its release and version, newest first. */
export function installedKernels(root: string, runningRelease: string): KernelDir[] {
  return installedKernelDirs(root)
    .map((dir) => describe(dir, 'installed-headers', runningRelease))
    .sort((a, b) => compareReleasesDescending(a.release, b.release));
}

export function detectKernelBuildDir(options: DetectOptions): Detection {
  if (options.configured) {
    if (isUsableKernelDir(options.configured)) {
      return { kind: 'found', kernelDir: describe(options.configured, 'setting', options.runningRelease) };
    }
    const problem = exists(options.configured)
      ? `kmod.kernelBuildDir (${options.configured}) is not a kernel build directory: it needs a Makefile and include/generated/utsrelease.h`
      : `kmod.kernelBuildDir (${options.configured}) does not exist`;
    return {
      kind: 'invalid-setting',
      configured: options.configured,
      problem,
      detected: detectKernelBuildDir({ ...options, configured: undefined }),
    };
  }
  const problems: string[] = [];
  const runningDir = path.join(options.root, 'lib/modules', options.runningRelease, 'build');
  if (isUsableKernelDir(runningDir)) return { kind: 'found', kernelDir: describe(runningDir, 'running-kernel', options.runningRelease) };
  problems.push(`${runningDir} does not exist (no headers for the running kernel ${options.runningRelease})`);

  const installed = installedKernels(options.root, options.runningRelease);
  const matching = installed.find((k) => k.matchesRunningKernel);
  if (matching) return { kind: 'found', kernelDir: matching };
  if (installed.length === 1) {
    const only = installed[0];
    const note = `using ${only.dir} (${only.release}); the running kernel is ${options.runningRelease}, so modules built here load only in a VM or machine running ${only.release}`;
    return { kind: 'found', kernelDir: only, note };
  }
  if (installed.length > 1) return { kind: 'choose', candidates: installed };
  return { kind: 'none', problems, packages: headerPackages(options.osId, options.runningRelease, options.arch) };
}

/** The build dir to use without asking: the found one, else the newest candidate (for the analyzer's version). */
export function bestGuess(detection: Detection): KernelDir | undefined {
  switch (detection.kind) {
    case 'found':
      return detection.kernelDir;
    case 'choose':
      return detection.candidates[0];
    case 'none':
    case 'invalid-setting':
      return undefined;
  }
}

/** The release a build dir's path names: `/usr/src/linux-headers-R`, `/lib/modules/R/build`. */
export function releaseNamedBy(dir: string): string | undefined {
  const normal = path.resolve(dir);
  return /\/linux-headers-([^/]+)\/?$/.exec(normal)?.[1] ?? /^\/lib\/modules\/([^/]+)\/(?:build|source)$/.exec(normal)?.[1];
}

/** Why `dir` cannot be used as a build dir, and which package would install it when its path says. */
export function unusableKernelDirText(dir: string, osId = readOsId('/')): string {
  const release = releaseNamedBy(dir);
  const install = release ? `; the headers of ${release} come with the package ${headerPackages(osId, release, process.arch)[0]}` : '';
  return `${dir} is not a kernel build directory (it needs a Makefile and include/generated/utsrelease.h)${install}`;
}

/** /etc/os-release ID of the machine (under `root`). */
export function readOsId(root: string): string | undefined {
  try {
    const text = readTextFileSync(path.join(root, 'etc/os-release'), SMALL_FILE_BYTES);
    return /^ID="?([^"\n]+)"?$/m.exec(text)?.[1];
  } catch {
    return undefined;
  }
}

/**
 * Where installed kernels are looked for: `/`, or the root of another system (a chroot with the
 * headers of a newer distribution) named by KMOD_SYSROOT.
 */
export function systemRoot(): string {
  return process.env.KMOD_SYSROOT || '/';
}

/** Detection on this machine (under `root`), with the build dir the user `configured`, if any. */
export function detectOnThisMachine(configured?: string, root = systemRoot()): Detection {
  return detectKernelBuildDir({ root, runningRelease: os.release(), configured, osId: readOsId(root), arch: process.arch });
}

/** The build dir a program uses when the user named none: what detection finds on this machine, else the newest installed. */
export function defaultKernelBuildDir(root = systemRoot()): KernelDir | undefined {
  return bestGuess(detectOnThisMachine(undefined, root));
}

/** The upstream version when the release does not already say it ("6.1.0-57-amd64" → "Linux 6.1.192"). */
export function versionLabel(kernelDir: Pick<KernelDir, 'release' | 'version'>): string | undefined {
  const version = kernelDir.version;
  return version && !kernelDir.release.startsWith(version) ? `Linux ${version}` : undefined;
}

/**
 * The build dir every program uses for a detection, and why, in words for a status bar or a log.
 * `settingOrigin` names where the setting was made ("this workspace's settings", …).
 */
export function detectionSummary(
  detection: Detection,
  runningRelease: string,
  settingOrigin = 'kmod.kernelBuildDir',
): { inUse?: KernelDir; why: string } {
  switch (detection.kind) {
    case 'found': {
      const k = detection.kernelDir;
      const why =
        k.source === 'setting'
          ? `chosen in ${settingOrigin}`
          : k.matchesRunningKernel
            ? `the headers of the running kernel (${runningRelease})`
            : `the only installed headers; the running kernel is ${runningRelease}, so modules built here load only in a VM or on a machine running ${k.release}`;
      return { inUse: k, why };
    }
    case 'choose':
      return {
        inUse: detection.candidates[0],
        why: `the newest of ${detection.candidates.length} installed headers; none is for the running kernel (${runningRelease})`,
      };
    case 'invalid-setting':
      return { why: detection.problem };
    case 'none':
      return { why: `no kernel headers found (${detection.problems.join('; ')})` };
  }
}
