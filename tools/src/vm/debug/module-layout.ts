// Where a module's sections are in the guest kernel, read through gdb while the guest is stopped at
// do_init_module (after the module was laid out, before its init function runs). No vmlinux and no
// kernel debug info are needed: `struct module`'s layout comes from the .ko's own DWARF, and the
// section table (`mod->sect_attrs`, the data behind /sys/module/<m>/sections) is found by probing the
// few layouts kernels have used and checking every name against the .ko's ELF section names.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readSections } from '../elf';
import { SetupError } from '../errors';
import { findExecutable, runCommand } from '../../../../shared/src/process';

/** Byte offsets in `struct module`, from the module's own debug info. */
export interface ModuleOffsets {
  name: number;
  init: number;
  sectAttrs: number;
}

const OFFSET_FIELDS: readonly (keyof ModuleOffsets)[] = ['name', 'init', 'sectAttrs'];
const FIELD_EXPRESSION: Readonly<Record<keyof ModuleOffsets, string>> = {
  name: 'name',
  init: 'init',
  sectAttrs: 'sect_attrs',
};

export async function readModuleOffsets(gdb: string, koFile: string): Promise<ModuleOffsets> {
  const args = ['-batch', '-nx', '-q'];
  for (const field of OFFSET_FIELDS) args.push('-ex', `print/x (unsigned long)&((struct module *)0)->${FIELD_EXPRESSION[field]}`);
  args.push(koFile);
  const result = await runCommand(gdb, args, { timeoutMs: 30_000 });
  const values = [...result.stdout.matchAll(/^\$\d+ = (0x[0-9a-f]+)$/gm)].map((m) => Number(m[1]));
  if (values.length !== OFFSET_FIELDS.length) {
    throw new Error(
      `gdb could not read struct module from ${koFile}'s debug info: ${(result.stderr || result.stdout).trim().slice(0, 300)}`,
    );
  }
  return { name: values[0], init: values[1], sectAttrs: values[2] };
}

/**
 * The sections of a .ko by name, and which of them are SHF_ALLOC (placed in memory). The kernel's
 * table also lists .symtab and .strtab, which the loader copies into memory for kallsyms.
 */
export function moduleSectionNames(koFile: string): { all: Set<string>; allocated: Set<string> } {
  const SHF_ALLOC = 0x2;
  const sections = readSections(fs.readFileSync(koFile), koFile);
  return {
    all: new Set(sections.map((section) => section.name).filter(Boolean)),
    allocated: new Set(sections.filter((section) => (section.flags & SHF_ALLOC) !== 0 && section.size > 0).map((section) => section.name)),
  };
}

/**
 * The file gdb reads the module's symbols from. gdb does not relocate the line table of a relocatable
 * object whose sections carry addresses (6.2+ kernels' `__patchable_function_entries` and `.data`
 * have small non-zero ones): breakpoints would land at unrelocated addresses. So those addresses are
 * zeroed in a private copy; an ordinary .ko is used as it is.
 */
export async function symbolFileFor(koFile: string, workDir: string): Promise<string> {
  const placed = readSections(fs.readFileSync(koFile), koFile).filter((section) => section.address !== 0 && section.name);
  if (!placed.length) return koFile;
  const objcopy = findExecutable('objcopy');
  if (!objcopy) throw new SetupError("objcopy not found (needed to read this module's debug info).", ['binutils']);
  const copy = path.join(workDir, path.basename(koFile));
  const args = placed.flatMap((section) => ['--change-section-address', `${section.name}=0`]);
  const result = await runCommand(objcopy, [...args, koFile, copy], { timeoutMs: 30_000 });
  if (result.exitCode !== 0) throw new Error(`objcopy could not prepare ${koFile} for gdb: ${result.stderr.trim()}`);
  return copy;
}

/** Reads guest memory (the debugger's view): bytes at an address, or undefined when unreadable. */
export type MemoryReader = (address: bigint, length: number) => Promise<Buffer | undefined>;

/**
 * `struct module_sect_attrs { struct attribute_group grp; unsigned int nsections; struct
 * module_sect_attr attrs[]; }` with `struct module_sect_attr { struct bin_attribute battr; unsigned
 * long address; }`: the group and bin_attribute sizes vary with kernel version and config; the name
 * pointer is first in each entry and the address last.
 */
const GROUP_SIZES = [40, 48, 56, 32];
const ENTRY_SIZES = [72, 64, 80, 88, 96, 104, 56];
const MAX_SECTIONS = 128;
const KERNEL_SPACE = 0xffff800000000000n;

export async function readSectionAddresses(
  read: MemoryReader,
  sectAttrs: bigint,
  knownNames: ReadonlySet<string>,
): Promise<Map<string, bigint> | undefined> {
  if (sectAttrs < KERNEL_SPACE) return undefined;
  const header = await read(sectAttrs, 64);
  if (!header) return undefined;
  const names = new Map<bigint, string | undefined>();
  const nameAt = async (pointer: bigint) => {
    if (!names.has(pointer)) {
      const bytes = pointer >= KERNEL_SPACE ? await read(pointer, 64) : undefined;
      const end = bytes?.indexOf(0) ?? -1;
      names.set(pointer, bytes && end > 0 ? bytes.toString('latin1', 0, end) : undefined);
    }
    return names.get(pointer);
  };
  for (const groupSize of GROUP_SIZES) {
    const count = header.readUInt32LE(groupSize);
    if (count === 0 || count > MAX_SECTIONS) continue;
    const entries = sectAttrs + BigInt(groupSize + 8);
    for (const entrySize of ENTRY_SIZES) {
      const table = await read(entries, count * entrySize);
      if (!table) continue;
      const found = new Map<string, bigint>();
      for (let i = 0; i < count; i++) {
        const name = await nameAt(table.readBigUInt64LE(i * entrySize));
        const address = table.readBigUInt64LE(i * entrySize + entrySize - 8);
        if (!name || !knownNames.has(name) || address < KERNEL_SPACE) break;
        found.set(name, address);
      }
      if (found.size === count) return found;
    }
  }
  return undefined;
}

/** The gdb command that loads the module's symbols at its sections' addresses. */
export function addSymbolFileCommand(koFile: string, sections: ReadonlyMap<string, bigint>): string {
  const parts = [...sections].map(([name, address]) => `-s ${name} 0x${address.toString(16)}`);
  return `add-symbol-file ${quoteGdbWord(koFile)} ${parts.join(' ')}`;
}

/** gdb's console splits words on blanks; a path with spaces or quotes goes in double quotes. */
export function quoteGdbWord(word: string): string {
  return /^[A-Za-z0-9_./+:@-]+$/.test(word) ? word : `"${word.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}
