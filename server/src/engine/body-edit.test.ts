import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Parser } from 'web-tree-sitter';
import { createCParser } from '../parsing/parser';
import { analyzeEditedFile, type EditableFacts } from './analyze-file';
import { editWithinBody } from './body-edit';
import { DEBIAN_CONFIG } from '../knowledge/kernel-config';

const OPTIONS = { version: [6, 1] as const, config: DEBIAN_CONFIG, builtin: false };
const MIXED = fs.readFileSync(path.resolve(__dirname, '../../../../test/kbuild/fixtures/mixed/mixed.c'), 'utf8');

/** Bodies with what makes body-local edits hard: directives, loop macros, literals, nesting. */
const TRICKY = `#include <linux/module.h>
static int table[4] __initdata = { 1, 2, 3, 4 };
static const char *names[] = { "a{", "b}", NULL };
struct ops { int (*probe)(void); };

static int __init helper(void) { return table[0]; }

static int worker(int n)
{
	int i, sum = 0;
#ifdef CONFIG_FOO
	if (n) {
#else
	if (!n) {
#endif
		sum += helper();
	}
	list_for_each_entry(p, &list, node)
		sum += p->x;
	/* a { in a comment */
	pr_info("} %d '\\n'\\n", sum);
	return sum + '{';
}

static struct ops my_ops = { .probe = helper };

static void __exit bye(void)
{
	char c = '}';
	worker(table[1]);
}
module_init(helper);
module_exit(bye);
`;

const URI = 'file:///m.c';

function full(parser: Parser, text: string): EditableFacts {
  const { result, state } = analyzeEditedFile(parser, URI, text, OPTIONS);
  state?.tree.delete();
  return result;
}

/**
 * Random edits, mostly inside bodies; each must give the facts of a fresh analysis, whether the fast
 * path takes it or, as in the server, the worker reparses from its last full analysis.
 */
function storm(parser: Parser, source: string, seed: number, count: number): { fast: number; full: number } {
  // Mostly typing; a third of the inserts are what breaks a body (braces, comment and literal
  // openers, directives, continuations) or what the pre-pass rewrites.
  const typing = ['x', 'helper', 'table[2]', ';', '\n', '  ', 'f(a, b)', 'int helper = 1;', 'sizeof(table)', 'é'];
  const hostile = [
    '{',
    '}',
    '{ }',
    '(',
    ')',
    '"',
    "'",
    '/*',
    '*/',
    '//',
    '\n#if 0\n',
    '\n#endif\n',
    '\n#ifdef X\n',
    '\n#else\n',
    ' __initdata',
    ' __init',
    'list_for_each(p, h) ',
    '\\',
    // Directives read from anywhere in the file (includes, emptied annotations), and a static local.
    '\n#include "x.h"\n',
    '\n#define __init\n',
    'static int s;',
  ];
  const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296;
  const pick = (list: string[]): string => list[Math.floor(random() * list.length)];
  let state = full(parser, source);
  // The worker's parse state: the previous full analysis, whatever the fast path did since.
  let worker = analyzeEditedFile(parser, URI, source, OPTIONS).state;
  const counts = { fast: 0, full: 0 };
  for (let i = 0; i < count; i++) {
    // An unclosed `#if 0` or comment ruins the rest of a file for good; start over now and then.
    if (i % 10 === 0) state = full(parser, source);
    const text = state.text;
    const body = state.bodies[Math.floor(random() * state.bodies.length)];
    // Mostly inside a body, sometimes anywhere.
    const at =
      body && random() < 0.85 ? body.start + Math.floor(random() * (body.end - body.start + 1)) : Math.floor(random() * (text.length + 1));
    const next =
      random() < 0.35
        ? text.slice(0, at) + text.slice(at + 1 + Math.floor(random() * 3))
        : text.slice(0, at) + pick(random() < 0.33 ? hostile : typing) + text.slice(at);
    const fast = editWithinBody(state, next, OPTIONS);
    const fresh = full(parser, next);
    if (fast) {
      counts.fast++;
      assert.deepEqual(fast.facts, fresh.facts, `edit ${i} at ${at}: ${JSON.stringify(next)}`);
      assert.deepEqual(fast.bodies, fresh.bodies, `bodies after edit ${i}`);
      assert.deepEqual(
        fast.cuts.filter(([s, e]) => e > s),
        fresh.cuts,
        `cuts after edit ${i}`,
      );
    } else {
      counts.full++;
      const reparsed = analyzeEditedFile(parser, URI, next, OPTIONS, worker);
      worker = reparsed.state;
      assert.deepEqual(reparsed.result.facts, fresh.facts, `reparse after edit ${i} at ${at}: ${JSON.stringify(next)}`);
      assert.deepEqual(reparsed.result.bodies, fresh.bodies, `bodies after reparse ${i}`);
    }
    state = fast ?? fresh;
  }
  worker?.tree.delete();
  return counts;
}

