// Module and boot parameters (module_param*, MODULE_PARM_DESC, __setup, early_param), from
// include/linux/moduleparam.h and include/linux/init.h.

import type { MacroDoc } from './types';
import { paragraphs } from './wording';

const PARAM_TYPES = 'byte, hexint, short, ushort, int, uint, long, ulong, ullong, charp, bool, invbool';

const PARAM_PERM_TEXT =
  'Each parameter is described by a `struct kernel_param` that the macro emits in the `__param` section. ' +
  '`perm` is the sysfs mode of `/sys/module/<module>/parameters/<name>`: `0` means no sysfs file, `0444` world-readable, `0644` readable and writable by root. ' +
  'It is checked at compile time: it must be between 0 and 0777, must not be world-writable, and "readable" and "writable" may not be granted to group/others more than to the owner.';

const PARAM_SETTING_TEXT =
  'Values come from `insmod mod.ko name=value`, `modprobe mod name=value` or `options` lines in `/etc/modprobe.d/`; for built-in code from the kernel command line as `<module>.<name>=value`. Dashes and underscores in the name are interchangeable.';

const PARAM_MISTAKES = [
  'A world-writable mode such as `0666` or `0777`: the build fails (the check rejects "others may write").',
  'A mismatch between the variable type and the `type` argument (e.g. an `int` variable with `bool`): compile error from the built-in type check.',
  'Writable (`0644`) parameters that the code reads without considering that root can change them at any time.',
  'Marking the variable `__initdata` while giving it a sysfs file: reading the file later touches freed memory. (modpost tolerates `__param` → init data, so it will not warn.)',
];

