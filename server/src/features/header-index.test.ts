import * as assert from 'node:assert/strict';
import { isNameTableParts, NameTable } from '../engine/header-names';
import { isNameIndexParts } from '../engine/name-index';

describe('NameTable (the header index kept for hovers and definitions)', () => {
  it('finds every name it was given with its file and line, and nothing else', () => {
    const entries = new Map<string, { file: string; line: number }>();
    for (let i = 0; i < 5000; i++) entries.set(`NAME_${i}`, { file: `/h/${i % 37}.h`, line: i * 3 });
    entries.set('x', { file: '/h/x.h', line: 0 });
    entries.set('é_wide', { file: '/h/wide.h', line: 7 });
    const table = NameTable.of(entries);
    assert.equal(table.size, entries.size);
    for (const [name, entry] of entries) assert.deepEqual(table.get(name), entry, name);
    for (const absent of ['', 'NAME_', 'NAME_5000', 'NAME_12x', 'X', 'xx', 'é_wid']) assert.equal(table.get(absent), undefined, absent);
    // As a worker sends it: parts through a structured clone.
    const copy = NameTable.fromParts(structuredClone(table.parts));
    for (const [name, entry] of entries) assert.deepEqual(copy.get(name), entry, name);
    assert.equal(copy.get('NAME_5000'), undefined);
  });

  it('accepts its own parts read back, and refuses parts a lookup could not use', () => {
    const table = NameTable.of(
      new Map([
        ['a', { file: '/h/a.h', line: 1 }],
        ['bc', { file: '/h/b.h', line: 2 }],
      ]),
    );
    const parts = structuredClone(table.parts);
    assert.ok(isNameTableParts(parts));
    const { index } = parts;
    const full = index.slots.map((slot, i) => (slot === -1 ? i % 2 : slot));
    for (const [why, bad] of [
      ['no free slot (a lookup of an absent name would not end)', { ...index, slots: full }],
      ['an entry past the end', { ...index, slots: index.slots.map((slot) => (slot === -1 ? 7 : slot)) }],
      ['offsets out of order', { ...index, starts: Int32Array.from([0, 2, 1]) }],
      ['offsets past the names', { ...index, names: 'ab' }],
      ['a slot count not a power of two', { ...index, slots: Int32Array.from([-1, 0, 1]) }],
      ['plain arrays', { ...index, starts: [...index.starts] }],
    ] as const)
      assert.equal(isNameIndexParts(bad), false, why);
    assert.equal(isNameTableParts({ ...parts, fileOf: Uint32Array.from([0, 5]) }), false, 'a file number past the files');
    assert.equal(isNameTableParts({ ...parts, lineOf: Int32Array.from([1]) }), false, 'fewer lines than entries');
    assert.equal(isNameTableParts({ ...parts, files: [1, 2] }), false, 'files that are not names');
    assert.equal(isNameTableParts(null), false);
  });

  it('answers for an empty index', () => {
    assert.equal(NameTable.of(new Map()).get('anything'), undefined);
  });
});
