import * as assert from 'node:assert/strict';
import { bodiesEdited, bodiesState, CutText, findBodies, isOneBody, skeleton } from './skeleton';
import { prepass } from './prepass';
import { changedSpan } from './changed-span';
import { largeC, randomEdit } from '../../../test/support/large-c';
import { prng } from '../../../test/support/random';

const insides = (text: string): string[] => findBodies(text).regions.map(([start, end]) => text.slice(start, end));

describe('skeleton: bodies cut out for the parser', () => {
  it('cuts function bodies, initializers and struct bodies, not parenthesized braces', () => {
    const text = 'struct s { int a; };\nstatic int f(void)\n{ return g(); }\nint t[] = { 1, 2 };\nFOO(x, { y });\nint z = 3;\n';
    assert.deepEqual(insides(text), [' int a; ', ' return g(); ', ' 1, 2 ']);
    assert.equal(skeleton(text).text, 'struct s {};\nstatic int f(void)\n{}\nint t[] = {};\nFOO(x, { y });\nint z = 3;\n');
  });

  it('cuts file-scope comments after a blank, and maps offsets after them back', () => {
    const text =
      '/* licence */\n/**\n * f() - does f\n */\nint f(void) /* why */\n{ /* inside */ }\n// line\n#include <x.h>\nint a;/* glued */\n#define X 1 /* in a directive */\nint b; /* left open';
    const cut = skeleton(text);
    assert.equal(
      cut.text,
      '\n\nint f(void) \n{}\n\n#include <x.h>\nint a;/* glued */\n#define X 1 /* in a directive */\nint b; /* left open',
    );
    // The bodies are still the bodies alone.
    assert.deepEqual(
      cut.regions.map(([start, end]) => text.slice(start, end)),
      [' /* inside */ '],
    );
    // A token after a cut comment maps to itself in the full text.
    for (const word of ['int f', '#include', 'int b']) assert.equal(cut.toFull(cut.text.indexOf(word)), text.indexOf(word), word);
  });

  it('ignores braces in comments, strings, character literals and directives', () => {
    const text = 'void f(void) { s = "}"; c = \'}\'; /* } */ // }\n}\n#define OPEN {\nvoid g(void) { }\n';
    assert.deepEqual(insides(text), [' s = "}"; c = \'}\'; /* } */ // }\n', ' ']);
  });

  it('counts only the first branch of a conditional inside a body', () => {
    const text = 'void f(void)\n{\n#ifdef A\n\tif (x) {\n#else\n\tif (y) {\n#endif\n\t\tz();\n\t}\n}\nvoid g(void) { h(); }\n';
    const { regions, stoppedAt } = findBodies(text);
    assert.equal(stoppedAt, -1);
    assert.deepEqual(
      regions.map(([start, end]) => [text[start - 1], text[end]]),
      [
        ['{', '}'],
        ['{', '}'],
      ],
    );
    assert.equal(text.slice(regions[1][0], regions[1][1]), ' h(); ');
  });

  it('stops where a conditional crosses a body edge, keeping the bodies before', () => {
    const text = 'void a(void) { b(); }\n#ifdef X\nvoid f(int x) {\n#else\nvoid f(void) {\n#endif\n\tg();\n}\n';
    const { regions, stoppedAt } = findBodies(text);
    assert.deepEqual(
      regions.map(([start, end]) => text.slice(start, end)),
      [' b(); '],
    );
    assert.equal(text.slice(stoppedAt, stoppedAt + 5), '#else');
    const unclosed = findBodies('int f(void) { if (x) { }\n');
    assert.deepEqual(unclosed.regions, []);
    assert.ok(unclosed.stoppedAt >= 0);
  });

  it('maps offsets of the cut text back to the full text', () => {
    const full = 'int f(void) { return 1; }\nint g(void) { return 2; }\nint h;';
    const cut = new CutText(full, findBodies(full).regions);
    assert.equal(cut.text, 'int f(void) {}\nint g(void) {}\nint h;');
    for (const word of ['f(', '{}', '}\nint g', 'g(', 'h;']) {
      const offset = cut.text.indexOf(word);
      const mapped = cut.toFull(offset);
      assert.equal(full[mapped], word[0] === '{' ? '{' : word[0], `${word} maps to ${mapped}`);
    }
    // The `}` after a cut maps to the real closing brace.
    assert.equal(full.slice(cut.toFull(cut.text.indexOf('}')), cut.toFull(cut.text.indexOf('}')) + 2), '}\n');
  });

  it('recognises one balanced body', () => {
    assert.equal(isOneBody('{ a(); { b(); } }'), true);
    assert.equal(isOneBody('{}'), true);
    assert.equal(isOneBody('{ a(); } b(); }'), false);
    assert.equal(isOneBody('{ /* } */'), false);
    assert.equal(isOneBody('{\n#endif\n}'), false);
  });
});

describe('bodies of an edited text', () => {
  for (const [label, gap, edits] of [
    ['checkpoints as in use', undefined, 600],
    ['a checkpoint at every line', 1, 300],
  ] as const) {
    it(`are those a fresh scan finds after each of ${edits} random edits of a large file, chained (${label})`, function () {
      this.timeout(60_000);
      const random = prng(5);
      const source = prepass(largeC()).text;
      let text = source;
      let state = bodiesState(text, gap);
      assert.ok(state.checkpoints.length > 20, `${state.checkpoints.length} checkpoints`);
      for (let i = 0; i < edits; i++) {
        if (i % 100 === 0) state = bodiesState((text = source), gap);
        const before = text;
        text = randomEdit(text, random);
        state = bodiesEdited(state, text, changedSpan(before, text));
        const { regions, comments, stoppedAt } = state;
        assert.deepEqual({ regions, comments, stoppedAt }, findBodies(text), `edit ${i}`);
      }
    });
  }
});