export const PARAM_DOCS: MacroDoc[] = [
  {
    name: 'module_param',
    category: 'param',
    signature: 'module_param(name, type, perm)',
    summary: 'Makes the variable `name` a module parameter of type `type`, optionally visible in sysfs with mode `perm`.',
    section: '__param',
    builtinVsModule:
      'Module: set at load time and listed by `modinfo` (the type goes into `.modinfo` as `parmtype`). Built-in: set on the kernel command line as `<module>.<name>=value`; the sysfs file exists as well.',
    details: paragraphs(
      'The variable must already be declared; the parameter entry points to it and to the parser for `type`.',
      `Standard types: ${PARAM_TYPES}. \`charp\` is a \`char *\` whose string the kernel allocates; \`bool\` accepts 0/1, y/n, Y/N; \`invbool\` is the inverted bool.`,
      PARAM_PERM_TEXT,
      PARAM_SETTING_TEXT,
      'Add `MODULE_PARM_DESC(name, "...")` so `modinfo` can describe it.',
    ),
    mistakes: PARAM_MISTAKES,
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: 'module_param_named',
    category: 'param',
    signature: 'module_param_named(name, variable, type, perm)',
    summary: 'Like `module_param()` but exposes the C variable `variable` under the parameter name `name`.',
    section: '__param',
    details: paragraphs(
      'Useful when the internal variable name is not a good user-facing name (e.g. `module_param_named(debug, foo_debug_level, int, 0644)`).',
      PARAM_PERM_TEXT,
      PARAM_SETTING_TEXT,
    ),
    mistakes: PARAM_MISTAKES,
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: 'module_param_unsafe',
    category: 'param',
    signature: 'module_param_unsafe(name, type, perm)',
    summary: 'Like `module_param()`, but setting the parameter taints the kernel.',
    section: '__param',
    details: paragraphs(
      'For debugging knobs that can break things. When a value is set the kernel logs `Setting dangerous option <name> - tainting kernel` and sets taint flag **U** (TAINT_USER), which shows up in later oops reports.',
      PARAM_PERM_TEXT,
    ),
    mistakes: PARAM_MISTAKES,
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: 'module_param_named_unsafe',
    category: 'param',
    signature: 'module_param_named_unsafe(name, variable, type, perm)',
    summary: 'Combination of `module_param_named()` and `module_param_unsafe()`: setting it taints the kernel.',
    section: '__param',
    details: paragraphs('Exposes `variable` as `name`; any assignment logs a warning and sets taint flag **U**.', PARAM_PERM_TEXT),
    mistakes: PARAM_MISTAKES,
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: 'module_param_array',
    category: 'param',
    signature: 'module_param_array(name, type, nump, perm)',
    summary: 'Makes the array `name` a parameter that takes a comma-separated list of values.',
    section: '__param',
    details: paragraphs(
      'The array size is fixed by its declaration. `nump` points to an `unsigned int` that receives the number of values given (or is `NULL` if you do not care). Giving more values than the array holds makes the load fail with an error about too many arguments.',
      `Element types are the usual parameter types (${PARAM_TYPES}).`,
      PARAM_PERM_TEXT,
    ),
    mistakes: [
      ...PARAM_MISTAKES,
      'Passing an `int *` instead of an `unsigned int *` for `nump` (type check error), or reading elements beyond `*nump`.',
    ],
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: 'module_param_array_named',
    category: 'param',
    signature: 'module_param_array_named(name, array, type, nump, perm)',
    summary: 'Like `module_param_array()` but exposes the C array `array` under the parameter name `name`.',
    section: '__param',
    details: paragraphs('Same behaviour as `module_param_array()`; only the user-visible name differs.', PARAM_PERM_TEXT),
    mistakes: PARAM_MISTAKES,
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: 'module_param_string',
    category: 'param',
    signature: 'module_param_string(name, buffer, len, perm)',
    summary: 'Copies a string parameter into the fixed-size `char` array `buffer` of length `len`.',
    section: '__param',
    details: paragraphs(
      'Unlike `charp`, no memory is allocated: the value is copied into your buffer. Pass `sizeof(buffer)` as `len`; a value that does not fit is rejected with an error.',
      PARAM_PERM_TEXT,
    ),
    mistakes: [...PARAM_MISTAKES, 'Passing a `char *` instead of an array, so `sizeof` gives the pointer size.'],
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: 'module_param_cb',
    category: 'param',
    signature: 'module_param_cb(name, ops, arg, perm)',
    summary: 'Defines a parameter with your own `set`/`get` callbacks in a `struct kernel_param_ops`.',
    section: '__param',
    details: paragraphs(
      '`ops` points to a `const struct kernel_param_ops` with `.set(const char *val, const struct kernel_param *kp)` and `.get(char *buf, const struct kernel_param *kp)`; `arg` is handed to them as `kp->arg`. Use it to validate values or react to changes; the standard `param_set_int()` etc. helpers can be reused inside.',
      'The `.set` callback runs at load time (or boot) and again on every sysfs write if `perm` allows writing, so it must not be `__init` in that case.',
      PARAM_PERM_TEXT,
    ),
    mistakes: [...PARAM_MISTAKES, 'Making `.set` `__init` while the parameter is writable through sysfs.'],
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: 'module_param_cb_unsafe',
    category: 'param',
    signature: 'module_param_cb_unsafe(name, ops, arg, perm)',
    summary: 'Like `module_param_cb()`, but setting the parameter taints the kernel (flag **U**).',
    section: '__param',
    details: paragraphs('Callback-based parameter marked dangerous: any assignment logs a warning and sets TAINT_USER.', PARAM_PERM_TEXT),
    mistakes: PARAM_MISTAKES,
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: 'module_param_hw',
    category: 'param',
    signature: 'module_param_hw(name, type, hwtype, perm)',
    summary: 'A parameter that configures hardware resources (I/O port, memory address, IRQ, DMA); refused when the kernel is locked down.',
    section: '__param',
    details: paragraphs(
      '`hwtype` is one of `ioport`, `iomem`, `ioport_or_iomem`, `irq`, `dma`, `dma_addr` or `other`. Letting users point a driver at arbitrary ports or addresses can bypass kernel lockdown, so with lockdown active (e.g. Secure Boot with the lockdown LSM) such parameters are not applied.',
      PARAM_PERM_TEXT,
    ),
    mistakes: [...PARAM_MISTAKES, 'Using plain `module_param()` for an I/O port or IRQ number: it works, but escapes the lockdown check.'],
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: 'module_param_hw_named',
    category: 'param',
    signature: 'module_param_hw_named(name, variable, type, hwtype, perm)',
    summary: 'Named form of `module_param_hw()`: exposes `variable` as the hardware parameter `name`.',
    section: '__param',
    details: paragraphs(
      'Same lockdown behaviour as `module_param_hw()`; `hwtype` is one of `ioport`, `iomem`, `ioport_or_iomem`, `irq`, `dma`, `dma_addr`, `other`.',
      PARAM_PERM_TEXT,
    ),
    mistakes: PARAM_MISTAKES,
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: 'module_param_hw_array',
    category: 'param',
    signature: 'module_param_hw_array(name, type, hwtype, nump, perm)',
    summary: 'Array form of `module_param_hw()`, e.g. a list of I/O ports or IRQs.',
    section: '__param',
    details: paragraphs('Combines `module_param_array()` with the hardware/lockdown semantics of `module_param_hw()`.', PARAM_PERM_TEXT),
    mistakes: PARAM_MISTAKES,
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: 'MODULE_PARM_DESC',
    category: 'param',
    signature: 'MODULE_PARM_DESC(name, "description")',
    summary: 'Attaches a human-readable description to the parameter `name`, shown by `modinfo`.',
    section: '.modinfo',
    details: paragraphs(
      'Stored in `.modinfo` as `parm=<name>:<description>`. It does not create the parameter — `module_param*()` does — and the names must match exactly.',
    ),
    mistakes: ['A description for a misspelled parameter name: no error, just a useless entry.'],
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: '__setup',
    category: 'param',
    signature: '__setup("option=", fn)',
    summary: 'Registers a handler for a kernel command-line option in built-in code; expands to nothing in a module.',
    section: '.init.setup (option string in .init.rodata)',
    lifetime: 'The table, the string and normally `fn` (which should be `__init`) are freed after boot.',
    builtinVsModule:
      'Built-in only. In a module build the macro expands to nothing, so the handler is silently never called — use `module_param()`, which works in both cases (`<module>.<name>=` on the command line).',
    details: paragraphs(
      '`fn` has the signature `int fn(char *arg)` and receives the text after the option string. Return 1 when the option was handled; returning 0 makes the kernel treat it as unknown and pass it on to user space (init).',
      'The option string is stored with `__initconst` in `.init.rodata` and the table entry in `.init.setup`.',
    ),
    mistakes: [
      'Using it in code that can be built as a module: nothing happens, without any warning.',
      'Returning 0 on success (unlike `early_param()`, handled means 1 here).',
      'A non-`const` `__initconst` object in the same file clashes with the option string ("section type conflict").',
    ],
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: 'early_param',
    category: 'param',
    signature: 'early_param("option", fn)',
    summary: 'Registers a handler for a kernel command-line option that is parsed very early in boot, before most subsystems exist.',
    section: '.init.setup (option string in .init.rodata)',
    lifetime: 'Freed after boot together with the rest of init memory.',
    builtinVsModule: 'Built-in only; it is not defined for module builds, so module code using it does not compile.',
    details: paragraphs(
      "`fn` has the signature `int fn(char *arg)` and, unlike `__setup()`, returns 0 on success and non-zero on error (the kernel then logs `Malformed early option '<option>'`). It runs from `parse_early_param()` during early architecture setup, so it may only do very simple work such as storing a value.",
      'Entries live in `.init.setup` with the early flag set; the string is in `.init.rodata`.',
    ),
    mistakes: [
      'Returning 1 for success (that is the `__setup()` convention).',
      'Allocating memory or using other subsystems from the handler: they are not initialised yet.',
    ],
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
];
