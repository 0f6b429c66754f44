// Just enough of an ELF64 little-endian reader to get a .ko's .modinfo and check that busybox is static.
import * as fs from 'node:fs';

export interface ElfSection {
  name: string;
  /** sh_flags (SHF_ALLOC = 2: placed in memory when loaded). */
  flags: number;
  /** sh_addr: 0 in a relocatable .ko, except for a few sections newer toolchains give an address. */
  address: number;
  offset: number;
  size: number;
}

const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);
const ELFCLASS64 = 2;
const ELFDATA2LSB = 1;
const PT_INTERP = 3;

export function isElf(bytes: Buffer): boolean {
  return bytes.length >= 4 && bytes.subarray(0, 4).equals(ELF_MAGIC);
}

export function fileIsElf(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(4);
    fs.readSync(fd, head, 0, 4, 0);
    return isElf(head);
  } finally {
    fs.closeSync(fd);
  }
}

function assertElf64(bytes: Buffer, what: string): void {
  if (!isElf(bytes) || bytes[4] !== ELFCLASS64 || bytes[5] !== ELFDATA2LSB) {
    throw new Error(`${what} is not a 64-bit little-endian ELF file`);
  }
}

export function readSections(bytes: Buffer, what = 'file'): ElfSection[] {
  assertElf64(bytes, what);
  const shoff = Number(bytes.readBigUInt64LE(0x28));
  const shentsize = bytes.readUInt16LE(0x3a);
  const shnum = bytes.readUInt16LE(0x3c);
  const shstrndx = bytes.readUInt16LE(0x3e);
  const header = (index: number) => shoff + index * shentsize;
  const namesOffset = Number(bytes.readBigUInt64LE(header(shstrndx) + 0x18));
  const sections: ElfSection[] = [];
  for (let i = 0; i < shnum; i++) {
    const at = header(i);
    const nameOffset = namesOffset + bytes.readUInt32LE(at);
    const nameEnd = bytes.indexOf(0, nameOffset);
    sections.push({
      name: bytes.toString('latin1', nameOffset, nameEnd),
      flags: Number(bytes.readBigUInt64LE(at + 0x08)),
      address: Number(bytes.readBigUInt64LE(at + 0x10)),
      offset: Number(bytes.readBigUInt64LE(at + 0x18)),
      size: Number(bytes.readBigUInt64LE(at + 0x20)),
    });
  }
  return sections;
}

/** The `key=value` strings of a kernel module's .modinfo section (e.g. name, depends, vermagic). */
export function readModinfo(koFile: string): Map<string, string[]> {
  const bytes = fs.readFileSync(koFile);
  const section = readSections(bytes, koFile).find((s) => s.name === '.modinfo');
  const info = new Map<string, string[]>();
  if (!section) return info;
  const text = bytes.toString('utf8', section.offset, section.offset + section.size);
  for (const entry of text.split('\0')) {
    const eq = entry.indexOf('=');
    if (eq <= 0) continue;
    const key = entry.slice(0, eq);
    info.set(key, [...(info.get(key) ?? []), entry.slice(eq + 1)]);
  }
  return info;
}

/** True when the ELF executable asks for a dynamic loader (so it cannot run alone in an initramfs). */
export function isDynamicallyLinked(file: string): boolean {
  const bytes = fs.readFileSync(file);
  assertElf64(bytes, file);
  const phoff = Number(bytes.readBigUInt64LE(0x20));
  const phentsize = bytes.readUInt16LE(0x36);
  const phnum = bytes.readUInt16LE(0x38);
  for (let i = 0; i < phnum; i++) {
    if (bytes.readUInt32LE(phoff + i * phentsize) === PT_INTERP) return true;
  }
  return false;
}
