import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createCParser } from '../parsing/parser';
import { analyzeEditedFile, analyzeFile, diffEdit, type ParseState } from './analyze-file';
import { DEBIAN_CONFIG } from '../knowledge/kernel-config';
import { largeC, randomEdit } from '../../../test/support/large-c';
import { prng } from '../../../test/support/random';

const OPTIONS = { version: [6, 1] as const, config: DEBIAN_CONFIG, builtin: false };
const SEED = fs.readFileSync(path.resolve(__dirname, '../../../../examples/hello-3/hello-3.c'), 'utf8');
const MIXED = fs.readFileSync(path.resolve(__dirname, '../../../../test/kbuild/fixtures/mixed/mixed.c'), 'utf8');

describe('incremental analysis of an edited file', () => {
  it('diffEdit finds the changed span with rows and columns', () => {
    const edit = diffEdit('ab\ncd\nef', 'ab\ncXYd\nef');
    assert.deepEqual([edit.startIndex, edit.oldEndIndex, edit.newEndIndex], [4, 4, 6]);
    assert.deepEqual(
      [edit.startPosition, edit.oldEndPosition, edit.newEndPosition],
      [
        { row: 1, column: 1 },
        { row: 1, column: 1 },
        { row: 1, column: 3 },
      ],
    );
  });

  it('rescans only the bodies an edit touched', async () => {
    const parser = await createCParser();
    const first = analyzeEditedFile(parser, 'x.c', MIXED, OPTIONS);
    const before = first.state!;
    const lastBody = before.scans[before.scans.length - 1];
    // A line added at the top moves every body; one typed into the last body changes only that one.
    const moved = analyzeEditedFile(parser, 'x.c', `// moved\n${MIXED}`, OPTIONS, before).state!;
    assert.equal(moved.scans.length, before.scans.length);
    assert.ok(moved.scans.every((scan, i) => scan.names === before.scans[i].names && scan.start === before.scans[i].start + 9));
    const at = lastBody.start + 9 + 2;
    const typed = `// moved\n${MIXED}`.slice(0, at) + 'helper_init();' + `// moved\n${MIXED}`.slice(at);
    const edited = analyzeEditedFile(parser, 'x.c', typed, OPTIONS, moved).state!;
    assert.ok(edited.scans.slice(0, -1).every((scan, i) => scan === moved.scans[i]));
    assert.notEqual(edited.scans[edited.scans.length - 1].names, moved.scans[moved.scans.length - 1].names);
    assert.ok(edited.scans[edited.scans.length - 1].names.includes('helper_init'));
    edited.tree.delete();
  });

  it('keeps the reference objects of the bodies before a file-scope edit (the worker then sends only what follows)', async () => {
    const parser = await createCParser();
    const first = analyzeEditedFile(parser, 'x.c', MIXED, OPTIONS);
    const appended = `${MIXED}\nstatic int __init added(void)\n{\n\treturn helper_init();\n}\n`;
    const edited = analyzeEditedFile(parser, 'x.c', appended, OPTIONS, first.state);
    const before = first.result.facts.references;
    assert.ok(before.length > 0);
    assert.ok(before.every((ref, i) => edited.result.facts.references[i] === ref));
    assert.deepEqual(edited.result.facts, analyzeFile(parser, 'x.c', appended, OPTIONS));
    // A line added at the top moves every reference: none is kept, all are right.
    const moved = analyzeEditedFile(parser, 'x.c', `// moved\n${appended}`, OPTIONS, edited.state);
    moved.state?.tree.delete();
    assert.ok(moved.result.facts.references.every((ref, i) => ref !== edited.result.facts.references[i]));
    assert.deepEqual(moved.result.facts, analyzeFile(parser, 'x.c', `// moved\n${appended}`, OPTIONS));
  });

  it("never reuses an initializer's scan for the same text become a function body (static locals)", async () => {
    const parser = await createCParser();
    // `= {` typed as `(void) {`: the braces and what is between them do not move, but now they are
    // a function's body, whose `static int s = g;` is an object of its own that references g.
    const initializer = 'int g;\nint x = { static int s = g; };\n';
    const body = 'int g;\nint x(void) { static int s = g; };\n';
    const first = analyzeEditedFile(parser, 'x.c', initializer, OPTIONS);
    const edited = analyzeEditedFile(parser, 'x.c', body, OPTIONS, first.state);
    edited.state?.tree.delete();
    const fresh = analyzeFile(parser, 'x.c', body, OPTIONS);
    assert.deepEqual(
      fresh.symbols.map((symbol) => symbol.name),
      ['g', 'x', 's'],
    );
    assert.deepEqual(edited.result.facts, fresh);
  });

  // Each step reparses incrementally and reuses the scans of bodies the edit did not touch.
  for (const [label, source, count] of [
    ['the seed', SEED, 200],
    ['a multi-function fixture', MIXED, 300],
  ] as const) {
    it(`gives the same facts as a fresh analysis after each of ${count} random edits (${label})`, async () => {
      const parser = await createCParser();
      let state: ParseState | undefined;
      let text: string = source;
      let seed = 7;
      const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296;
      const inserts = [
        'x',
        ' __initdata',
        '\n',
        'hello3_data',
        ';',
        '}',
        '{',
        '(',
        '#if 0\n',
        '#endif\n',
        'é',
        '/*',
        '*/',
        'int helper_init;',
        ' __init',
        '\n#include "x.h"\n',
        '\n#define __init\n',
        'static int s;',
        'static int s = hello3_data;',
        ' // kmod-ignore section-mismatch\n',
        '/* kmod-ignore-next-line */',
        'kmod-ignore ',
      ];
      for (let i = 0; i < count; i++) {
        // An unclosed `#if 0` or comment ruins the rest of a file for good; start over now and then.
        const startOver = i % 25 === 0;
        if (startOver) text = source;
        const at = Math.floor(random() * (text.length + 1));
        const removed = random() < 0.4 ? Math.min(1 + Math.floor(random() * 4), text.length - at) : 0;
        const inserted = removed > 0 ? '' : inserts[Math.floor(random() * inserts.length)];
        text = text.slice(0, at) + inserted + text.slice(at + removed);
        // Every other edit says where it is, as the server's worker does (the span as made, not the least one).
        const span = i % 2 === 0 && !startOver ? { start: at, oldEnd: at + removed, newEnd: at + inserted.length } : undefined;
        const incremental = analyzeEditedFile(parser, 'x.c', text, OPTIONS, state, span);
        state = incremental.state;
        assert.deepEqual(incremental.result.facts, analyzeFile(parser, 'x.c', text, OPTIONS), `edit ${i}: ${JSON.stringify(text)}`);
      }
      state?.tree.delete();
    });
  }
});

describe('incremental analysis of a large edited file (scans start again at checkpoints)', () => {
  it('gives the same facts as a fresh analysis after each of 40 random edits, chained', async function () {
    this.timeout(60_000);
    const parser = await createCParser();
    const random = prng(23);
    const source = largeC();
    let text = source;
    let state: ParseState | undefined;
    for (let i = 0; i < 40; i++) {
      if (i % 20 === 0) text = source;
      text = randomEdit(text, random);
      const incremental = analyzeEditedFile(parser, 'big.c', text, OPTIONS, state);
      state = incremental.state;
      assert.deepEqual(incremental.result.facts, analyzeFile(parser, 'big.c', text, OPTIONS), `edit ${i}`);
    }
    state?.tree.delete();
  });
});
