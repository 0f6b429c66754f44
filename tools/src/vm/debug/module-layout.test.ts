import * as assert from 'node:assert/strict';
import { MemoryReader, addSymbolFileCommand, quoteGdbWord, readSectionAddresses } from './module-layout';

/** A guest memory image: the kernel's module_sect_attrs as 6.1 lays it out, and its name strings. */
function guestMemory(groupSize: number, entrySize: number, sections: [string, bigint][]) {
  const base = 0xffff888006115800n;
  const namesBase = 0xffff888006200000n;
  const memory = new Map<bigint, Buffer>();
  const table = Buffer.alloc(groupSize + 8 + sections.length * entrySize);
  table.writeUInt32LE(sections.length, groupSize);
  sections.forEach(([name, address], i) => {
    const namePointer = namesBase + BigInt(i * 64);
    memory.set(namePointer, Buffer.from(`${name}\0`, 'latin1'));
    table.writeBigUInt64LE(namePointer, groupSize + 8 + i * entrySize);
    table.writeUInt32LE(0o400, groupSize + 8 + i * entrySize + 8);
    table.writeBigUInt64LE(address, groupSize + 8 + i * entrySize + entrySize - 8);
  });
  memory.set(base, table);
  const read: MemoryReader = async (address, length) => {
    for (const [start, bytes] of memory) {
      const offset = Number(address - start);
      if (offset >= 0 && offset < bytes.length) {
        const out = Buffer.alloc(length);
        bytes.copy(out, 0, offset, Math.min(bytes.length, offset + length));
        return out;
      }
    }
    return undefined;
  };
  return { base, read };
}

const HELLO_3: [string, bigint][] = [
  ['.note.gnu.build-id', 0xffffffffc0202000n],
  ['.exit.text', 0xffffffffc0201000n],
  ['.init.text', 0xffffffffc0206000n],
  ['.init.data', 0xffffffffc0207000n],
  ['.symtab', 0xffffffffc0208000n],
];
const ELF_NAMES = new Set(['.note.gnu.build-id', '.exit.text', '.init.text', '.init.data', '.symtab', '.strtab', '.modinfo']);

describe('module section addresses from the kernel', () => {
  it('reads the 6.1 layout (group 40 bytes, entries of 72) and every address', async () => {
    const { base, read } = guestMemory(40, 72, HELLO_3);
    assert.deepEqual(await readSectionAddresses(read, base, ELF_NAMES), new Map(HELLO_3));
  });

  it('finds other layouts (a larger group, larger entries) by checking the names', async () => {
    const { base, read } = guestMemory(48, 88, HELLO_3);
    assert.deepEqual(await readSectionAddresses(read, base, ELF_NAMES), new Map(HELLO_3));
  });

  it('gives up rather than guess when the names are not the module’s sections', async () => {
    const { base, read } = guestMemory(40, 72, HELLO_3);
    assert.equal(await readSectionAddresses(read, base, new Set(['.text'])), undefined);
    assert.equal(await readSectionAddresses(read, 0x1000n, ELF_NAMES), undefined);
  });

  it('writes add-symbol-file with every section, quoting a path with blanks', () => {
    assert.equal(
      addSymbolFileCommand('/w/my mod/hello-3.ko', new Map(HELLO_3.slice(1, 3))),
      'add-symbol-file "/w/my mod/hello-3.ko" -s .exit.text 0xffffffffc0201000 -s .init.text 0xffffffffc0206000',
    );
    assert.equal(quoteGdbWord('/w/hello-3.ko'), '/w/hello-3.ko');
  });
});
