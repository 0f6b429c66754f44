import * as assert from 'node:assert/strict';
import { explicitSection, prepass } from './prepass';

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
