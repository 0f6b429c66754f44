import * as assert from 'node:assert/strict';
import { explicitSection, prepass, prepassEdited, prepassState } from './prepass';
import { changedSpan } from './changed-span';
import { largeC, randomEdit } from '../../../test/support/large-c';
import { prng } from '../../../test/support/random';

describe('prepass', () => {
  it('blanks annotations with spaces, keeping length and recording each', () => {
    const source = 'static int __init foo(void) { return 0; }\nstatic int x __initdata = 3;\n';
    const { text, macros } = prepass(source);
    assert.equal(text.length, source.length);
    assert.equal(text, 'static int        foo(void) { return 0; }\nstatic int x            = 3;\n');
    assert.deepEqual(
      macros.map((m) => [m.name, source.slice(m.start, m.end)]),
      [
        ['__init', '__init'],
        ['__initdata', '__initdata'],
      ],
    );
  });

  it('blanks function-like attributes with their balanced arguments and keeps line breaks', () => {
    const source = 'int y __attribute__((section(".init.data"),\n  aligned(8))) = 1;\nint z __section(".exit.data") = 2;';
    const { text, macros } = prepass(source);
    assert.equal(text.length, source.length);
    assert.equal(text.split('\n').length, source.split('\n').length);
    assert.match(text, /^int y\s+= 1;/m);
    assert.deepEqual(macros.map(explicitSection), ['.init.data', '.exit.data']);
  });

  it('leaves comments, strings and directives alone', () => {
    const source = '/* __init */ const char *s = "__initdata";\n#define X __init\n// __exit\n';
    const { text, macros } = prepass(source);
    assert.equal(text, source);
    assert.equal(macros.length, 0);
  });

  it('blanks #if 0 regions, nested conditionals included', () => {
    const source = 'int a;\n#if 0\nint b __initdata;\n#ifdef X\nint c;\n#endif\n#endif\nint d;\n';
    const { text, deadRanges } = prepass(source);
    assert.equal(text, 'int a;\n     \n                 \n        \n      \n      \n      \nint d;\n');
    assert.equal(deadRanges.length, 1);
  });

  it('keeps the #else branch of #if 0 and drops its directives', () => {
    const source = '#if 0\nint dead;\n#else\nint live;\n#endif\n';
    assert.equal(prepass(source).text, '     \n         \n     \nint live;\n      \n');
  });

  it('turns #if 0 … #elif X into #if X', () => {
    const source = '#if 0\nint dead;\n#elif defined(X)\nint live;\n#endif\n';
    assert.equal(prepass(source).text, '     \n         \n#if   defined(X)\nint live;\n#endif\n');
  });

  it('drops the #else branch of #if 1', () => {
    const source = '#if 1\nint live;\n#else\nint dead;\n#endif\n';
    assert.equal(prepass(source).text, '#if 1\nint live;\n     \n         \n#endif\n');
  });

  it('is unaffected by an unterminated comment or string', () => {
    for (const source of ['int x __init /* never closed', 'char *s = "never closed __init', '__attribute__((section("x"']) {
      assert.equal(prepass(source).text.length, source.length);
    }
  });
});

describe('prepass: loop macros', () => {
  it('turns a for_each macro used as a loop header into an if of the same length', () => {
    const source =
      'void f(void) {\n\tat91_for_each_port(i)\n\t\tset(i);\n\tlist_for_each_entry(p, &head, node) {\n\t\tuse(p);\n\t}\n\tret = device_for_each_child(dev, NULL, fn);\n}\n';
    const { text } = prepass(source);
    assert.equal(text.length, source.length);
    assert.match(text, /\n\tif {16}\(i\)\n/);
    assert.match(text, /\n\tif {17}\(p, &head, node\) \{/);
    assert.match(text, /ret = device_for_each_child\(/);
  });
});

describe('prepass of an edited text', () => {
  for (const [label, gap, edits] of [
    ['checkpoints as in use', undefined, 600],
    ['a checkpoint at every line', 1, 300],
  ] as const) {
    it(`equals a fresh pre-pass after each of ${edits} random edits of a large file, chained (${label})`, function () {
      this.timeout(60_000);
      const random = prng(11);
      const source = largeC();
      let text = source;
      let state = prepassState(text, gap);
      assert.ok(state.checkpoints.length > 20, `${state.checkpoints.length} checkpoints`);
      for (let i = 0; i < edits; i++) {
        // An unclosed `#if 0` or comment changes the rest of the file for good; start over now and then.
        if (i % 100 === 0) state = prepassState((text = source), gap);
        const before = text;
        text = randomEdit(text, random);
        const previous = state.result.text;
        const edited = prepassEdited(state, text, changedSpan(before, text));
        state = edited.state;
        assert.deepEqual(state.result, prepass(text), `edit ${i}`);
        assert.deepEqual(edited.changed, changedSpan(previous, state.result.text), `edit ${i}: the span of the pre-passed text`);
      }
    });
  }

  // Each edit below changes how text before the checkpoint at the start of its line is read.
  for (const [label, source, at, insert] of [
    [
      'a loop macro read as a statement after `else`, whose `else` becomes a longer word',
      '{\n\tif (a)\n\t\tb();\n\telse\n\t\tlist_for_each(p, h)\n\t\t\tf(p);\n}\n',
      18,
      'x',
    ],
    ['an attribute whose `)` is typed lines later', 'int a __section(".x"\nint b;\nint c;\n', 27, ')'],
  ] as const) {
    it(`scans again from before a change that decides how earlier text is read (${label})`, () => {
      const text = source.slice(0, at) + insert + source.slice(at);
      const edited = prepassEdited(prepassState(source, 1), text, changedSpan(source, text));
      assert.notDeepEqual(prepass(text), prepass(source));
      assert.deepEqual(edited.state.result, prepass(text));
    });
  }

  it('scans from the checkpoint before the change only until it is back in step', () => {
    const source = largeC();
    const state = prepassState(source);
    const at = Math.floor(source.length / 2);
    const text = `${source.slice(0, at)} __init ${source.slice(at)}`;
    const { state: edited, changed } = prepassEdited(state, text, changedSpan(source, text));
    assert.deepEqual(edited.result, prepass(text));
    assert.deepEqual(changed, changedSpan(state.result.text, edited.result.text));
    // The checkpoints far from the change are the previous ones (moved), not found by scanning again.
    assert.equal(edited.checkpoints[0], state.checkpoints[0]);
    assert.equal(edited.checkpoints.at(-1)?.offset, (state.checkpoints.at(-1)?.offset ?? 0) + 8);
  });
});
