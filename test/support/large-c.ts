// A large C file for the incremental scans' tests: every kbuild fixture's C, and the constructs
// that carry a scan's state across lines (dead `#if 0` code, `#if 1 … #else`, comments and
// attributes over several lines, loop macros after `else`, a conditional across a body's edge),
// repeated until the text has many checkpoints.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from './paths';

const TRICKY = `
#if 0
static int dead __initdata = 1;
#ifdef CONFIG_X
int nested;
#endif
#else
static int revived __initdata = 2;
#endif
#if 1
int live;
#elif defined(CONFIG_Y)
int gone;
#else
int gone_too;
#endif
/* a comment { over
   two lines } with __init in it */
static int __attribute__((section(".init.data"),
	aligned(8))) spread = 3;
static void walk(struct list_head *l)
{
	struct item *p;
	if (!l)
		return;
	else
		list_for_each_entry(p, l, node) consume(p, "}{");
}
#ifdef CONFIG_SPLIT
static int split(void) {
#else
static int split(int x) {
#endif
	return 0;
}
`;

/** At least `minimum` characters of kernel-like C. */
export function largeC(minimum = 60_000): string {
  const dir = path.join(REPO_ROOT, 'test/kbuild/fixtures');
  const sources = fs
    .readdirSync(dir)
    .sort()
    .flatMap((fixture) =>
      fs
        .readdirSync(path.join(dir, fixture))
        .filter((name) => name.endsWith('.c'))
        .sort()
        .map((name) => fs.readFileSync(path.join(dir, fixture, name), 'utf8')),
    );
  const pieces: string[] = [];
  let length = 0;
  for (let round = 0; length < minimum; round++) {
    for (const source of sources) {
      pieces.push(source);
      length += source.length;
    }
    // The conditional across a body's edge stops the body scan for the rest of the file: once, near the end.
    const tricky = length >= minimum ? TRICKY : TRICKY.slice(0, TRICKY.indexOf('#ifdef CONFIG_SPLIT'));
    pieces.push(tricky.replace(/\b(dead|revived|live|gone|gone_too|spread|walk)\b/g, `$1_${round}`));
    length += tricky.length;
  }
  return pieces.join('\n');
}

/** Bits a random edit inserts: each can open or close something a scan carries across lines. */
export const EDIT_INSERTS = [
  'x',
  '\n',
  ';',
  '{',
  '}',
  '(',
  ')',
  '"',
  "'",
  '\\',
  '/*',
  '*/',
  '//',
  '#if 0\n',
  '#if 1\n',
  '#else\n',
  '#elif X\n',
  '#endif\n',
  '#ifdef CONFIG_Z\n',
  ' __init',
  ' __initdata',
  '__section(".x")',
  '__attribute__((',
  'else\n\tlist_for_each(p, h)',
  'static int s = 1;\n',
  'int f(void) {\n\treturn 0;\n}\n',
  'é',
];

/** One random edit of `text`: a deletion of up to 40 characters, or an insert at a random place. */
export function randomEdit(text: string, random: () => number): string {
  const at = Math.floor(random() * (text.length + 1));
  if (random() < 0.35) return text.slice(0, at) + text.slice(at + 1 + Math.floor(random() * 40));
  return text.slice(0, at) + EDIT_INSERTS[Math.floor(random() * EDIT_INSERTS.length)] + text.slice(at);
}
