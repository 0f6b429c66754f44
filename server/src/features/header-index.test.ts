import * as assert from 'node:assert/strict';
import { NameTable } from '../engine/header-names';

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

  it('answers for an empty index', () => {
    assert.equal(NameTable.of(new Map()).get('anything'), undefined);
  });
});
