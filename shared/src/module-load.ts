// Whether a built module can be loaded into the running kernel, checked before anything asks for
// parameters or runs insmod: the kernel must load modules at all (CONFIG_MODULES gives
// /proc/modules; kernel.modules_disabled switches loading off until reboot), and the .ko must be
// built for it (the release in its vermagic, which the kernel compares in kernel/module/version.c).

import * as path from 'node:path';
import { readRegularFileSync, tryReadTextFileSync } from './safe-read';

/** What kmod-run --outcome writes: the command's exit status and the kmod: lines it printed. */
export interface CommandOutcome {
  exitCode: number;
  messages: string[];
}

export function parseCommandOutcome(text: string | undefined): CommandOutcome | undefined {
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as Partial<Record<keyof CommandOutcome, unknown>>;
    if (typeof value.exitCode !== 'number' || !Array.isArray(value.messages)) return undefined;
    return { exitCode: value.exitCode, messages: value.messages.filter((m): m is string => typeof m === 'string') };
  } catch {
    return undefined;
  }
}

/** A .ko larger than this is not a module anyone builds (debug info included). */
const MAX_KO_BYTES = 512 * 1024 * 1024;

/** The `key=value` strings of a 64-bit little-endian ELF's .modinfo section (name, vermagic, …). */
export function readModinfoStrings(koFile: string): Map<string, string> {
  const info = new Map<string, string>();
  const bytes = readRegularFileSync(koFile, MAX_KO_BYTES);
  // ELF magic, ELFCLASS64, ELFDATA2LSB: anything else is not a module this machine could load.
  if (bytes.length < 64 || bytes.readUInt32BE(0) !== 0x7f454c46 || bytes[4] !== 2 || bytes[5] !== 1) return info;
  const shoff = Number(bytes.readBigUInt64LE(0x28));
  const shentsize = bytes.readUInt16LE(0x3a);
  const shnum = bytes.readUInt16LE(0x3c);
  const shstrndx = bytes.readUInt16LE(0x3e);
  const header = (index: number) => shoff + index * shentsize;
  if (shstrndx >= shnum || header(shnum) > bytes.length) return info;
  const names = Number(bytes.readBigUInt64LE(header(shstrndx) + 0x18));
  for (let i = 0; i < shnum; i++) {
    const at = header(i);
    const nameAt = names + bytes.readUInt32LE(at);
    if (bytes.toString('latin1', nameAt, bytes.indexOf(0, nameAt)) !== '.modinfo') continue;
    const offset = Number(bytes.readBigUInt64LE(at + 0x18));
    const size = Number(bytes.readBigUInt64LE(at + 0x20));
    for (const entry of bytes.toString('utf8', offset, Math.min(offset + size, bytes.length)).split('\0')) {
      const eq = entry.indexOf('=');
      if (eq > 0 && !info.has(entry.slice(0, eq))) info.set(entry.slice(0, eq), entry.slice(eq + 1));
    }
    break;
  }
  return info;
}

/** The kernel release a .ko was built for: the first word of its vermagic. */
export function builtForRelease(koFile: string): string | undefined {
  try {
    return readModinfoStrings(koFile).get('vermagic')?.split(' ')[0] || undefined;
  } catch {
    return undefined;
  }
}

export type LoadProblemKind = 'no-module-support' | 'modules-disabled' | 'other-kernel';

export interface LoadProblem {
  kind: LoadProblemKind;
  message: string;
}

/** Why the running kernel cannot load any module, or undefined. `root` is "/" outside tests. */
export function hostLoadProblem(runningRelease: string, root = '/'): LoadProblem | undefined {
  if (tryReadTextFileSync(path.join(root, 'proc/modules'), 16 * 1024 * 1024) === undefined) {
    return {
      kind: 'no-module-support',
      message: `The running kernel (${runningRelease}) cannot load modules: it was built without loadable-module support (there is no /proc/modules).`,
    };
  }
  if (tryReadTextFileSync(path.join(root, 'proc/sys/kernel/modules_disabled'), 64)?.trim() === '1') {
    return {
      kind: 'modules-disabled',
      message: 'The running kernel has module loading switched off until the next reboot (kernel.modules_disabled = 1).',
    };
  }
  return undefined;
}

/** Why `koFile` cannot be loaded into the running kernel, or undefined when nothing stands in the way that we can see. */
export function loadProblem(koFile: string, runningRelease: string, root = '/'): LoadProblem | undefined {
  const host = hostLoadProblem(runningRelease, root);
  if (host) return host;
  const builtFor = builtForRelease(koFile);
  if (builtFor && builtFor !== runningRelease) {
    return {
      kind: 'other-kernel',
      message:
        `${path.basename(koFile)} was built for ${builtFor}, but the running kernel is ${runningRelease}: insmod would refuse it ` +
        `("Invalid module format"). Build it with the running kernel's headers, or test it in a VM running ${builtFor}.`,
    };
  }
  return undefined;
}
