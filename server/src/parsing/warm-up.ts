// The text scanners (pre-pass, body finder, reference scan) are large loops whose rare branches
// (`#if 0`, `#elif`, a loop macro, an annotation with arguments) a file may reach only after the
// optimizing compiler has compiled the loop without them: each first visit then throws the
// compiled code away and compiles it again. A worker indexing a tree did that some twenty times
// per scanner. Running them first over a short text that takes every branch gives the compiler
// the whole picture the first time.

import { prepassEdited, prepassState } from './prepass';
import { scanBody, type FoundLocal, type FoundReference } from './references';
import { bodiesEdited, bodiesState, findBodies, isOneBody } from './skeleton';
import { changedSpan } from './changed-span';

export const WARM_UP_SAMPLE = `#include <linux/module.h>
#define DRV "x" /* a comment */ // and another
#if 0
static int dead(void) { return 0; }
#ifdef NESTED
#endif
#elif defined(CONFIG_X)
static int elif_branch;
#else
static int other;
#endif
#if 1
static int live;
#else
static int dead_else;
#endif
#ifdef CONFIG_Y
#endif
static int __initdata counter = 3;
static const char banner[] __initconst = "x\\"y";
static int __section(".init.data") placed = 'c';
static int __attribute__((section(".x"), unused)) attributed;
static struct ops table = { .open = helper, .count = { 1, 2 } };
static int __init helper(int arg, char *name)
{
	static int calls = 1;
	static const int *seen = &counter;
	struct list_head *pos;
	int i = 0, j[4], *k = &i;
	list_for_each(pos, &head) i++;
	else_label:
	for (i = 0x1fUL; i < sizeof(banner) + sizeof i; i++)
		j[i & 3] = ptr->field + obj.member + helper(1.5e3, "s");
#ifdef CONFIG_Z
	goto out;
#endif
	if (arg) { int shadow = arg; return shadow; } else return __exit_p(cleanup) ? typeof(i) : 0;
out:
	return counter + calls + *seen + (k ? *k : 0);
}
static void __exit cleanup(void) __attribute__((cold));
module_init(helper);
MODULE_LICENSE("GPL");
`;

/** The sample edited, each text inserted before the first `before`: inside the body of `helper`, at file scope, on a directive line. */
const EDITED_SAMPLES = [
  { before: 'out:', text: 'counter + 1;' },
  { before: 'static void', text: '\nstatic int added;\n' },
  { before: '#ifdef CONFIG_Y', text: '#define Y 1\n' },
].map(({ before, text }) => {
  const at = WARM_UP_SAMPLE.indexOf(before);
  return WARM_UP_SAMPLE.slice(0, at) + text + WARM_UP_SAMPLE.slice(at);
});

const ROUNDS = 12;

/** Runs every scanner over the sample, enough times for the compiler to keep what it learns. */
export function warmUpScanners(): void {
  for (let round = 0; round < ROUNDS; round++) {
    const state = prepassState(WARM_UP_SAMPLE, 64);
    const bodies = bodiesState(state.result.text, 64);
    findBodies(state.result.text);
    for (const [start, end] of bodies.regions) {
      isOneBody(state.result.text.slice(start - 1, end + 1));
      const found: FoundReference[] = [];
      const locals: FoundLocal[] = [];
      scanBody(
        state.result.text,
        { start: start - 1, end: end + 1, fromIndex: 0, parameters: ['arg', 'name'] },
        round % 2 === 0,
        found,
        locals,
      );
    }
    for (const text of EDITED_SAMPLES) {
      const edited = prepassEdited(state, text, changedSpan(WARM_UP_SAMPLE, text));
      bodiesEdited(bodies, edited.state.result.text, edited.changed);
    }
  }
}
