// General helpers and compiler attributes (likely, container_of, ARRAY_SIZE, __must_check, IS_ENABLED …),
// from include/linux/compiler.h, include/linux/compiler_attributes.h, include/linux/container_of.h and
// include/linux/kconfig.h.

import type { MacroDoc } from './types';
import { paragraphs } from './wording';

export const HELPER_DOCS: MacroDoc[] = [
  {
    name: 'likely',
    category: 'helper',
    signature: 'likely(cond)',
    summary: 'Tells the compiler the condition is expected to be true, so the true path is laid out as the fast path.',
    details: paragraphs(
      'Expands to `__builtin_expect(!!(cond), 1)`; the value is the condition as 0/1. With CONFIG_TRACE_BRANCH_PROFILING the kernel counts how often each annotation was right (visible in the tracing `branch_annotated` statistics).',
    ),
    mistakes: [
      'Using it on branches that are not strongly biased: a wrong hint makes the code slower.',
      'Sprinkling it everywhere; use it for clearly hot/cold paths.',
    ],
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: 'unlikely',
    category: 'helper',
    signature: 'unlikely(cond)',
    summary: 'Tells the compiler the condition is expected to be false, typically for error checks.',
    details: paragraphs(
      'Expands to `__builtin_expect(!!(cond), 0)`; the value is the condition as 0/1. Typical use: `if (unlikely(!ptr)) return -ENOMEM;`. Branch profiling (CONFIG_TRACE_BRANCH_PROFILING) can check whether the hint is right.',
    ),
    mistakes: ['Wrapping conditions that are actually common.'],
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: 'container_of',
    category: 'helper',
    signature: 'container_of(ptr, type, member)',
    summary: 'Turns a pointer to a structure member back into a pointer to the enclosing structure.',
    details: paragraphs(
      'Given `ptr` pointing at `member` inside a `type`, it subtracts the member offset and returns a `type *`. It is how callbacks that receive an embedded object (`struct work_struct *`, `struct kobject *`, `struct device *` …) find their own private structure.',
      'A compile-time check rejects a `ptr` whose type does not match the member ("pointer type mismatch in container_of()").',
    ),
    mistakes: [
      'Passing a pointer that is stored in the member instead of a pointer to the embedded member itself.',
      'Expecting NULL in → NULL out: a NULL `ptr` gives a bogus non-NULL result.',
      'Losing `const`: the result is never const; use `container_of_const()` on newer kernels.',
    ],
    versionNotes: 'Lives in `<linux/container_of.h>` in 6.x (pulled in by `<linux/kernel.h>`). `container_of_const()` appeared in 6.2.',
  },
  {
    name: 'container_of_const',
    category: 'helper',
    signature: 'container_of_const(ptr, type, member)',
    summary: 'Like `container_of()`, but keeps `const`: a const member pointer gives a const structure pointer.',
    details: paragraphs('Implemented with `_Generic`, so the constness of `ptr` is propagated to the result.'),
    mistakes: ['Using it on kernels older than 6.2 (some stable trees have it backported).'],
    versionNotes: 'Added in 6.2; present in 6.6, 6.12 and 7.x.',
  },
  {
    name: 'ARRAY_SIZE',
    category: 'helper',
    signature: 'ARRAY_SIZE(arr)',
    summary: 'Number of elements of a real array, with a compile-time error if `arr` is a pointer.',
    details: paragraphs(
      'Computes `sizeof(arr) / sizeof(arr[0])` plus a check that `arr` really is an array. Commonly used for id tables, `module_phy_driver()` and loops over static tables.',
    ),
    mistakes: ['Applying it to a pointer or to an array function parameter (which is a pointer): the build fails.'],
    versionNotes: 'Unchanged in use; newer kernels define it in `<linux/array_size.h>` (still reachable through `<linux/kernel.h>`).',
  },
  {
    name: '__must_check',
    category: 'helper',
    summary: "Makes the compiler warn when a caller ignores the function's return value.",
    details: paragraphs(
      'Expands to `__attribute__((__warn_unused_result__))`. Used on functions whose result must be checked, e.g. many registration and copy functions.',
    ),
    mistakes: ['Silencing the warning with a `(void)` cast instead of handling the error.'],
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: '__maybe_unused',
    category: 'helper',
    summary: 'Suppresses "defined but not used" warnings for things that are unused in some configurations.',
    details: paragraphs(
      'Expands to `__attribute__((__unused__))`. Typical for PM callbacks or OF tables that are referenced only when a Kconfig option is on.',
    ),
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: '__always_unused',
    category: 'helper',
    summary: 'Like `__maybe_unused`, but documents that the item is never used (e.g. a required but ignored parameter).',
    details: paragraphs('Expands to `__attribute__((__unused__))`.'),
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: '__always_inline',
    category: 'helper',
    summary: 'Forces the compiler to inline the function, even without optimisation.',
    details: paragraphs(
      'Expands to `inline __attribute__((__always_inline__))`. Needed where a call would be wrong (e.g. code that must not leave a `noinstr` section) or where constant propagation is essential.',
      'Inlining also hides references from modpost: an inlined `__init` helper inside normal code creates no relocation, so the mismatch goes unreported.',
    ),
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: 'noinline',
    category: 'helper',
    summary: 'Prevents the compiler from inlining the function.',
    details: paragraphs(
      'Expands to `__attribute__((__noinline__))`. Useful to keep stack frames small, keep a function visible to tracing, or make modpost see a reference that inlining would otherwise hide (`__ref` adds it for that reason).',
    ),
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: '__used',
    category: 'helper',
    summary: 'Keeps a function or object in the object file even if nothing in C references it.',
    details: paragraphs(
      'Expands to `__attribute__((__used__))`. Needed for objects that only the linker or other tools look at, such as section tables (`__exit_call`, `__setup` entries).',
    ),
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: '__cold',
    category: 'helper',
    summary: 'Marks a function as rarely executed, so the compiler optimises for size and moves calls to it off the hot path.',
    details: paragraphs(
      "Expands to `__attribute__((__cold__))` (part of `__init` and `__exit`). gcc may move callers' cold paths into `.text.unlikely`, which modpost treats as normal text.",
    ),
    versionNotes: 'In 7.x `__cold` is empty on configurations without reliable function alignment.',
  },
  {
    name: '__packed',
    category: 'helper',
    summary: 'Removes padding from a structure so it matches an external layout byte for byte.',
    details: paragraphs('Expands to `__attribute__((__packed__))`. Used for on-wire and on-disk formats and hardware descriptors.'),
    mistakes: [
      'Taking the address of a misaligned member and using it on architectures that fault on unaligned access; use `get_unaligned()`.',
    ],
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: '__aligned',
    category: 'helper',
    signature: '__aligned(n)',
    summary: 'Requests at least `n`-byte alignment for a type or object.',
    details: paragraphs(
      'Expands to `__attribute__((__aligned__(n)))`. Common for DMA buffers and cache-line alignment (`____cacheline_aligned`).',
    ),
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: '__weak',
    category: 'helper',
    summary: 'Declares a weak symbol: a default definition that a normal (strong) definition elsewhere overrides at link time.',
    details: paragraphs('Expands to `__attribute__((__weak__))`. The kernel uses it for architecture hooks with generic defaults.'),
    mistakes: [
      'Relying on weak overrides across a module boundary: modules are linked separately, so it only works inside vmlinux or inside one module.',
    ],
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: 'fallthrough',
    category: 'helper',
    summary: 'Marks an intentional fall-through between `case` labels, silencing `-Wimplicit-fallthrough`.',
    details: paragraphs(
      'Expands to `__attribute__((__fallthrough__))` where supported. Write `fallthrough;` as the last statement of the case.',
    ),
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: 'IS_ENABLED',
    category: 'helper',
    signature: 'IS_ENABLED(CONFIG_FOO)',
    summary: 'Evaluates to 1 if the Kconfig option is `y` or `m`, otherwise 0 — usable in ordinary C `if` statements.',
    details: paragraphs(
      'Unlike `#ifdef`, the code in both branches is still compiled and type-checked, and the dead branch is removed by the optimiser.',
    ),
    mistakes: [
      'Using it when the code must call something that only exists when the option is built into the kernel; see `IS_REACHABLE()`.',
    ],
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: 'IS_BUILTIN',
    category: 'helper',
    signature: 'IS_BUILTIN(CONFIG_FOO)',
    summary: 'Evaluates to 1 only if the Kconfig option is `y` (built in).',
    details: paragraphs('Companion of `IS_ENABLED()` and `IS_MODULE()`.'),
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: 'IS_MODULE',
    category: 'helper',
    signature: 'IS_MODULE(CONFIG_FOO)',
    summary: 'Evaluates to 1 only if the Kconfig option is `m` (built as a module).',
    details: paragraphs('Companion of `IS_ENABLED()` and `IS_BUILTIN()`.'),
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: 'IS_REACHABLE',
    category: 'helper',
    signature: 'IS_REACHABLE(CONFIG_FOO)',
    summary: 'Evaluates to 1 if code compiled here can call into option FOO: built in, or both are modules.',
    details: paragraphs('Avoids link errors when built-in code would reference a symbol that lives in a module.'),
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
];