describe('edits inside one function body', () => {
  let parser: Parser;
  before(async () => {
    parser = await createCParser();
  });

  it('rescans only that body and shifts what follows', () => {
    const before = full(parser, TRICKY);
    const text = TRICKY.replace('worker(table[1]);', 'worker(table[1]);\n\thelper();');
    const after = editWithinBody(before, text, OPTIONS);
    assert.ok(after, 'a statement typed inside a body takes the fast path');
    assert.deepEqual(after.facts, full(parser, text).facts);
    const bye = after.facts.references.filter((ref) => ref.from === 'bye').map((ref) => ref.name);
    assert.deepEqual(bye, ['worker', 'table', 'helper']);
    const moduleExit = after.facts.macroUses.find((use) => use.macro === 'module_exit');
    assert.equal(moduleExit?.range.start.line, TRICKY.split('\n').findIndex((line) => line.startsWith('module_exit')) + 1);
  });

  it('keeps kmod-ignore comments typed inside a body, and moves the ones after it', () => {
    const withComment = TRICKY.replace('module_exit(bye);', 'module_exit(bye); // kmod-ignore module-exit-init');
    const before = full(parser, withComment);
    const text = withComment.replace('worker(table[1]);', 'worker(table[1]);\n\t// kmod-ignore-next-line section-mismatch\n\thelper();');
    const after = editWithinBody(before, text, OPTIONS);
    assert.ok(after, 'a comment typed inside a body takes the fast path');
    assert.deepEqual(after.facts, full(parser, text).facts);
    assert.equal(after.facts.suppressions?.length, 2);
  });

  it('hands back to the parser when the body no longer closes where it did', () => {
    const before = full(parser, TRICKY);
    assert.equal(editWithinBody(before, TRICKY.replace('int i, sum = 0;', 'int i, sum = 0; if (n) {'), OPTIONS), undefined);
    assert.equal(editWithinBody(before, TRICKY.replace('/* a { in a comment */', '/* a { in a comment'), OPTIONS), undefined);
    assert.equal(editWithinBody(before, TRICKY.replace('#else', '#endif\n#else'), OPTIONS), undefined);
    assert.equal(editWithinBody(before, TRICKY.replace('static int worker', 'static int workers'), OPTIONS), undefined);
    // A NUL byte makes the file look binary: the full analysis says so.
    assert.equal(editWithinBody(before, TRICKY.replace('int i, sum = 0;', 'int i, sum = 0;\0'), OPTIONS), undefined);
  });

  it('hands back to the parser when a directive is typed or edited inside a body', () => {
    const before = full(parser, TRICKY);
    for (const [label, text] of [
      ['an #include typed in a body', TRICKY.replace('\tchar c = ', '#include "extra.h"\n\tchar c = ')],
      ['an annotation emptied in a body', TRICKY.replace('\tchar c = ', '#define __init\n\tchar c = ')],
      ['a continued #define typed in a body', TRICKY.replace('\tchar c = ', '#define __exit \\\n\tchar c = ')],
      ["a body's #ifdef edited", TRICKY.replace('#ifdef CONFIG_FOO', '#ifdef CONFIG_BAR')],
      ["a body's #else removed", TRICKY.replace('#else\n', '')],
    ]) {
      const fresh = full(parser, text).facts;
      assert.deepEqual((editWithinBody(before, text, OPTIONS) ?? full(parser, text)).facts, fresh, label);
      assert.equal(editWithinBody(before, text, OPTIONS), undefined, label);
    }
    // An #include typed in a body is one of the file's includes (it may bring the module's header in).
    const included = TRICKY.replace('\tchar c = ', '#include "extra.h"\n\tchar c = ');
    assert.deepEqual(full(parser, included).facts.includes, ['<linux/module.h>', 'extra.h']);
    // A directive a comment stops hiding changes the file too, though the edit touches no directive
    // line: the `#if 0` now blanks the #include up to the `#endif` (the rest of its comment is dead code).
    const hidden = TRICKY.replace('\tchar c = ', '\t/* x\n#if 0\n\t*/\n#include "extra.h"\n\t/* y\n#endif\n\t*/\n\tchar c = ');
    const shown = hidden.replace('\t/* x\n', '\t  x\n');
    assert.deepEqual(full(parser, hidden).facts.includes, ['<linux/module.h>', 'extra.h']);
    assert.deepEqual(full(parser, shown).facts.includes, ['<linux/module.h>']);
    assert.equal(editWithinBody(full(parser, hidden), shown, OPTIONS), undefined, 'a comment opener removed above an #if 0');
  });

  it('gives the same facts as a fresh analysis over 400 random edits (tricky bodies)', () => {
    const counts = storm(parser, TRICKY, 11, 400);
    assert.ok(counts.fast > 150, `fast path taken ${counts.fast} times`);
  });

  it('gives the same facts as a fresh analysis over 300 random edits (mixed.c fixture)', () => {
    const counts = storm(parser, MIXED, 5, 300);
    assert.ok(counts.fast > 100, `fast path taken ${counts.fast} times`);
  });
});
