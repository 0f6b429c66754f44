// Knowledge table for kernel macros shown in hovers. Written in our own words from the kernel
// sources (6.1.x, 6.6, 6.12, 7.1) and /work/shared/research/modpost-rules.md. Families that share
// one shape (KERN_* levels, pr_*/dev_* printers, initcall levels, module_*_driver helpers) are
// generated from small tuple tables so each name still gets its own entry.

export type MacroCategory =
  | 'annotation'
  | 'removed-annotation'
  | 'initcall'
  | 'module-macro'
  | 'module-info'
  | 'param'
  | 'export'
  | 'printk'
  | 'sparse'
  | 'helper';

export interface MacroDoc {
  /** Macro name as written in code, e.g. "__initdata", "module_platform_driver", "KERN_INFO". */
  name: string;
  category: MacroCategory;
  /** Short signature as used, e.g. "module_param(name, type, perm)"; omit for object-like annotations. */
  signature?: string;
  /** One sentence: what it does. */
  summary: string;
  /** Markdown paragraph(s) with the details, in our own words. */
  details: string;
  /** ELF section it places code/data in, e.g. ".init.data" (only where there is one). */
  section?: string;
  /** When that memory goes away / lifetime. */
  lifetime?: string;
  builtinVsModule?: string;
  mistakes?: string[];
  /** Matching annotation for const data, e.g. "__initconst" for "__initdata". */
  constTwin?: string;
  versionNotes?: string;
  /** True spelling variants of the same macro (e.g. a renamed macro); never a different macro. */
  aliases?: string[];
}

/** Joins paragraphs into one Markdown string. */
function paragraphs(...parts: string[]): string {
  return parts.join('\n\n');
}

// ---------------------------------------------------------------------------------------------
// Shared wording
// ---------------------------------------------------------------------------------------------

const INIT_LIFETIME =
  "Module: freed as soon as the module's init function returns (on failure the whole module is freed anyway). " +
  'Built-in: freed at the end of boot together with the rest of init memory (the "Freeing unused kernel ... memory" line in dmesg).';

const INIT_BUILTIN_VS_MODULE =
  'Both cases free the memory after initialisation; only the moment differs (end of the module\'s init function vs. end of boot). ' +
  'The loader puts every module section whose name starts with `.init` into the init region.';

const EXIT_LIFETIME =
  'Module with CONFIG_MODULE_UNLOAD=y: kept until the module is removed (rmmod). Module with CONFIG_MODULE_UNLOAD=n: treated like init memory and dropped after init, because it can never run. ' +
  'Built-in: never executed; x86 and arm64 keep it in the image and free it with init memory, other architectures throw it away at link time.';

const EXIT_BUILTIN_VS_MODULE =
  'In a module the code runs at rmmod time. In built-in code it never runs at all: exit functions are only kept so that the same source compiles both ways.';

const MODPOST_FORMAT_NOTE =
  'modpost output: 6.0–6.4 (so 6.1) print `section mismatch in reference: <from> (section: <sec>) -> <to> (section: <sec>)` and name the module_init/module_exit functions `init_module`/`cleanup_module`; ' +
  'from 6.5 the real function name is printed with a `+0x<offset>` suffix; from 6.12 an address is printed when there is no symbol.';

const MEMINIT_VERSION_NOTE =
  '6.1 and 6.6: a section of its own (`.meminit.*`), kept when CONFIG_MEMORY_HOTPLUG=y and freed with init memory otherwise; modpost checks it separately. ' +
  '6.12 and later (the change landed between 6.7 and 6.12): no section of its own any more — the macro expands to nothing with CONFIG_MEMORY_HOTPLUG=y and to the plain `__init` family otherwise, and modpost only knows `.init.*`.';

const UNKNOWN_IDENTIFIER_ERROR =
  'Because the macro no longer exists, gcc sees an unknown identifier in the declaration and stops with a parse error such as `expected \'=\', \',\', \';\', \'asm\' or \'__attribute__\' before ...` at that line.';

const UNKNOWN_FUNCTION_ERROR =
  'Because the macro no longer exists, gcc treats it as a call to an undeclared function and the kernel build stops with `implicit declaration of function ...` (and usually `initializer element is not constant`).';

const SECTION_CONFLICT_MISTAKE =
  "Using it on an object of the wrong constness: a `const` object and a writable object in the same named section make gcc stop with \"section type conflict\".";

// ---------------------------------------------------------------------------------------------
// init.h and related annotations
// ---------------------------------------------------------------------------------------------

const ANNOTATIONS: MacroDoc[] = [
  {
    name: '__init',
    category: 'annotation',
    summary: 'Marks a function that is only needed while initialising; it goes to `.init.text` and is freed afterwards.',
    section: '.init.text',
    lifetime: INIT_LIFETIME,
    builtinVsModule: INIT_BUILTIN_VS_MODULE,
    details: paragraphs(
      'Puts the function into the `.init.text` section. Besides the section it also marks the function cold (`__cold`) and feeds the latent-entropy plugin; the function can be called normally until init memory is released.',
      'Typical users are the function passed to `module_init()` and helpers that are only ever called from it. Data belongs in `__initdata` (writable) or `__initconst` (`const`).',
      'modpost reports every reference to `.init.text` that comes from ordinary code or data (`.text`, `.data`) and from exit code, because by the time those run the function is gone.',
    ),
    mistakes: [
      'Calling it from code that can run after init: a probe or remove callback, an ioctl, a timer, a workqueue item or the `__exit` function. The call jumps into freed memory.',
      'Storing its address in a long-lived structure, e.g. `.probe = foo_probe` in a driver struct while `foo_probe` is `__init`. Devices can bind later (hot-plug, deferred probe, sysfs bind), so probe code must not be `__init` (except with `platform_driver_probe()`).',
      'Exporting it with EXPORT_SYMBOL*(): other modules would call freed code; modpost warns.',
      'Trusting silence from modpost: when gcc inlines a small `__init` helper into its caller no relocation remains and nothing is reported, yet the design is still wrong.',
    ],
    versionNotes: paragraphs(
      '6.1 also adds `__noinitretpoline` for built-in code; 7.x drops that and adds `__no_kstack_erase`. The section is `.init.text` in every version.',
      MODPOST_FORMAT_NOTE,
    ),
  },
  {
    name: '__initdata',
    category: 'annotation',
    summary: 'Places a writable variable in `.init.data`, which is freed once initialisation is over.',
    section: '.init.data',
    lifetime: INIT_LIFETIME,
    builtinVsModule: INIT_BUILTIN_VS_MODULE,
    constTwin: '__initconst',
    details: paragraphs(
      'Use it for tables, buffers and flags that only the init path reads or writes. It is normally written after the name: `static int foo __initdata = 1;`.',
      'The data lives in `.init.data`. Once init memory is released, any pointer to it dangles. modpost flags references to `.init.data` from `.text`, `.data` and `.exit.*`.',
      'Every module source file that calls `module_init()` already contains a hidden writable pointer in `.init.data`, so a `const` object marked `__initdata` in such a file is a hard gcc error ("section type conflict"). `const` data takes `__initconst` instead.',
    ),
    mistakes: [
      'Reading or writing it from the `__exit` function, a probe/remove callback, an interrupt handler or a timer: that code runs after the memory was freed (use-after-free). modpost reports it as `(section: .exit.text) -> ... (section: .init.data)`.',
      'Marking a `const` object `__initdata`; use `__initconst`.',
      'Keeping a pointer to it in a normal `.data` structure that outlives init.',
      'Relying on modpost: if gcc folds the value into the code, the reference disappears from the object file and the warning with it, even though the source is wrong.',
    ],
    versionNotes: 'Same section (`.init.data`) in every kernel from 2.6 to 7.x. ' + MODPOST_FORMAT_NOTE,
  },
  {
    name: '__initconst',
    category: 'annotation',
    summary: 'Places `const` data that is only needed during initialisation in `.init.rodata`, freed afterwards.',
    section: '.init.rodata',
    lifetime: INIT_LIFETIME,
    builtinVsModule: INIT_BUILTIN_VS_MODULE,
    details: paragraphs(
      'The read-only counterpart of `__initdata`: use it on objects declared `const`, e.g. `static const char banner[] __initconst = "...";` or `static const char * const names[] __initconst = { ... };`.',
      'The data lives in `.init.rodata`. `__setup()` and `early_param()` also put their option strings there in built-in code.',
    ),
    mistakes: [
      'Putting it on an object that is not `const`: gcc reports "section type conflict" as soon as another `const` object (for example a `__setup()` string) shares `.init.rodata` in the same file. Non-const data takes `__initdata`.',
      'Using the data after init (from exit, probe or runtime code): it has been freed.',
    ],
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: '__exit',
    category: 'annotation',
    summary: 'Marks a function only needed when the module is removed; it goes to `.exit.text`.',
    section: '.exit.text',
    lifetime: EXIT_LIFETIME,
    builtinVsModule: EXIT_BUILTIN_VS_MODULE,
    details: paragraphs(
      'Puts the function into `.exit.text` and marks it cold and `notrace`; in built-in code it also gets `__used` (via `__exitused`) so gcc neither drops nor warns about it.',
      'Use it for the function passed to `module_exit()` and helpers called only from there. Init data is already gone when it runs, so it must not touch `__initdata`/`__initconst` objects or call `__init` functions.',
      'modpost reports references to `.exit.text` from ordinary code and data and from `.init.*` code, and references from `.exit.text` to `.init.*`.',
    ),
    mistakes: [
      'Calling an `__exit` cleanup helper from the init function\'s error path: built-in kernels may not have the code at all. Drop `__exit` from helpers that the init path shares.',
      'Reading `__initdata` from the exit function (the memory was freed after init; the classic use-after-free at rmmod).',
      'Marking a driver\'s `.remove` callback `__exit` and wiring it with `__exit_p()`: devices can be unbound at run time, and from 6.12 modpost warns about the struct → `.exit.text` reference for module builds.',
      'Exporting it with EXPORT_SYMBOL*().',
    ],
    versionNotes: 'Same section in 6.1–7.x. ' + MODPOST_FORMAT_NOTE,
  },
  {
    name: '__exitdata',
    category: 'annotation',
    summary: 'Places writable data that only the exit path uses in `.exit.data`.',
    section: '.exit.data',
    lifetime: EXIT_LIFETIME,
    builtinVsModule: EXIT_BUILTIN_VS_MODULE,
    details: paragraphs(
      'The data counterpart of `__exit`: the object is placed in `.exit.data` and disappears when exit code disappears.',
      'There is no read-only twin (no `__exitconst`), so `const` exit-only data has no correct annotation: leave such data unannotated. `module_exit()` itself puts a hidden writable pointer in `.exit.data`, so `const ... __exitdata` in a file that uses `module_exit()` fails with "section type conflict".',
    ),
    mistakes: [
      'Putting it on a `const` object ("section type conflict").',
      'Referencing it from normal code, data or init code; modpost reports those references.',
    ],
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: '__exit_call',
    category: 'annotation',
    summary: 'Attribute used by `__exitcall()`/`module_exit()` in built-in code to store the exit function pointer in `.exitcall.exit`.',
    section: '.exitcall.exit',
    lifetime: 'Discarded at link time of vmlinux; the pointers never reach the running kernel.',
    builtinVsModule: 'Only used for built-in code. In a module, `module_exit()` creates the `cleanup_module` alias instead.',
    details: paragraphs(
      'Expands to `__used` plus a section attribute for `.exitcall.exit`. `module_exit(fn)` in built-in code becomes `__exitcall(fn)`, which declares a static pointer to `fn` with this attribute.',
      'The linker script throws `.exitcall.exit` away, which is how built-in exit functions end up never being called. Module authors rarely write it directly.',
    ),
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: '__exitused',
    category: 'annotation',
    summary: 'Helper used inside `__exit`: empty in modules, `__used` in built-in code.',
    details: paragraphs(
      'In built-in code nothing calls an exit function (its pointer sits in the discarded `.exitcall.exit` section), so gcc could drop it or warn that it is unused. `__exitused` adds `__used` only when `MODULE` is not defined.',
      'It places nothing in a section by itself; `__exit` adds the section.',
    ),
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: '__exit_p',
    category: 'annotation',
    signature: '__exit_p(fn)',
    summary: 'Evaluates to `fn` in a module build and to `NULL` in built-in code, for pointers to `__exit` functions.',
    builtinVsModule: 'Module: the pointer is kept. Built-in: the pointer becomes NULL, so no reference to the (discarded) exit code remains.',
    details: paragraphs(
      'Meant for struct fields that point to `__exit` functions, traditionally `.remove = __exit_p(foo_remove)` in a driver. In built-in code the field is NULL, so the dropped exit code is never referenced.',
      'For drivers this pattern is outdated: a device can be unbound through sysfs or by hot-unplug even in a built-in driver, and a NULL `.remove` then skips cleanup. Write remove callbacks as normal functions and assign them directly.',
      'modpost: the module build still has a `.data` → `.exit.text` reference. 6.1.0 hid it for structs whose name ends in `driver`; 6.1.y (≈6.1.80+) and 6.6 report it only with `W=1`; 6.12 and later always warn.',
    ),
    mistakes: [
      'Using it for `.remove` of a driver (see above): unbinding a built-in device leaks resources.',
      'Passing a function that is not `__exit`: harmless but pointless, and in built-in code the callback silently disappears.',
    ],
    versionNotes: 'Macro unchanged 6.1–7.x; the modpost treatment of the resulting reference changed (silent in 6.1.0, `W=1` in later 6.1.y/6.6, warning from 6.12).',
  },
  {
    name: '__ref',
    category: 'annotation',
    summary: 'Puts a function in `.ref.text` and tells modpost not to complain about its references to init/exit code.',
    section: '.ref.text',
    lifetime: 'Ordinary kernel text; never freed.',
    details: paragraphs(
      'Expands to a section attribute for `.ref.text` plus `noinline`. modpost never checks references *from* `.ref.*` sections, so a `__ref` function may call `__init` or `__exit` code without a warning.',
      'It is only correct when you can prove the referenced code is still present whenever the call happens — for example the function runs only during boot, or checks a flag that is cleared when init memory goes away.',
    ),
    mistakes: [
      'Adding `__ref` just to silence a section-mismatch warning: the call still jumps into freed memory at run time.',
    ],
    versionNotes: 'Unchanged from 6.1 to 7.x. The old spellings `__init_refok` and `__exit_refok` were removed long before 6.1.',
  },
  {
    name: '__refdata',
    category: 'annotation',
    summary: 'Puts writable data in `.ref.data`, exempting its references to init/exit code from modpost checks.',
    section: '.ref.data',
    lifetime: 'Ordinary kernel data; never freed.',
    constTwin: '__refconst',
    details: paragraphs(
      'Use it for a structure that legitimately holds pointers to `__init`/`__exit` code or data and is only used while those are alive. Objects in `.ref.data` are never a "from" section for modpost, so its warnings go away.',
      'The object itself stays in memory forever; only what it points to may vanish. `const` objects take `__refconst`.',
    ),
    mistakes: [
      'Using it to hide a real bug: if the structure is used after init, its pointers dangle.',
      SECTION_CONFLICT_MISTAKE + ' Use `__refconst` for `const` objects.',
    ],
    versionNotes: 'Unchanged from 6.1 to 7.x. `__initdata_refok` was the old name (removed long before 6.1).',
  },
  {
    name: '__refconst',
    category: 'annotation',
    summary: 'Puts `const` data in `.ref.rodata`, exempting its references to init/exit code from modpost checks.',
    section: '.ref.rodata',
    lifetime: 'Ordinary read-only kernel data; never freed.',
    details: paragraphs(
      'The `const` counterpart of `__refdata`; the object lands in `.ref.rodata`.',
      'Note that plain `const` objects in `.rodata` are not checked by modpost either, so `__refconst` mostly documents intent.',
    ),
    mistakes: [SECTION_CONFLICT_MISTAKE + ' Use `__refdata` for writable objects.'],
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: '__meminit',
    category: 'annotation',
    summary: 'Marks code needed at boot and again whenever memory is hot-added; 6.1/6.6 use `.meminit.text`, 6.12+ map it to `__init` or to nothing.',
    section: '.meminit.text (6.1–6.6); .init.text or none (6.12+)',
    lifetime:
      '6.1/6.6: kept when CONFIG_MEMORY_HOTPLUG=y, otherwise freed with init memory. 6.12+: same effect via plain `__init` (no hotplug) or no annotation (hotplug).',
    builtinVsModule: 'Meant for core memory-management code; modules practically never need it.',
    constTwin: '__meminitconst',
    details: paragraphs(
      'Code that initialises memory structures runs at boot and, with memory hot-plug, again later. In 6.1 and 6.6 the macro puts such code into `.meminit.text`; the linker keeps it when CONFIG_MEMORY_HOTPLUG=y and frees it with init memory otherwise.',
      'In 6.12 and later `.meminit.*` no longer exists: `__meminit` is empty when memory hot-plug is enabled and identical to `__init` (`.init.text`) otherwise.',
      'modpost up to 6.6 reports references from ordinary code to `.meminit.*` and from `.meminit.*` to `.init.*`.',
    ),
    mistakes: [
      'Calling plain `__init` code from it (up to 6.6 modpost reports `.meminit.text -> .init.text`).',
      'Expecting it to be kept on a kernel without memory hot-plug: there it is freed like `__init`.',
    ],
    versionNotes: MEMINIT_VERSION_NOTE,
  },
  {
    name: '__meminitdata',
    category: 'annotation',
    summary: 'Data counterpart of `__meminit`: `.meminit.data` in 6.1/6.6, `__initdata` or nothing in 6.12+.',
    section: '.meminit.data (6.1–6.6); .init.data or none (6.12+)',
    lifetime: 'Kept with CONFIG_MEMORY_HOTPLUG=y, otherwise freed with init memory (all versions).',
    constTwin: '__meminitconst',
    details: paragraphs(
      'Writable data used by `__meminit` code. In 6.1 and 6.6 it is placed in `.meminit.data`; from 6.12 it is empty with memory hot-plug and equal to `__initdata` (`.init.data`) without it.',
    ),
    mistakes: [SECTION_CONFLICT_MISTAKE + ' `const` data takes `__meminitconst`.'],
    versionNotes: MEMINIT_VERSION_NOTE,
  },
  {
    name: '__meminitconst',
    category: 'annotation',
    summary: 'Read-only counterpart of `__meminitdata`: `.meminit.rodata` in 6.1/6.6, `__initconst` or nothing in 6.12+.',
    section: '.meminit.rodata (6.1–6.6); .init.rodata or none (6.12+)',
    lifetime: 'Kept with CONFIG_MEMORY_HOTPLUG=y, otherwise freed with init memory (all versions).',
    details: paragraphs(
      '`const` data used by `__meminit` code. In 6.1 and 6.6 it is placed in `.meminit.rodata`; from 6.12 it is empty with memory hot-plug and equal to `__initconst` (`.init.rodata`) without it.',
    ),
    mistakes: [SECTION_CONFLICT_MISTAKE + ' Writable data takes `__meminitdata`.'],
    versionNotes: MEMINIT_VERSION_NOTE,
  },
  {
    name: '__init_or_module',
    category: 'annotation',
    summary: 'Like `__init`, but only when the kernel cannot load modules; with CONFIG_MODULES=y it is empty.',
    section: '.init.text (only when CONFIG_MODULES=n)',
    lifetime: 'CONFIG_MODULES=y: ordinary text, never freed. CONFIG_MODULES=n: freed with init memory.',
    builtinVsModule:
      'For core-kernel code that module loading needs again later (e.g. code patching helpers). Inside a loadable module it makes no sense: modules imply CONFIG_MODULES=y, so it expands to nothing.',
    constTwin: '__initconst_or_module',
    details: paragraphs(
      'Defined in `<linux/module.h>`. When the kernel supports loadable modules the code may be needed every time a module is loaded, so it must stay; without module support it is only used at boot and can go to `.init.text` like `__init`.',
    ),
    versionNotes: '6.1 also had assembler variants (`__INIT_OR_MODULE` etc.); 7.1\'s module.h no longer has them. The C macros are unchanged.',
  },
  {
    name: '__initdata_or_module',
    category: 'annotation',
    summary: 'Like `__initdata`, but only when CONFIG_MODULES=n; empty when modules are supported.',
    section: '.init.data (only when CONFIG_MODULES=n)',
    lifetime: 'CONFIG_MODULES=y: ordinary data. CONFIG_MODULES=n: freed with init memory.',
    constTwin: '__initconst_or_module',
    details: paragraphs(
      'Data counterpart of `__init_or_module`: placed in `.init.data` only on kernels without module support, otherwise a normal variable.',
    ),
    mistakes: [SECTION_CONFLICT_MISTAKE + ' `const` data takes `__initconst_or_module`.'],
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: '__initconst_or_module',
    category: 'annotation',
    summary: 'Like `__initconst`, but only when CONFIG_MODULES=n; empty when modules are supported.',
    section: '.init.rodata (only when CONFIG_MODULES=n)',
    lifetime: 'CONFIG_MODULES=y: ordinary read-only data. CONFIG_MODULES=n: freed with init memory.',
    details: paragraphs(
      'Read-only counterpart of `__initdata_or_module`: placed in `.init.rodata` only on kernels without module support.',
    ),
    mistakes: [SECTION_CONFLICT_MISTAKE + ' Writable data takes `__initdata_or_module`.'],
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: '__init_memblock',
    category: 'annotation',
    summary: 'Marks memblock allocator code: `__meminit` normally, empty when the architecture keeps memblock after boot.',
    section: '.meminit.text (6.1–6.6); .init.text or none (6.12+); none with CONFIG_ARCH_KEEP_MEMBLOCK',
    lifetime: 'Follows `__meminit` of the kernel version, or permanent with CONFIG_ARCH_KEEP_MEMBLOCK=y.',
    details: paragraphs(
      'Defined in `<linux/memblock.h>`. The early boot allocator (memblock) is normally discarded after boot, so its code uses `__meminit`; architectures that select CONFIG_ARCH_KEEP_MEMBLOCK keep it and the macro becomes empty.',
      'Its section therefore follows `__meminit`: `.meminit.text` in 6.1/6.6, `.init.text` or nothing in 6.12+.',
    ),
    versionNotes: MEMINIT_VERSION_NOTE,
  },
  {
    name: '__initdata_memblock',
    category: 'annotation',
    summary: 'Data counterpart of `__init_memblock`: `__meminitdata` normally, empty with CONFIG_ARCH_KEEP_MEMBLOCK.',
    section: '.meminit.data (6.1–6.6); .init.data or none (6.12+); none with CONFIG_ARCH_KEEP_MEMBLOCK',
    lifetime: 'Follows `__meminitdata`, or permanent with CONFIG_ARCH_KEEP_MEMBLOCK=y.',
    details: paragraphs(
      'Used for memblock\'s own tables. Its section follows `__meminitdata`: `.meminit.data` in 6.1/6.6, `.init.data` or nothing in 6.12+.',
    ),
    versionNotes: MEMINIT_VERSION_NOTE,
  },
  {
    name: '__nosavedata',
    category: 'annotation',
    summary: 'Places a variable in `.data..nosave`, which hibernation does not save or restore.',
    section: '.data..nosave',
    lifetime: 'Ordinary data, never freed; excluded from the hibernation image.',
    details: paragraphs(
      'Variables in `.data..nosave` keep the value of the kernel that performs the resume instead of the value stored in the suspend-to-disk image. The hibernation code uses it for its own bookkeeping.',
      'Driver and module code almost never needs it.',
    ),
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: '__sched',
    category: 'annotation',
    summary: 'Puts a function that may block on behalf of its caller into `.sched.text`.',
    section: '.sched.text',
    lifetime: 'Ordinary kernel text.',
    details: paragraphs(
      'Defined in `<linux/sched/debug.h>`. Functions such as `schedule()` or sleeping lock slow paths live in `.sched.text`; when the kernel reports where a task is waiting (`/proc/<pid>/wchan`, some stack reports) it skips these functions and shows the caller instead.',
      'modpost treats `.sched.text` like `.text`: calling `__init` code from it is a section mismatch.',
    ),
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: 'noinstr',
    category: 'annotation',
    summary: 'Marks code that must not be instrumented (no tracing, sanitizers or coverage) and puts it in `.noinstr.text`.',
    section: '.noinstr.text',
    lifetime: 'Ordinary kernel text.',
    details: paragraphs(
      'Combines `noinline`, `notrace` and the "no KASAN/KCSAN/KMSAN/profiling/coverage" attributes with the `.noinstr.text` section. It is used for low-level entry and idle code that runs before the kernel is in a state where instrumentation is safe; objtool checks that such code does not call instrumentable functions outside `instrumentation_begin()`/`instrumentation_end()`.',
      'Normal driver code should not use it. modpost treats `.noinstr.text` as ordinary text.',
    ),
    versionNotes: '7.1 spells the section part through a helper (`__noinstr_section`); the section name is the same.',
  },
  {
    name: '__cpuidle',
    category: 'annotation',
    summary: 'Puts low-level CPU idle routines into `.cpuidle.text`.',
    section: '.cpuidle.text',
    lifetime: 'Ordinary kernel text.',
    details: paragraphs(
      'Code in `.cpuidle.text` is recognised as "this CPU is idling", e.g. so that NMI backtraces can skip idle CPUs. Not something modules normally use.',
    ),
    versionNotes: '6.1 defines it in `<linux/cpu.h>`; 7.1 moved it to `<linux/compiler_types.h>` and gives it the same no-instrumentation attributes as `noinstr`. Section unchanged.',
  },
  {
    name: '__kprobes',
    category: 'annotation',
    summary: 'Puts a function in `.kprobes.text` so that kprobes will refuse to probe it (empty without CONFIG_KPROBES).',
    section: '.kprobes.text (only with CONFIG_KPROBES)',
    lifetime: 'Ordinary kernel text.',
    details: paragraphs(
      'Functions that kprobes itself depends on must not be probed, or a probe would recurse. With CONFIG_KPROBES they go to `.kprobes.text`, which is on the blacklist; without kprobes the macro is empty.',
      'New code usually prefers `NOKPROBE_SYMBOL(fn)`, which blacklists a function without moving it to another section.',
    ),
    versionNotes: '7.1 also adds `notrace`. Section unchanged.',
  },
  {
    name: '__irq_entry',
    category: 'annotation',
    summary: 'Marks hard-interrupt entry functions; they go to `.irqentry.text`.',
    section: '.irqentry.text',
    lifetime: 'Ordinary kernel text.',
    details: paragraphs(
      'Lets tracers and stack dumps see where interrupt context begins: code in `.irqentry.text` is treated as an interrupt entry point. Architectures may override the definition. Drivers do not need it for their handlers.',
    ),
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: '__softirq_entry',
    category: 'annotation',
    summary: 'Marks the soft-interrupt entry function; it goes to `.softirqentry.text`.',
    section: '.softirqentry.text',
    lifetime: 'Ordinary kernel text.',
    details: paragraphs(
      'The softirq counterpart of `__irq_entry`; code in `.softirqentry.text` marks where softirq processing starts, for tracers and stack dumps.',
    ),
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: '__ro_after_init',
    category: 'annotation',
    summary: 'Places a variable in `.data..ro_after_init`: writable during init, read-only afterwards.',
    section: '.data..ro_after_init',
    lifetime:
      'Never freed. Built-in: made read-only at the end of boot (with CONFIG_STRICT_KERNEL_RWX). Module: made read-only right after the module\'s init function returns (with CONFIG_STRICT_MODULE_RWX).',
    builtinVsModule: 'Works in both; only the moment it becomes read-only differs.',
    details: paragraphs(
      'For values that are set up once during initialisation and then only read, such as ops pointers chosen at boot. After init the page protection makes writes fault, which hardens the kernel against corruption.',
      'This is not an init/exit section: the data is never freed, and modpost does not check references from `.data..ro_after_init`. It therefore will not warn if such a variable points to `__init` code — which would dangle.',
    ),
    mistakes: [
      'Writing to it after init (e.g. from a sysfs store or a probe that runs later): the write oopses with a protection fault.',
      'Combining it with `const`: a `const` object is already read-only; mixing `const` and writable objects in `.data..ro_after_init` gives "section type conflict".',
      'Pointing it at `__init` functions or data, which modpost will not report.',
    ],
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: '__read_mostly',
    category: 'annotation',
    summary: 'Groups rarely written variables in `.data..read_mostly` to avoid cache-line sharing with hot, frequently written data.',
    section: '.data..read_mostly (on architectures that define it; empty elsewhere)',
    lifetime: 'Ordinary data, never freed.',
    details: paragraphs(
      'A performance hint. On x86 and several other architectures it places the variable in `.data..read_mostly`; the generic fallback in `<linux/cache.h>` is empty. It does not make anything read-only and is not an init/exit section, so modpost does not check references from it.',
    ),
    mistakes: [
      'Using it on frequently written variables, which defeats the purpose.',
      'Combining it with `const` ("section type conflict"; `const` data is already in `.rodata`).',
    ],
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: '__section',
    category: 'annotation',
    signature: '__section("name")',
    summary: 'Shorthand for `__attribute__((__section__("name")))`: puts a function or object into the named ELF section.',
    details: paragraphs(
      'All the section annotations above are built on it. An explicit section overrides the per-function/per-object sections that `-ffunction-sections`/`-fdata-sections` would create.',
      'Section names carry meaning: in a module, every section whose name starts with `.init` is freed after init, and modpost applies its mismatch rules by name (`.init.*`, `.exit.*`, `.ref.*`, `.text*`, `.data`).',
    ),
    mistakes: [
      'Inventing a name that starts with `.init` or `.exit` by accident: the loader and modpost will treat it as init/exit memory.',
      'Putting `const` and writable objects into the same custom section ("section type conflict").',
      'Passing an unquoted name: since 5.10 the argument must be a string literal.',
    ],
    versionNotes: 'Takes a quoted string since 5.10; unchanged 6.1–7.x.',
  },
  {
    name: '__net_init',
    category: 'annotation',
    summary: 'Annotation for per-network-namespace init functions: empty with CONFIG_NET_NS, `__init` without it.',
    section: '.init.text (only when CONFIG_NET_NS=n)',
    lifetime: 'CONFIG_NET_NS=y: ordinary text (new namespaces can be created at any time). CONFIG_NET_NS=n: freed with init memory.',
    details: paragraphs(
      'Used for the `.init` callback of `struct pernet_operations`. With network namespaces enabled the callback runs whenever a namespace is created, so it must stay; with only the initial namespace it runs once at boot and can live in `.init.text`.',
    ),
    mistakes: ['Using plain `__init` for a pernet init callback: creating a new network namespace later would call freed code.'],
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: '__net_exit',
    category: 'annotation',
    summary: 'Annotation for per-network-namespace exit functions: empty with CONFIG_NET_NS, `__ref` without it.',
    section: '.ref.text (only when CONFIG_NET_NS=n)',
    lifetime: 'Ordinary kernel text in both configurations.',
    details: paragraphs(
      'Used for the `.exit` callback of `struct pernet_operations`. With network namespaces the callback runs when a namespace is destroyed. Without them it becomes `__ref` (section `.ref.text`), so it stays but modpost accepts its references to init code.',
    ),
    mistakes: ['Using plain `__exit`: namespace teardown happens at run time, not only at rmmod.'],
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: '__net_initdata',
    category: 'annotation',
    summary: 'Data counterpart of `__net_init`: empty with CONFIG_NET_NS, `__initdata` without it.',
    section: '.init.data (only when CONFIG_NET_NS=n)',
    lifetime: 'CONFIG_NET_NS=y: ordinary data. CONFIG_NET_NS=n: freed with init memory.',
    constTwin: '__net_initconst',
    details: paragraphs(
      'Typically on the `struct pernet_operations` object itself or on data only its init callback uses. Without network namespaces it becomes `__initdata` and lives in `.init.data`.',
    ),
    mistakes: [SECTION_CONFLICT_MISTAKE + ' `const` data takes `__net_initconst`.'],
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: '__net_initconst',
    category: 'annotation',
    summary: 'Read-only counterpart of `__net_initdata`: empty with CONFIG_NET_NS, `__initconst` without it.',
    section: '.init.rodata (only when CONFIG_NET_NS=n)',
    lifetime: 'CONFIG_NET_NS=y: ordinary read-only data. CONFIG_NET_NS=n: freed with init memory.',
    details: paragraphs('Without network namespaces it becomes `__initconst` and lives in `.init.rodata`.'),
    mistakes: [SECTION_CONFLICT_MISTAKE + ' Writable data takes `__net_initdata`.'],
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
];

// ---------------------------------------------------------------------------------------------
// Removed annotation families (kept so hovers on old code explain what to do)
// ---------------------------------------------------------------------------------------------

interface RemovedAnnotationRow {
  name: string;
  kind: 'code' | 'data' | 'const' | 'pointer';
  section?: string;
}

interface RemovedFamily {
  /** Short "removed in" text for the summary. */
  removed: string;
  why: string;
  fix: Record<RemovedAnnotationRow['kind'], string>;
  versionNotes: string;
  rows: RemovedAnnotationRow[];
}

const REMOVED_FAMILIES: RemovedFamily[] = [
  {
    removed: 'removed in Linux 3.8',
    why: 'The `__dev*` markers used to let kernels without CONFIG_HOTPLUG discard driver probe/remove code after boot. Once hot-plug became always on, they could never be discarded, so the markers were emptied and then deleted.',
    fix: {
      code: 'Delete the annotation; probe and remove functions are ordinary code.',
      data: 'Delete the annotation; the data is ordinary data.',
      const: 'Delete the annotation; keep the object `const`.',
      pointer: 'Replace `__devexit_p(fn)` with plain `fn`.',
    },
    versionNotes:
      'Removed in Linux 3.8 (2013): first turned into empty macros, then deleted; modpost stopped checking `.devinit.*`/`.devexit.*` at the same time. Not available in any 6.x or 7.x kernel.',
    rows: [
      { name: '__devinit', kind: 'code', section: '.devinit.text' },
      { name: '__devinitdata', kind: 'data', section: '.devinit.data' },
      { name: '__devinitconst', kind: 'const', section: '.devinit.rodata' },
      { name: '__devexit', kind: 'code', section: '.devexit.text' },
      { name: '__devexitdata', kind: 'data', section: '.devexit.data' },
      { name: '__devexitconst', kind: 'const', section: '.devexit.rodata' },
      { name: '__devexit_p', kind: 'pointer' },
    ],
  },
  {
    removed: 'emptied in 3.11, gone by 4.9',
    why: 'The `__cpu*` markers let kernels without CPU hot-plug free CPU bring-up/tear-down code after boot. CPU hot-plug is used by suspend and is practically always enabled, so the markers were removed.',
    fix: {
      code: 'Delete the annotation.',
      data: 'Delete the annotation.',
      const: 'Delete the annotation; keep the object `const`.',
      pointer: 'Use the function directly.',
    },
    versionNotes:
      'Turned into empty macros during the 3.11 cycle (2013) and deleted afterwards; absent by 4.9 at the latest (exact release of the final removal unverified). Not available in any 6.x or 7.x kernel.',
    rows: [
      { name: '__cpuinit', kind: 'code', section: '.cpuinit.text' },
      { name: '__cpuinitdata', kind: 'data', section: '.cpuinit.data' },
      { name: '__cpuinitconst', kind: 'const', section: '.cpuinit.rodata' },
      { name: '__cpuexit', kind: 'code', section: '.cpuexit.text' },
      { name: '__cpuexitdata', kind: 'data', section: '.cpuexit.data' },
      { name: '__cpuexitconst', kind: 'const', section: '.cpuexit.rodata' },
    ],
  },
  {
    removed: 'removed in 6.7 and in later 6.1.y/6.6.y',
    why: 'The `__memexit*` markers were the exit-side counterpart of `__meminit` for memory hot-remove. They had no real users left.',
    fix: {
      code: 'Delete the annotation.',
      data: 'Delete the annotation.',
      const: 'Delete the annotation; keep the object `const`.',
      pointer: 'Use the function directly.',
    },
    versionNotes:
      'Present in 6.1.0 up to early 6.1.y; removed upstream in the 6.7 merge window and the removal was backported to 6.1.y and 6.6.y (around February 2024, ≈6.1.80). Absent in current 6.1.y, 6.6.y, 6.12 and 7.x.',
    rows: [
      { name: '__memexit', kind: 'code', section: '.memexit.text' },
      { name: '__memexitdata', kind: 'data', section: '.memexit.data' },
      { name: '__memexitconst', kind: 'const', section: '.memexit.rodata' },
    ],
  },
];

const REFOK_ROWS: { name: string; replacement: string }[] = [
  { name: '__init_refok', replacement: '__ref' },
  { name: '__initdata_refok', replacement: '__refdata' },
  { name: '__exit_refok', replacement: '__ref' },
];

function removedAnnotations(): MacroDoc[] {
  const docs: MacroDoc[] = [];
  for (const family of REMOVED_FAMILIES) {
    for (const row of family.rows) {
      const placement = row.section
        ? `It used to place ${row.kind === 'code' ? 'functions' : 'objects'} in \`${row.section}\`.`
        : 'It used to yield the function pointer or NULL depending on the configuration.';
      docs.push({
        name: row.name,
        category: 'removed-annotation',
        signature: row.kind === 'pointer' ? `${row.name}(fn)` : undefined,
        summary: `No longer exists (${family.removed}). ${family.fix[row.kind]}`,
        section: row.section ? `${row.section} (historical)` : undefined,
        details: paragraphs(
          placement,
          family.why,
          row.kind === 'pointer' ? UNKNOWN_FUNCTION_ERROR : UNKNOWN_IDENTIFIER_ERROR,
          family.fix[row.kind],
        ),
        mistakes: ['Copying it from older drivers or tutorials.'],
        versionNotes: family.versionNotes,
      });
    }
  }
  for (const row of REFOK_ROWS) {
    docs.push({
      name: row.name,
      category: 'removed-annotation',
      summary: `No longer exists: old spelling of \`${row.replacement}\`; write \`${row.replacement}\` instead.`,
      details: paragraphs(
        `A compatibility name for \`${row.replacement}\` from the 2.6/3.x era.`,
        UNKNOWN_IDENTIFIER_ERROR,
        `Replace it with \`${row.replacement}\` — and first check whether the reference it hides is really safe.`,
      ),
      versionNotes: 'Present in 3.x kernels, gone by 4.9 (exact release unverified). Not available in 6.x or 7.x.',
    });
  }
  return docs;
}

// ---------------------------------------------------------------------------------------------
// Initcalls
// ---------------------------------------------------------------------------------------------

interface InitcallRow {
  name: string;
  /** Level id used in the section name, e.g. "6", "6s", "early", "rootfs". */
  level: string;
  purpose: string;
}

const INITCALL_PURPOSE: Record<string, string> = {
  pure: 'Level 0. Only for initialising variables that cannot be initialised statically; such a call must not depend on anything else.',
  core: 'Level 1. Core infrastructure that almost everything else relies on.',
  postcore: 'Level 2. Things that need the core but come before architecture setup, e.g. registering bus types.',
  arch: 'Level 3. Architecture and platform setup, e.g. registering platform devices.',
  subsys: 'Level 4. Subsystem cores (bus frameworks, class infrastructure) that drivers at level 6 register with.',
  fs: 'Level 5. File systems and other things needed before the root file system; also some networking setup.',
  device: 'Level 6. Device drivers — `module_init()` in built-in code ends up here.',
  late: 'Level 7. Work that needs everything else to be set up first.',
};

/** What runs after each numbered sync step (level 5 is followed by rootfs, not 6). */
const NEXT_AFTER_SYNC: Record<string, string> = {
  '1': 'level 2',
  '2': 'level 3',
  '3': 'level 4',
  '4': 'level 5',
  '5': 'the rootfs level',
  '6': 'level 7',
  '7': 'the end of the initcall sequence',
};

function initcallRows(): InitcallRow[] {
  const rows: InitcallRow[] = [];
  const numbered: [string, string][] = [
    ['core', '1'],
    ['postcore', '2'],
    ['arch', '3'],
    ['subsys', '4'],
    ['fs', '5'],
    ['device', '6'],
    ['late', '7'],
  ];
  rows.push({
    name: 'early_initcall',
    level: 'early',
    purpose: 'Runs before the numbered levels and before secondary CPUs are started (SMP bring-up); for code that must be ready before other CPUs come online.',
  });
  rows.push({ name: 'pure_initcall', level: '0', purpose: INITCALL_PURPOSE.pure });
  for (const [prefix, level] of numbered) {
    if (prefix === 'device') {
      rows.push({
        name: 'rootfs_initcall',
        level: 'rootfs',
        purpose: 'Runs between level 5 (fs) and level 6 (device); used to unpack the initramfs into the root file system.',
      });
    }
    rows.push({ name: `${prefix}_initcall`, level, purpose: INITCALL_PURPOSE[prefix] });
    rows.push({
      name: `${prefix}_initcall_sync`,
      level: `${level}s`,
      purpose: `Sync step of level ${level}: runs after every plain \`${prefix}_initcall\` has returned and before ${NEXT_AFTER_SYNC[level]}. ${INITCALL_PURPOSE[prefix]}`,
    });
  }
  return rows;
}

const INITCALL_COMMON_DETAILS =
  'Within a level the calls run in link order (the order of objects in the Makefiles). The return value is only reported with the `initcall_debug` boot option; a failure does not stop the boot. Boot with `initcall_debug` to see each call and its duration.';

const INITCALL_MODULE_NOTE =
  'In a loadable module every `*_initcall()` is turned into `module_init()`, so the level has no meaning there and a module may contain only one of them (a second one redefines `init_module`).';

function initcalls(): MacroDoc[] {
  const docs: MacroDoc[] = initcallRows().map((row) => {
    const section = `.initcall${row.level}.init`;
    return {
      name: row.name,
      category: 'initcall' as const,
      signature: `${row.name}(fn)`,
      summary: `Registers \`fn\` to run once during boot at initcall level "${row.level}" (pointer in \`${section}\`; built-in code only).`,
      section,
      lifetime: 'The pointer table is part of init memory and is freed after boot; `fn` should be `__init`.',
      builtinVsModule: INITCALL_MODULE_NOTE,
      details: paragraphs(
        row.purpose,
        `In built-in code the macro stores a pointer to \`fn\` (signature \`int fn(void)\`) in \`${section}\`; the boot code walks the levels in order: early, 0, 1, 1s, 2, 2s, … 5, 5s, rootfs, 6, 6s, 7, 7s.`,
        INITCALL_COMMON_DETAILS,
      ),
      mistakes: [
        'Using two initcalls (or an initcall plus `module_init()`) in one file that may be built as a module: both become `module_init()` and the build fails.',
        'Assuming ordering between different files of the same level: only link order decides.',
      ],
      versionNotes:
        'Levels unchanged 6.1–7.x. On x86-64/arm64 the entry is a 32-bit relative offset instead of a pointer; with Clang LTO the section gets a `..<id>` suffix and a small `__initstub__` wrapper is generated.',
    };
  });
  docs.push(
    {
      name: '__initcall',
      category: 'initcall',
      signature: '__initcall(fn)',
      summary: 'Old name for `device_initcall(fn)` (level 6, `.initcall6.init`).',
      section: '.initcall6.init',
      lifetime: 'Freed with init memory after boot.',
      builtinVsModule: INITCALL_MODULE_NOTE,
      details: paragraphs(
        'Exactly the same as `device_initcall(fn)`: a pointer in `.initcall6.init`, run during boot at the device level. New code uses `device_initcall()` or `module_init()`.',
        INITCALL_COMMON_DETAILS,
      ),
      versionNotes: 'Unchanged from 6.1 to 7.x.',
    },
    {
      name: 'console_initcall',
      category: 'initcall',
      signature: 'console_initcall(fn)',
      summary: 'Registers an early console driver init function, run before the normal initcall levels (pointer in `.con_initcall.init`).',
      section: '.con_initcall.init',
      lifetime: 'Freed with init memory after boot.',
      builtinVsModule: 'In a module it becomes `module_init()`.',
      details: paragraphs(
        'Console drivers that must print as early as possible register here; the table in `.con_initcall.init` is walked from `console_init()`, long before the device level.',
      ),
      versionNotes: 'Unchanged from 6.1 to 7.x.',
    },
    {
      name: '__exitcall',
      category: 'initcall',
      signature: '__exitcall(fn)',
      summary: 'Built-in form of `module_exit()`: stores a pointer to `fn` in `.exitcall.exit`, which is discarded.',
      section: '.exitcall.exit',
      lifetime: 'Discarded when vmlinux is linked.',
      builtinVsModule: '`module_exit(fn)` expands to this in built-in code; in a module it creates the `cleanup_module` alias instead.',
      details: paragraphs(
        'Declares a static pointer named `__exitcall_<fn>` with the `__exit_call` attribute (section `.exitcall.exit`). The linker discards that section, so built-in exit functions never run.',
      ),
      versionNotes: 'Unchanged from 6.1 to 7.x.',
    },
  );
  return docs;
}

// ---------------------------------------------------------------------------------------------
// module_init / module_exit / driver registration helpers
// ---------------------------------------------------------------------------------------------

const MODULE_CORE: MacroDoc[] = [
  {
    name: 'module_init',
    category: 'module-macro',
    signature: 'module_init(fn)',
    summary: 'Declares the function that runs when the module is loaded (or at boot, at device initcall level, when built in).',
    section: '.initcall6.init (built-in); hidden pointer in .init.data (module)',
    lifetime: 'The function itself should be `__init` and is freed after it returns.',
    builtinVsModule:
      'Module: makes `init_module` an alias of `fn` (same section, normally `.init.text`) and adds a hidden writable pointer to it in `.init.data`; the loader calls it once. Built-in: becomes `device_initcall(fn)`, a pointer in `.initcall6.init` run during boot.',
    details: paragraphs(
      '`fn` has the signature `int fn(void)` and is normally `static int __init`. Return 0 on success or a negative errno. In a module a non-zero return makes the load fail: the module is freed and its exit function is **not** called, so undo everything you did before returning the error.',
      'Built-in code: it becomes `device_initcall(fn)`, a pointer in `.initcall6.init` that the boot code calls at the device level. Module: `init_module` becomes an alias of `fn`, and a hidden writable pointer to it is placed in `.init.data`.',
      'A module has at most one `module_init()`; without one it loads and does nothing. The hidden `.init.data` pointer is why a `const` object marked `__initdata` in the same file causes "section type conflict".',
    ),
    mistakes: [
      'Two `module_init()` calls (or one plus an `*_initcall()`) in one module: `init_module` is redefined.',
      'Returning a positive value or forgetting to clean up on a failure path.',
      'Forgetting `__init` on the function (wastes memory; not an error).',
    ],
    versionNotes:
      'Unchanged 6.1–7.x. 6.1 modpost names the function `init_module` in warnings; 6.5+ print the real function name.',
  },
  {
    name: 'module_exit',
    category: 'module-macro',
    signature: 'module_exit(fn)',
    summary: 'Declares the function that runs when the module is removed; never runs for built-in code.',
    section: '.exitcall.exit (built-in, discarded); hidden pointer in .exit.data (module)',
    lifetime: EXIT_LIFETIME,
    builtinVsModule:
      'Module: makes `cleanup_module` an alias of `fn` and adds a hidden writable pointer in `.exit.data`; rmmod calls it once the reference count is zero. Built-in: becomes `__exitcall(fn)`, whose pointer is discarded, so the function never runs.',
    details: paragraphs(
      '`fn` has the signature `void fn(void)` and is normally `static void __exit`. It must undo everything the init function set up, usually in reverse order.',
      'Built-in code: it becomes `__exitcall(fn)`, a pointer in `.exitcall.exit`, which the linker discards, so the function never runs. Module: `cleanup_module` becomes an alias of `fn`, with a hidden writable pointer in `.exit.data` (so `const ... __exitdata` in the same file is a "section type conflict").',
      'A module that has `module_init()` but no `module_exit()` cannot be unloaded: rmmod fails with "Device or resource busy" unless the kernel allows forced unloading. With CONFIG_MODULE_UNLOAD=n no exit function ever runs.',
      'Init memory is gone when it runs: reading an `__initdata` object from here is a use-after-free that modpost reports as `.exit.text -> .init.data`.',
    ),
    mistakes: [
      'Touching `__initdata`/`__initconst` objects or calling `__init` functions.',
      'Calling `fn` from the init error path while it is `__exit` (section mismatch; built-in kernels may not contain it).',
      'Leaving out `module_exit()` and then wondering why the module cannot be removed.',
    ],
    versionNotes:
      'Unchanged 6.1–7.x. 6.1 modpost names the function `cleanup_module` in warnings; 6.5+ print the real function name.',
  },
  {
    name: 'module_driver',
    category: 'module-macro',
    signature: 'module_driver(driver, register_fn, unregister_fn, ...)',
    summary: 'Generates `__init`/`__exit` functions that register and unregister `driver`, plus the matching `module_init()`/`module_exit()`.',
    builtinVsModule: 'Module: both functions are used. Built-in: only the register function runs (at device initcall level).',
    details: paragraphs(
      'The generic base of all `module_*_driver()` helpers. It defines `static int __init <driver>_init(void)` that returns `register_fn(&driver, ...)` and `static void __exit <driver>_exit(void)` that calls `unregister_fn(&driver, ...)`; the extra arguments are passed to both.',
      'Use it only when the module does nothing else at load time, and only once per module.',
    ),
    mistakes: ['Combining it with an explicit `module_init()`/`module_exit()` in the same module.'],
    versionNotes: 'Unchanged from 6.1 to 7.x (in `<linux/device/driver.h>`).',
  },
  {
    name: 'builtin_driver',
    category: 'module-macro',
    signature: 'builtin_driver(driver, register_fn, ...)',
    summary: 'Like `module_driver()` for code that is never a module: only an `__init` register function run via `device_initcall()`.',
    section: '.initcall6.init',
    builtinVsModule: 'For built-in-only drivers; there is no exit function, so the driver can never be unregistered.',
    details: paragraphs(
      'Defines `static int __init <driver>_init(void)` calling `register_fn(&driver, ...)` and registers it with `device_initcall()` (pointer in `.initcall6.init`).',
    ),
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: 'THIS_MODULE',
    category: 'module-macro',
    summary: 'Pointer to the `struct module` of the module being compiled; `NULL` in built-in code.',
    builtinVsModule: 'Module: `&__this_module` (the structure generated by modpost in `<name>.mod.c`). Built-in: `((struct module *)0)`.',
    details: paragraphs(
      'Used for `.owner` fields (e.g. `struct file_operations`) so that the kernel takes a reference on the module while one of its objects is in use, which prevents unloading it underneath an open file.',
      'Most bus registration helpers (`platform_driver_register()`, `i2c_add_driver()`, `usb_register()` …) pass it for you.',
    ),
    mistakes: ['Forgetting `.owner = THIS_MODULE` in `file_operations` of a character device: rmmod can succeed while a file is still open, and the next call crashes.'],
    versionNotes: 'Defined in `<linux/export.h>` in 6.1; later kernels moved it to `<linux/init.h>`. Meaning unchanged.',
  },
  {
    name: 'KBUILD_MODNAME',
    category: 'module-macro',
    summary: 'String literal with the name of the module the file belongs to, defined by kbuild on the compiler command line.',
    details: paragraphs(
      'For `obj-m += hello.o` it is `"hello"`; dashes in the module name become underscores. Built-in objects get the name they would have as a module.',
      'It is used for the usual `pr_fmt` prefix (`#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt`), for module parameter prefixes on the kernel command line, and by helpers such as `module_usb_serial_driver()`.',
    ),
    mistakes: ['Using it in code not compiled by kbuild (e.g. a user-space test), where it is undefined.'],
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
];

interface DriverHelperRow {
  name: string;
  signature: string;
  header: string;
  /** What is being registered. */
  object: string;
  register: string;
  unregister: string;
  note?: string;
}

const DRIVER_HELPERS: DriverHelperRow[] = [
  {
    name: 'module_platform_driver',
    signature: 'module_platform_driver(drv)',
    header: 'linux/platform_device.h',
    object: 'a `struct platform_driver`',
    register: 'platform_driver_register',
    unregister: 'platform_driver_unregister',
  },
  {
    name: 'module_i2c_driver',
    signature: 'module_i2c_driver(drv)',
    header: 'linux/i2c.h',
    object: 'a `struct i2c_driver`',
    register: 'i2c_add_driver',
    unregister: 'i2c_del_driver',
  },
  {
    name: 'module_pci_driver',
    signature: 'module_pci_driver(drv)',
    header: 'linux/pci.h',
    object: 'a `struct pci_driver`',
    register: 'pci_register_driver',
    unregister: 'pci_unregister_driver',
  },
  {
    name: 'module_spi_driver',
    signature: 'module_spi_driver(drv)',
    header: 'linux/spi/spi.h',
    object: 'a `struct spi_driver`',
    register: 'spi_register_driver',
    unregister: 'spi_unregister_driver',
  },
  {
    name: 'module_usb_driver',
    signature: 'module_usb_driver(drv)',
    header: 'linux/usb.h',
    object: 'a `struct usb_driver`',
    register: 'usb_register',
    unregister: 'usb_deregister',
  },
  {
    name: 'module_hid_driver',
    signature: 'module_hid_driver(drv)',
    header: 'linux/hid.h',
    object: 'a `struct hid_driver`',
    register: 'hid_register_driver',
    unregister: 'hid_unregister_driver',
  },
  {
    name: 'module_serio_driver',
    signature: 'module_serio_driver(drv)',
    header: 'linux/serio.h',
    object: 'a `struct serio_driver`',
    register: 'serio_register_driver',
    unregister: 'serio_unregister_driver',
  },
  {
    name: 'module_amba_driver',
    signature: 'module_amba_driver(drv)',
    header: 'linux/amba/bus.h',
    object: 'a `struct amba_driver`',
    register: 'amba_driver_register',
    unregister: 'amba_driver_unregister',
  },
  {
    name: 'mdio_module_driver',
    signature: 'mdio_module_driver(drv)',
    header: 'linux/mdio.h',
    object: 'a `struct mdio_driver`',
    register: 'mdio_driver_register',
    unregister: 'mdio_driver_unregister',
    note: 'Its generated functions are called `mdio_module_init`/`mdio_module_exit`, so only one per module.',
  },
  {
    name: 'module_phy_driver',
    signature: 'module_phy_driver(drivers)',
    header: 'linux/phy.h',
    object: 'an **array** of `struct phy_driver` (its length is taken with `ARRAY_SIZE()`)',
    register: 'phy_drivers_register',
    unregister: 'phy_drivers_unregister',
    note: 'Pass the array itself, not a pointer, or `ARRAY_SIZE()` fails to compile.',
  },
  {
    name: 'module_usb_serial_driver',
    signature: 'module_usb_serial_driver(serial_drivers, id_table)',
    header: 'linux/usb/serial.h',
    object: 'a NULL-terminated array of `struct usb_serial_driver *` plus the USB id table',
    register: 'usb_serial_register_drivers',
    unregister: 'usb_serial_deregister_drivers',
    note: 'The module name (`KBUILD_MODNAME`) is used as the name of the generated USB driver.',
  },
  {
    name: 'module_virtio_driver',
    signature: 'module_virtio_driver(drv)',
    header: 'linux/virtio.h',
    object: 'a `struct virtio_driver`',
    register: 'register_virtio_driver',
    unregister: 'unregister_virtio_driver',
  },
  {
    name: 'module_sdio_driver',
    signature: 'module_sdio_driver(drv)',
    header: 'linux/mmc/sdio_func.h',
    object: 'a `struct sdio_driver`',
    register: 'sdio_register_driver',
    unregister: 'sdio_unregister_driver',
  },
  {
    name: 'module_auxiliary_driver',
    signature: 'module_auxiliary_driver(drv)',
    header: 'linux/auxiliary_bus.h',
    object: 'a `struct auxiliary_driver`',
    register: 'auxiliary_driver_register',
    unregister: 'auxiliary_driver_unregister',
  },
  {
    name: 'module_pnp_driver',
    signature: 'module_pnp_driver(drv)',
    header: 'linux/pnp.h',
    object: 'a `struct pnp_driver`',
    register: 'pnp_register_driver',
    unregister: 'pnp_unregister_driver',
  },
  {
    name: 'module_serdev_device_driver',
    signature: 'module_serdev_device_driver(drv)',
    header: 'linux/serdev.h',
    object: 'a `struct serdev_device_driver`',
    register: 'serdev_device_driver_register',
    unregister: 'serdev_device_driver_unregister',
  },
  {
    name: 'module_gameport_driver',
    signature: 'module_gameport_driver(drv)',
    header: 'linux/gameport.h',
    object: 'a `struct gameport_driver`',
    register: 'gameport_register_driver',
    unregister: 'gameport_unregister_driver',
  },
  {
    name: 'module_i3c_driver',
    signature: 'module_i3c_driver(drv)',
    header: 'linux/i3c/device.h',
    object: 'a `struct i3c_driver`',
    register: 'i3c_driver_register',
    unregister: 'i3c_driver_unregister',
  },
  {
    name: 'module_spi_mem_driver',
    signature: 'module_spi_mem_driver(drv)',
    header: 'linux/spi/spi-mem.h',
    object: 'a `struct spi_mem_driver`',
    register: 'spi_mem_driver_register',
    unregister: 'spi_mem_driver_unregister',
  },
  {
    name: 'module_rpmsg_driver',
    signature: 'module_rpmsg_driver(drv)',
    header: 'linux/rpmsg.h',
    object: 'a `struct rpmsg_driver`',
    register: 'register_rpmsg_driver',
    unregister: 'unregister_rpmsg_driver',
  },
  {
    name: 'module_misc_device',
    signature: 'module_misc_device(miscdev)',
    header: 'linux/miscdevice.h',
    object: 'a `struct miscdevice` (a device node, not a driver)',
    register: 'misc_register',
    unregister: 'misc_deregister',
    note: 'Set `.fops` with `.owner = THIS_MODULE` in the `file_operations`.',
  },
];

const DRIVER_HELPER_MISTAKES = [
  'Marking the probe callback `__init`: devices can bind after init (hot-plug, deferred probe, manual bind through sysfs). modpost reports the driver struct → `.init.text` reference.',
  'Marking `.remove` `__exit` and using `__exit_p()`: unbinding a built-in device then skips cleanup, and 6.12+ modpost warns about the reference to `.exit.text`.',
  'Using the helper and also writing `module_init()`/`module_exit()` in the same module.',
  'Forgetting `MODULE_DEVICE_TABLE()` for the id/of_match table: the driver works when loaded by hand but is not auto-loaded.',
];

function driverHelpers(): MacroDoc[] {
  return DRIVER_HELPERS.map((row) => ({
    name: row.name,
    category: 'module-macro' as const,
    signature: row.signature,
    summary: `Replaces the module_init/module_exit boilerplate for ${row.object}: registers it with \`${row.register}()\` on load and calls \`${row.unregister}()\` on unload.`,
    builtinVsModule: 'Module: registered at load, unregistered at rmmod. Built-in: registered at device initcall level; the generated exit function is dropped.',
    details: paragraphs(
      `Declared in \`<${row.header}>\`. It generates a \`static int __init\` function that calls \`${row.register}()\` and a \`static void __exit\` function that calls \`${row.unregister}()\`, and passes them to \`module_init()\` and \`module_exit()\`. Use it once per module, when the module does nothing else at load time.`,
      ...(row.note ? [row.note] : []),
    ),
    mistakes: DRIVER_HELPER_MISTAKES,
    versionNotes:
      row.name === 'module_platform_driver'
        ? 'Macro unchanged 6.1–7.x. The platform `.remove` callback returned `int` in 6.1 and returns `void` from about 6.11 (the transitional `.remove_new` field existed in between).'
        : 'Unchanged from 6.1 to 7.x.',
  }));
}

const PLATFORM_EXTRA: MacroDoc[] = [
  {
    name: 'builtin_platform_driver',
    category: 'module-macro',
    signature: 'builtin_platform_driver(drv)',
    summary: 'Registers a platform driver from built-in-only code via `device_initcall()`; there is no unregister path.',
    section: '.initcall6.init',
    builtinVsModule: 'For drivers that can only be built in (`bool` Kconfig). The driver can never be unregistered.',
    details: paragraphs(
      'Expands to `builtin_driver(drv, platform_driver_register)`: an `__init` function that registers the driver, run at device initcall level (pointer in `.initcall6.init`).',
      'Because there is no remove path, such drivers usually set `.suppress_bind_attrs = true` so that nobody can unbind the device through sysfs.',
    ),
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: 'module_platform_driver_probe',
    category: 'module-macro',
    signature: 'module_platform_driver_probe(drv, probe)',
    summary: 'Registers a platform driver with `platform_driver_probe()`, which binds only devices that already exist and allows the probe function to be `__init`.',
    builtinVsModule: 'Module: probes once at load, unregisters at rmmod. Built-in: probes once at boot.',
    details: paragraphs(
      'The generated init function calls `platform_driver_probe(&drv, probe)`: the probe pointer is handed over from `__init` code instead of being stored in the driver struct, so `probe` may be `__init` without a section mismatch.',
      'The price: devices registered later are never bound, and deferred probing (`-EPROBE_DEFER`) is not possible.',
    ),
    mistakes: ['Using it for hot-pluggable devices or for drivers whose resources may not be ready yet (no deferred probe).'],
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: 'builtin_platform_driver_probe',
    category: 'module-macro',
    signature: 'builtin_platform_driver_probe(drv, probe)',
    summary: 'Built-in-only form of `module_platform_driver_probe()`: probes existing devices once at device initcall level.',
    section: '.initcall6.init',
    details: paragraphs('Generates an `__init` function calling `platform_driver_probe()` and registers it with `device_initcall()` (`.initcall6.init`). No unregister path.'),
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: 'builtin_pci_driver',
    category: 'module-macro',
    signature: 'builtin_pci_driver(drv)',
    summary: 'Registers a PCI driver from built-in-only code via `device_initcall()`; no unregister path.',
    section: '.initcall6.init',
    details: paragraphs('Expands to `builtin_driver(drv, pci_register_driver)`; the register function runs at device initcall level (`.initcall6.init`).'),
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
];

// ---------------------------------------------------------------------------------------------
// MODULE_* information macros
// ---------------------------------------------------------------------------------------------

const MODINFO_PLACEMENT =
  'The string is stored as `tag=value` in the `.modinfo` section of the `.ko`; `modinfo <module>` prints it. For built-in code the same strings are collected into `modules.builtin.modinfo`.';

const GPL_COMPATIBLE_LICENSES = ['GPL', 'GPL v2', 'GPL and additional rights', 'Dual BSD/GPL', 'Dual MIT/GPL', 'Dual MPL/GPL'];

const MODULE_INFO_DOCS: MacroDoc[] = [
  {
    name: 'MODULE_LICENSE',
    category: 'module-info',
    signature: 'MODULE_LICENSE("GPL")',
    summary: 'Declares the module licence; decides whether the module may use GPL-only exports and whether loading it taints the kernel.',
    section: '.modinfo',
    builtinVsModule:
      'Module: checked by modpost and by the loader. Built-in: only recorded (it also emits the `file=` entry used to generate `modules.builtin`); no taint.',
    details: paragraphs(
      'Accepted strings: ' +
        GPL_COMPATIBLE_LICENSES.map((s) => `\`"${s}"\``).join(', ') +
        ' — these six count as GPL-compatible — and `"Proprietary"`, which does not. `"GPL"` and `"GPL v2"` mean the same thing here; the string says nothing about "only" vs. "or later" (the SPDX line of the file does).',
      'A module with any other string (including `"Proprietary"` or a typo) is treated as non-free: loading it prints `<mod>: module license \'<string>\' taints kernel.`, sets taint flag **P** (proprietary module) and disables lock debugging, and the module cannot use symbols exported with `EXPORT_SYMBOL_GPL()`.',
      'Without MODULE_LICENSE() modpost stops the build: `ERROR: modpost: missing MODULE_LICENSE() in <file>.o`. ' + MODINFO_PLACEMENT,
    ),
    mistakes: [
      'Leaving it out (build error since 5.11).',
      'Writing `"GPLv2"`, `"GPL-2.0"` or `"MIT"`: not in the list, so the module is treated as proprietary and GPL-only symbols fail with `GPL-incompatible module <name>.ko uses GPL-only symbol \'<sym>\'`.',
    ],
    versionNotes:
      'Missing licence: WARNING up to 5.10, ERROR from 5.11 (so in all of 6.1–7.x). The GPL-only check is an ERROR from 5.11 (FATAL before). Licence list unchanged 6.1–7.x.',
  },
  {
    name: 'MODULE_AUTHOR',
    category: 'module-info',
    signature: 'MODULE_AUTHOR("Name <email>")',
    summary: 'Records an author of the module in `.modinfo` (informational only).',
    section: '.modinfo',
    details: paragraphs(
      'Use `"Name <email>"` or just a name; write one MODULE_AUTHOR() line per author. ' + MODINFO_PLACEMENT,
    ),
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: 'MODULE_DESCRIPTION',
    category: 'module-info',
    signature: 'MODULE_DESCRIPTION("what it does")',
    summary: 'Records a one-line description of the module in `.modinfo`; modpost warns when it is missing.',
    section: '.modinfo',
    details: paragraphs(
      'Shown by `modinfo` and used by packaging tools. ' + MODINFO_PLACEMENT,
      'Without it modpost prints `WARNING: modpost: missing MODULE_DESCRIPTION() in <file>.o`.',
    ),
    mistakes: ['Leaving it out: a warning on current kernels.'],
    versionNotes:
      'The missing-description warning appeared in 6.5 and is shown only with `W=1` in 6.5–6.12 (also in 6.6.y); newer kernels (the 6.17-era tree and 7.1) print it unconditionally (exact switch-over release unverified). 6.1 does not check.',
  },
  {
    name: 'MODULE_VERSION',
    category: 'module-info',
    signature: 'MODULE_VERSION("1.0")',
    summary: 'Records a version string for the module in `.modinfo` (and in sysfs for built-in code).',
    section: '.modinfo (plus __modver for built-in code with sysfs)',
    builtinVsModule:
      'Module: stored as `version=` in `.modinfo` and shown in `/sys/module/<name>/version`. Built-in with CONFIG_SYSFS: additionally creates an entry in the `__modver` section so the same sysfs file exists.',
    details: paragraphs(
      'Format `[<epoch>:]<version>[-<extra>]`. Modules that declare a version also get a `srcversion` checksum of their sources from modpost. ' + MODINFO_PLACEMENT,
      'In built-in code with sysfs the macro also emits an attribute in the `__modver` section, so `/sys/module/<name>/version` exists there too.',
      'In-tree drivers are discouraged from using it: the kernel release already identifies the code.',
    ),
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: 'MODULE_ALIAS',
    category: 'module-info',
    signature: 'MODULE_ALIAS("alias")',
    summary: 'Adds another name under which modprobe can find and load the module.',
    section: '.modinfo',
    details: paragraphs(
      'depmod copies all aliases into `modules.alias`; a request for that name (e.g. `platform:foo`, `char-major-10-123`, `fs-foo`) then loads this module. Wildcards are allowed. ' + MODINFO_PLACEMENT,
      'Device-id based aliases are normally generated from `MODULE_DEVICE_TABLE()` instead of written by hand.',
    ),
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: 'MODULE_DEVICE_TABLE',
    category: 'module-info',
    signature: 'MODULE_DEVICE_TABLE(type, table)',
    summary: 'Exports a device id table so modpost turns it into aliases and udev can auto-load the module when matching hardware appears.',
    builtinVsModule: 'Module: generates aliases in the `.mod.c` file. Built-in: in 6.1 it expands to nothing (no autoloading is needed).',
    details: paragraphs(
      '`type` names the bus: `pci`, `usb`, `of`, `acpi`, `i2c`, `spi`, `platform`, `hid`, … and `table` is the id array the driver matches with. The macro creates a hidden alias symbol for the table; modpost (file2alias) reads the table from the object file and writes one `MODULE_ALIAS()` per entry into the generated `<name>.mod.c`.',
      'The table must end with an empty sentinel entry `{ }`.',
    ),
    mistakes: [
      'Forgetting it: the driver binds when loaded by hand but is never loaded automatically.',
      'Wrong `type` for the table (e.g. `of` with a `struct platform_device_id` table).',
      'Missing `{ }` terminator: modpost or the match code runs off the end.',
    ],
    versionNotes:
      'Same usage in 6.1–7.x. Around 2025 the hidden symbol was renamed to include the module name and work began on recording aliases for built-in modules too (exact releases unverified).',
  },
  {
    name: 'MODULE_FIRMWARE',
    category: 'module-info',
    signature: 'MODULE_FIRMWARE("vendor/file.bin")',
    summary: 'Records the name of a firmware file the module may request, so initramfs and packaging tools can include it.',
    section: '.modinfo',
    details: paragraphs(
      'Purely informational: it does not load anything (the driver still calls `request_firmware()`). Write one line per file. ' + MODINFO_PLACEMENT,
    ),
    mistakes: ['Expecting it to load the firmware.'],
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: 'MODULE_IMPORT_NS',
    category: 'module-info',
    signature: 'MODULE_IMPORT_NS("NS")',
    summary: 'Declares that the module uses symbols exported into symbol namespace `NS`.',
    section: '.modinfo',
    details: paragraphs(
      'Stored as `import_ns=NS`. Using a symbol from a namespace without importing it makes modpost fail (`module <m> uses symbol <sym> from namespace <NS>, but does not import it.`) and the loader refuse the module, unless CONFIG_MODULE_ALLOW_MISSING_NAMESPACE_IMPORTS is set. `make nsdeps` can add the missing lines.',
      MODINFO_PLACEMENT,
    ),
    mistakes: ['Using the wrong spelling for the kernel version (identifier vs. string literal, see version notes).'],
    versionNotes:
      '6.1–6.12: the namespace is a bare identifier, `MODULE_IMPORT_NS(CXL)`. 6.13 and later: a string literal, `MODULE_IMPORT_NS("CXL")`. Namespaces of the form `"module:..."` (used by EXPORT_SYMBOL_FOR_MODULES) must not be imported explicitly.',
  },
  {
    name: 'MODULE_SOFTDEP',
    category: 'module-info',
    signature: 'MODULE_SOFTDEP("pre: mod1 post: mod2")',
    summary: 'Tells modprobe to load other modules before (`pre:`) or after (`post:`) this one, without a symbol dependency.',
    section: '.modinfo',
    details: paragraphs(
      'Useful when a module needs another one at run time (e.g. a crypto implementation) but does not call its symbols. The kernel itself ignores it; only modprobe acts on it. ' + MODINFO_PLACEMENT,
    ),
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: 'MODULE_INFO',
    category: 'module-info',
    signature: 'MODULE_INFO(tag, "value")',
    summary: 'Generic form behind all MODULE_* info macros: stores `tag=value` in `.modinfo`.',
    section: '.modinfo',
    details: paragraphs(
      'MODULE_LICENSE, MODULE_AUTHOR, MODULE_DESCRIPTION, MODULE_ALIAS, MODULE_FIRMWARE, MODULE_SOFTDEP and MODULE_IMPORT_NS all expand to it. Some tags are added automatically by modpost (e.g. `intree`, `vermagic`, `srcversion`). ' + MODINFO_PLACEMENT,
    ),
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
];

// ---------------------------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------------------------

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

const PARAM_DOCS: MacroDoc[] = [
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
    mistakes: [...PARAM_MISTAKES, 'Passing an `int *` instead of an `unsigned int *` for `nump` (type check error), or reading elements beyond `*nump`.'],
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
    details: paragraphs('Same lockdown behaviour as `module_param_hw()`; `hwtype` is one of `ioport`, `iomem`, `ioport_or_iomem`, `irq`, `dma`, `dma_addr`, `other`.', PARAM_PERM_TEXT),
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
      '`fn` has the signature `int fn(char *arg)` and, unlike `__setup()`, returns 0 on success and non-zero on error (the kernel then logs `Malformed early option \'<option>\'`). It runs from `parse_early_param()` during early architecture setup, so it may only do very simple work such as storing a value.',
      'Entries live in `.init.setup` with the early flag set; the string is in `.init.rodata`.',
    ),
    mistakes: ['Returning 1 for success (that is the `__setup()` convention).', 'Allocating memory or using other subsystems from the handler: they are not initialised yet.'],
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
];

// ---------------------------------------------------------------------------------------------
// Exports
// ---------------------------------------------------------------------------------------------

const EXPORT_MECHANISM =
  '6.1–6.4: the macro emits a `__ksymtab_<sym>` entry in a per-symbol `___ksymtab+<sym>` (or `___ksymtab_gpl+<sym>`) section. 6.5 and later: it only records the symbol, licence and namespace in a `.export_symbol` section; modpost then generates the real export table in the `.mod.c` file (or `vmlinux.export.c`).';

const EXPORT_INIT_NOTE =
  'Exporting an `__init` or `__exit` function makes modpost warn: 6.0–6.4 print `EXPORT_SYMBOL used for init/exit symbol: <sym> (section: <sec>)` and count it as a section mismatch; 6.5+ print `<sym>: EXPORT_SYMBOL used for init symbol. Remove __init or EXPORT_SYMBOL.` and no longer count it.';

const EXPORT_MISTAKES = [
  'Exporting an `__init` or `__exit` function (see above).',
  'Exporting the same symbol from two modules: modpost stops with `\'<sym>\' exported twice`.',
  'Placing the macro far from the definition or in a header; put it right after the function or variable definition.',
];

const EXPORT_DOCS: MacroDoc[] = [
  {
    name: 'EXPORT_SYMBOL',
    category: 'export',
    signature: 'EXPORT_SYMBOL(sym)',
    summary: 'Makes a global function or variable available to loadable modules of any licence.',
    builtinVsModule: 'From vmlinux: every module can link against it. From a module: other modules can use it once this one is loaded (modprobe loads it first via the dependency in modules.dep).',
    details: paragraphs(
      'Without an export, a module that calls the symbol fails at modpost (`"<sym>" [<mod>.ko] undefined!`) and at load time (`Unknown symbol`). With CONFIG_MODVERSIONS a CRC of the symbol\'s type is recorded in `Module.symvers`.',
      EXPORT_MECHANISM,
      EXPORT_INIT_NOTE,
      'Many subsystems expect new exports to be `EXPORT_SYMBOL_GPL()`.',
    ),
    mistakes: EXPORT_MISTAKES,
    versionNotes: 'Emission changed in 6.5 (see details); usage unchanged 6.1–7.x.',
  },
  {
    name: 'EXPORT_SYMBOL_GPL',
    category: 'export',
    signature: 'EXPORT_SYMBOL_GPL(sym)',
    summary: 'Makes a symbol available only to modules whose MODULE_LICENSE() is GPL-compatible.',
    builtinVsModule: 'Same as EXPORT_SYMBOL(), plus the licence check for the user.',
    details: paragraphs(
      `A module whose licence is not one of ${GPL_COMPATIBLE_LICENSES.map((s) => `"${s}"`).join(', ')} cannot use it: modpost stops with \`GPL-incompatible module <name>.ko uses GPL-only symbol '<sym>'\` and the loader refuses to resolve it.`,
      EXPORT_MECHANISM,
      EXPORT_INIT_NOTE,
    ),
    mistakes: [...EXPORT_MISTAKES, 'Wrapping a GPL-only symbol in a plain EXPORT_SYMBOL() function to get around the restriction.'],
    versionNotes: 'The GPL-only violation is an ERROR from 5.11 (FATAL before). Emission changed in 6.5.',
  },
  {
    name: 'EXPORT_SYMBOL_NS',
    category: 'export',
    signature: 'EXPORT_SYMBOL_NS(sym, "NS")',
    summary: 'Exports a symbol into the symbol namespace `NS`; users must declare MODULE_IMPORT_NS(NS).',
    details: paragraphs(
      'Namespaces partition the exported API. A module that uses the symbol without `MODULE_IMPORT_NS()` fails at modpost (`module <m> uses symbol <sym> from namespace <NS>, but does not import it.`) and at load time, unless CONFIG_MODULE_ALLOW_MISSING_NAMESPACE_IMPORTS is set.',
      'A whole file or directory can be put into a namespace with `DEFAULT_SYMBOL_NAMESPACE`.',
      EXPORT_MECHANISM,
    ),
    mistakes: [...EXPORT_MISTAKES, 'Using the identifier form on 6.13+ or the string form on 6.1–6.12.'],
    versionNotes: '6.1–6.12: `EXPORT_SYMBOL_NS(sym, NS)` with a bare identifier. 6.13+: a string literal, `EXPORT_SYMBOL_NS(sym, "NS")`.',
  },
  {
    name: 'EXPORT_SYMBOL_NS_GPL',
    category: 'export',
    signature: 'EXPORT_SYMBOL_NS_GPL(sym, "NS")',
    summary: 'GPL-only export into the symbol namespace `NS`.',
    details: paragraphs(
      'Combines the licence restriction of `EXPORT_SYMBOL_GPL()` with the namespace requirement of `EXPORT_SYMBOL_NS()`: the user needs a GPL-compatible MODULE_LICENSE() **and** `MODULE_IMPORT_NS()`.',
      EXPORT_MECHANISM,
    ),
    mistakes: EXPORT_MISTAKES,
    versionNotes: '6.1–6.12: bare identifier namespace. 6.13+: string literal.',
  },
  {
    name: 'EXPORT_SYMBOL_FOR_MODULES',
    category: 'export',
    signature: 'EXPORT_SYMBOL_FOR_MODULES(sym, "mod1,mod2")',
    aliases: ['EXPORT_SYMBOL_GPL_FOR_MODULES'],
    summary: 'GPL-only export that only the listed modules may use.',
    details: paragraphs(
      'Implemented as an export into the special namespace `"module:<list>"`. The list is comma-separated module names; a trailing `*` acts as a prefix wildcard, and `-`/`_` are treated alike. Listed modules get access without any import; other modules cannot use the symbol, and importing a `module:` namespace explicitly is rejected.',
      EXPORT_MECHANISM,
    ),
    mistakes: ['Using it on kernels older than 6.16, where it does not exist.'],
    versionNotes:
      'Added as EXPORT_SYMBOL_GPL_FOR_MODULES in the 6.16 cycle (2025) and renamed to EXPORT_SYMBOL_FOR_MODULES shortly afterwards (mid-2025; exact release unverified). Not available in 6.1–6.12.',
  },
  {
    name: 'DEFAULT_SYMBOL_NAMESPACE',
    category: 'export',
    summary: 'When defined, plain EXPORT_SYMBOL()/EXPORT_SYMBOL_GPL() in that file export into this namespace.',
    details: paragraphs(
      'Define it before including `<linux/export.h>` or, for a whole directory, in the Makefile (`ccflags-y += -DDEFAULT_SYMBOL_NAMESPACE=...`). Users then need `MODULE_IMPORT_NS()`.',
    ),
    mistakes: ['Defining it after `<linux/export.h>` was included: the export macros were already set up without it, so it has no effect.'],
    versionNotes: '6.1–6.12: the value is an identifier (`-DDEFAULT_SYMBOL_NAMESPACE=FOO`). 6.13+: a string literal (`-DDEFAULT_SYMBOL_NAMESPACE=\'"FOO"\'`).',
  },
];

// ---------------------------------------------------------------------------------------------
// printk and friends
// ---------------------------------------------------------------------------------------------

interface LevelRow {
  level: 'EMERG' | 'ALERT' | 'CRIT' | 'ERR' | 'WARNING' | 'NOTICE' | 'INFO' | 'DEBUG';
  number: number;
  meaning: string;
  /** pr_* / dev_* suffix for this level. */
  suffix: string;
  /** dev_* suffix (dev_dbg for DEBUG). */
  devSuffix: string;
}

const LEVELS: LevelRow[] = [
  { level: 'EMERG', number: 0, meaning: 'the system is unusable', suffix: 'emerg', devSuffix: 'emerg' },
  { level: 'ALERT', number: 1, meaning: 'action must be taken immediately', suffix: 'alert', devSuffix: 'alert' },
  { level: 'CRIT', number: 2, meaning: 'critical condition', suffix: 'crit', devSuffix: 'crit' },
  { level: 'ERR', number: 3, meaning: 'error condition', suffix: 'err', devSuffix: 'err' },
  { level: 'WARNING', number: 4, meaning: 'warning condition', suffix: 'warn', devSuffix: 'warn' },
  { level: 'NOTICE', number: 5, meaning: 'normal but significant condition', suffix: 'notice', devSuffix: 'notice' },
  { level: 'INFO', number: 6, meaning: 'informational message', suffix: 'info', devSuffix: 'info' },
  { level: 'DEBUG', number: 7, meaning: 'debug-level message', suffix: 'debug', devSuffix: 'dbg' },
];

const CONSOLE_TEXT =
  'All messages go to the kernel log buffer (`dmesg`, `journalctl -k`). Only messages whose level number is lower than the console log level reach the console; the usual default console level is 7, so level 7 (debug) is not shown there, and the `quiet` boot option lowers it to 4.';

const DYNAMIC_DEBUG_TEXT = paragraphs(
  'Which code is generated depends on the build: (1) if `DEBUG` is defined for the file (`#define DEBUG` before the includes, or `ccflags-y += -DDEBUG`), the message is always compiled in and printed at KERN_DEBUG; (2) otherwise, with CONFIG_DYNAMIC_DEBUG (or CONFIG_DYNAMIC_DEBUG_CORE plus `-DDYNAMIC_DEBUG_MODULE`), each call site is compiled in but **off** until enabled at run time; (3) otherwise it compiles to nothing, while the arguments are still type-checked.',
  '**Dynamic debug**: enable call sites with `echo \'module mymod +p\' > /proc/dynamic_debug/control` (or `<debugfs>/dynamic_debug/control`), per file/function/line too (`file foo.c line 42 +p`). Flags: `p` print, `f` function name, `l` line number, `m` module name, `t` thread id. At load time: `modprobe mymod dyndbg=+p`; at boot: `dyndbg="module mymod +p"` or `mymod.dyndbg=+p`. `cat /proc/dynamic_debug/control` lists every site and its state.',
  'Even when enabled, the message has level 7 and is therefore usually only visible in `dmesg`, not on the console.',
);

function kernLevels(): MacroDoc[] {
  const docs: MacroDoc[] = LEVELS.map((row) => ({
    name: `KERN_${row.level}`,
    category: 'printk' as const,
    summary: `Log level ${row.number} (${row.meaning}): prefix for printk() format strings.`,
    details: paragraphs(
      `Expands to the string \`"\\001${row.number}"\` (the start-of-header byte followed by the digit ${row.number}). It is concatenated with the format string, **without a comma**: \`printk(KERN_${row.level} "text\\n");\`. The \`pr_${row.suffix}()\` helper does the same with \`pr_fmt\` applied.`,
      CONSOLE_TEXT,
    ),
    mistakes: [
      `Writing a comma after it: \`printk(KERN_${row.level}, "...")\` passes the level as the format string.`,
      'Forgetting the trailing `\\n`.',
    ],
    versionNotes: `Level number ${row.number} unchanged from 6.1 to 7.x (the integer form is LOGLEVEL_${row.level}).`,
  }));
  docs.push(
    {
      name: 'KERN_DEFAULT',
      category: 'printk',
      summary: 'Explicitly requests the default log level (an empty string in current kernels).',
      details: paragraphs(
        'Messages with no level, or with KERN_DEFAULT, get the default message level set by CONFIG_MESSAGE_LOGLEVEL_DEFAULT (normally 4, warning). Prefer an explicit level or a `pr_*()` helper.',
        CONSOLE_TEXT,
      ),
      versionNotes: 'An empty string `""` in 6.1–7.x.',
    },
    {
      name: 'KERN_CONT',
      category: 'printk',
      summary: 'Marks a printk() that continues the previous line instead of starting a new record.',
      details: paragraphs(
        'Expands to `"\\001c"`. Every printk without KERN_CONT starts a new line, so building one line from several calls needs KERN_CONT (or `pr_cont()`) on every continuation piece, and the previous piece must not end in `\\n`.',
        'Continuations are not atomic: messages from other CPUs can land in between. Prefer building the whole line in a buffer and printing once.',
      ),
      mistakes: ['Relying on continuation lines in code that runs concurrently on several CPUs.'],
      versionNotes: 'Unchanged from 6.1 to 7.x.',
    },
    {
      name: 'KERN_SOH',
      category: 'printk',
      summary: 'The "start of header" byte `"\\001"` that begins every KERN_* level prefix.',
      details: paragraphs('printk() recognises a level by this byte followed by a digit (`0`–`7`) or `c` (continuation). Code rarely uses it directly.'),
      versionNotes: 'Unchanged from 6.1 to 7.x.',
    },
  );
  return docs;
}

const PR_FMT_TEXT =
  'The format string is passed through `pr_fmt(fmt)` first, so a file that defines `#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt` before its includes gets a module-name prefix on every message.';

function prLevelDocs(): MacroDoc[] {
  return LEVELS.map((row) => {
    const name = `pr_${row.suffix}`;
    const isDebug = row.level === 'DEBUG';
    const doc: MacroDoc = {
      name,
      category: 'printk',
      signature: `${name}(fmt, ...)`,
      summary: isDebug
        ? 'Prints a debug message (level 7) — compiled in only with DEBUG or controlled at run time by dynamic debug.'
        : `Prints a message at log level ${row.number} (KERN_${row.level}, ${row.meaning}) with \`pr_fmt\` applied.`,
      details: isDebug
        ? paragraphs(PR_FMT_TEXT, DYNAMIC_DEBUG_TEXT)
        : paragraphs(
            `Shorthand for \`printk(KERN_${row.level} pr_fmt(fmt), ...)\`. ${PR_FMT_TEXT}`,
            CONSOLE_TEXT,
            'When a `struct device` is at hand, prefer `dev_' + row.devSuffix + '()`, which also names the device.',
          ),
      mistakes: isDebug
        ? [
            'Expecting output without enabling it: with dynamic debug the site is off by default, without it and without DEBUG the call is compiled out.',
            'Defining DEBUG after the includes: the macros were already chosen.',
            'Looking for the output on the console instead of in `dmesg` (level 7 is below the default console level).',
          ]
        : ['Forgetting the trailing `\\n`.', 'Defining `pr_fmt` after the `#include` lines (redefinition warning; earlier uses are unaffected).'],
      versionNotes: isDebug
        ? 'Unchanged in principle from 6.1 to 7.x; `/proc/dynamic_debug/control` exists in both.'
        : row.level === 'WARNING'
          ? 'The old spelling `pr_warning()` was removed around v5.5; use `pr_warn()`.'
          : 'Unchanged from 6.1 to 7.x.',
    };
    return doc;
  });
}

interface PrintVariantRow {
  name: string;
  level: string;
  kind: 'once' | 'ratelimited';
}

function prVariantRows(): PrintVariantRow[] {
  const once = ['emerg', 'alert', 'crit', 'err', 'warn', 'notice', 'info', 'debug'];
  const limited = ['emerg', 'alert', 'crit', 'err', 'warn', 'notice', 'info', 'debug'];
  return [
    ...once.map((level) => ({ name: `pr_${level}_once`, level, kind: 'once' as const })),
    ...limited.map((level) => ({ name: `pr_${level}_ratelimited`, level, kind: 'ratelimited' as const })),
  ];
}

function printVariantDocs(prefix: 'pr' | 'dev', rows: PrintVariantRow[]): MacroDoc[] {
  return rows.map((row) => {
    const base = `${prefix}_${row.level}`;
    const signature = prefix === 'pr' ? `${row.name}(fmt, ...)` : `${row.name}(dev, fmt, ...)`;
    const isDebug = row.level === 'debug' || row.level === 'dbg';
    const what =
      row.kind === 'once'
        ? `Like \`${base}()\`, but prints only the first time this call site is reached (a static flag per call site).`
        : `Like \`${base}()\`, but drops messages when this call site prints too often (by default more than 10 messages in 5 seconds), then reports how many were suppressed.`;
    return {
      name: row.name,
      category: 'printk' as const,
      signature,
      summary: what,
      details: paragraphs(
        row.kind === 'once'
          ? 'The flag is a hidden static variable per call site. Reloading a module gives it a fresh flag, so the message can appear once per load.'
          : 'Use it for messages that can be triggered from user space or by hardware at high rates, so that the log cannot be flooded.',
        isDebug ? 'Debug variants follow the same rules as the base debug macro: compiled in only with DEBUG or dynamic debug.' : CONSOLE_TEXT,
      ),
      versionNotes: 'Unchanged from 6.1 to 7.x.',
    };
  });
}

const PRINTK_MISC: MacroDoc[] = [
  {
    name: 'printk',
    category: 'printk',
    signature: 'printk(KERN_<LEVEL> "fmt", ...)',
    summary: 'Writes a formatted message into the kernel log buffer.',
    details: paragraphs(
      'The first bytes of the format may be a level prefix (KERN_EMERG … KERN_DEBUG, numbers 0–7, or KERN_CONT); without one the message gets the default level (CONFIG_MESSAGE_LOGLEVEL_DEFAULT, normally 4). It supports the usual printf conversions plus kernel extensions such as `%pS` (symbol), `%pe` (error pointer name) and `%*ph` (hex dump). It can be called from almost any context, including interrupts.',
      CONSOLE_TEXT,
      'Modern code prefers the `pr_*()` and `dev_*()` helpers, which add the level and a prefix.',
    ),
    mistakes: [
      'A comma between the level and the format: `printk(KERN_INFO, "...")`.',
      'Forgetting the trailing `\\n`: the message may be held back until the next line arrives.',
      'Printing kernel addresses with `%p` and expecting real values: plain `%p` is hashed.',
    ],
    versionNotes: 'Unchanged in use from 6.1 to 7.x (the console/printing backend was reworked in newer kernels, without changing the API).',
  },
  {
    name: 'pr_cont',
    category: 'printk',
    signature: 'pr_cont(fmt, ...)',
    summary: 'Continues the previous message line (KERN_CONT); `pr_fmt` is not applied.',
    details: paragraphs(
      'Shorthand for `printk(KERN_CONT fmt, ...)`. The previous piece must not have ended with `\\n`. Continuation lines are not atomic on SMP: other messages can interleave.',
    ),
    mistakes: ['Using it in code that runs concurrently; build the line in a buffer instead.'],
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: 'pr_devel',
    category: 'printk',
    signature: 'pr_devel(fmt, ...)',
    summary: 'Debug message (level 7) that exists only when DEBUG is defined; never controlled by dynamic debug.',
    details: paragraphs(
      'With DEBUG defined it prints like `printk(KERN_DEBUG pr_fmt(fmt), ...)`; without DEBUG it compiles to nothing (arguments still type-checked), regardless of CONFIG_DYNAMIC_DEBUG. Use `pr_debug()` if you want run-time control.',
    ),
    mistakes: ['Expecting dynamic debug to enable it.'],
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: 'pr_fmt',
    category: 'printk',
    signature: '#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt',
    summary: 'User-definable macro that rewrites the format string of every `pr_*()` call in the file, typically to add a prefix.',
    details: paragraphs(
      '`<linux/printk.h>` defines it as plain `fmt` only if it is not defined yet. Define your own **before any `#include`**, so that it is in place when the headers are processed.',
      'It applies to all `pr_*()` helpers (including `pr_debug()` and the `_once`/`_ratelimited` forms) but not to a bare `printk()`, and not to `dev_*()` (those use `dev_fmt`).',
    ),
    mistakes: [
      'Defining it after the includes: the compiler warns that `pr_fmt` is redefined.',
      'Forgetting the `fmt` at the end of the definition, which swallows the message.',
    ],
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: 'no_printk',
    category: 'printk',
    signature: 'no_printk(fmt, ...)',
    summary: 'Prints nothing, but lets the compiler check the format string and arguments.',
    details: paragraphs('Used by the debug macros when they are compiled out, so that broken format strings are still caught in every configuration.'),
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: 'printk_once',
    category: 'printk',
    signature: 'printk_once(KERN_<LEVEL> "fmt", ...)',
    summary: 'Like `printk()`, but only the first time this call site is reached.',
    details: paragraphs('Uses a per-call-site static flag. Prefer the `pr_*_once()` forms, which add a level and `pr_fmt`.'),
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: 'printk_ratelimited',
    category: 'printk',
    signature: 'printk_ratelimited(KERN_<LEVEL> "fmt", ...)',
    summary: 'Like `printk()`, but drops messages when this call site prints too often.',
    details: paragraphs('Default limit: 10 messages per 5 seconds per call site. Prefer the `pr_*_ratelimited()` forms.'),
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
];

const DEV_PREFIX_TEXT =
  'The message is prefixed with the driver name and the device name (e.g. `e1000e 0000:00:19.0: ...`), which makes logs from several devices of one driver distinguishable. `dev` is a `struct device *`, typically `&pdev->dev` or `&client->dev`. A file can define `dev_fmt(fmt)` to rewrite the format (pr_fmt is not used).';

function devLevelDocs(): MacroDoc[] {
  return LEVELS.map((row) => {
    const name = `dev_${row.devSuffix}`;
    const isDebug = row.level === 'DEBUG';
    return {
      name,
      category: 'printk' as const,
      signature: `${name}(dev, fmt, ...)`,
      summary: isDebug
        ? 'Device debug message (level 7) — compiled in only with DEBUG or controlled at run time by dynamic debug.'
        : `Prints a device message at log level ${row.number} (KERN_${row.level}, ${row.meaning}), prefixed with driver and device name.`,
      details: isDebug ? paragraphs(DEV_PREFIX_TEXT, DYNAMIC_DEBUG_TEXT) : paragraphs(DEV_PREFIX_TEXT, CONSOLE_TEXT),
      mistakes: [
        'Passing a NULL or not-yet-initialised device: the prefix becomes `(NULL device *)` or empty.',
        'Forgetting the trailing `\\n`.',
        ...(isDebug ? ['Expecting output without DEBUG or without enabling the call site through dynamic debug.'] : []),
      ],
      versionNotes: 'Unchanged from 6.1 to 7.x.',
    };
  });
}

function devVariantRows(): PrintVariantRow[] {
  const levels = ['err', 'warn', 'notice', 'info', 'dbg'];
  return [
    ...levels.map((level) => ({ name: `dev_${level}_once`, level, kind: 'once' as const })),
    ...levels.map((level) => ({ name: `dev_${level}_ratelimited`, level, kind: 'ratelimited' as const })),
  ];
}

const DEV_MISC: MacroDoc[] = [
  {
    name: 'dev_printk',
    category: 'printk',
    signature: 'dev_printk(KERN_<LEVEL>, dev, fmt, ...)',
    summary: 'Device-prefixed printk with an explicit level argument (here the level *is* a separate argument).',
    details: paragraphs(DEV_PREFIX_TEXT, 'Normally you use the level-specific `dev_err()`, `dev_info()`, … instead.'),
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: 'dev_vdbg',
    category: 'printk',
    signature: 'dev_vdbg(dev, fmt, ...)',
    summary: 'Verbose debug message: `dev_dbg()` when VERBOSE_DEBUG is defined, otherwise compiled out.',
    details: paragraphs('For very chatty debug output that should not even be available through dynamic debug unless the file is built with `-DVERBOSE_DEBUG`.'),
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: 'dev_fmt',
    category: 'printk',
    signature: '#define dev_fmt(fmt) "prefix: " fmt',
    summary: 'User-definable macro that rewrites the format string of `dev_*()` calls in the file (the device counterpart of pr_fmt).',
    details: paragraphs('Defaults to plain `fmt`. Define it before the includes. `dev_dbg()` uses it too.'),
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: 'dev_err_probe',
    category: 'printk',
    signature: 'dev_err_probe(dev, err, fmt, ...)',
    summary: 'Reports a probe failure and returns `err`; stays quiet for `-EPROBE_DEFER` and records the deferral reason instead.',
    details: paragraphs(
      'Meant for probe error paths: `return dev_err_probe(dev, PTR_ERR(clk), "failed to get clock\\n");`. For `-EPROBE_DEFER` it only logs at debug level and stores the message as the deferral reason, visible in `/sys/kernel/debug/devices_deferred`; for other errors it prints like `dev_err()` with the error code in front of the message (e.g. `error -ENODEV: ...`).',
      'The return value is `err`, so it fits into a `return` statement.',
    ),
    mistakes: [
      'Using it outside probe paths, where `-EPROBE_DEFER` has no meaning.',
      'Calling it when `err` is 0.',
    ],
    versionNotes:
      'Available since 5.9, so in all of 6.1–7.x. From about 6.11 it prints nothing for `-ENOMEM` (allocation failures already log). Newer kernels also offer `dev_warn_probe()` and helpers that return an ERR_PTR.',
  },
  {
    name: 'dev_warn_probe',
    category: 'printk',
    signature: 'dev_warn_probe(dev, err, fmt, ...)',
    summary: 'Like `dev_err_probe()`, but reports non-deferral errors at warning level.',
    details: paragraphs('Same `-EPROBE_DEFER` handling as `dev_err_probe()`; returns `err`.'),
    mistakes: ['Using it on 6.1–6.10 kernels, where it does not exist (unless backported by the distribution).'],
    versionNotes: 'Added in the 6.11/6.12 time frame (exact release unverified; also backported to some stable trees). Not in 6.1.0.',
  },
];

// ---------------------------------------------------------------------------------------------
// sparse annotations
// ---------------------------------------------------------------------------------------------

const SPARSE_TEXT =
  'Checked by the sparse static analyser (`make C=1` for files being recompiled, `make C=2` for all). For gcc it is empty or only a BTF type tag, so mistakes compile silently.';

const SPARSE_DOCS: MacroDoc[] = [
  {
    name: '__user',
    category: 'sparse',
    summary: 'Marks a pointer to user-space memory that must not be dereferenced directly.',
    details: paragraphs(
      'Data behind a `__user` pointer must be accessed with `copy_from_user()`, `copy_to_user()`, `get_user()`, `put_user()` or `strncpy_from_user()`, which validate the address and handle faults. Typical places: ioctl arguments and the `buf` of `read`/`write` file operations.',
      SPARSE_TEXT,
    ),
    mistakes: [
      'Dereferencing it or using `memcpy()`/`strcpy()` on it.',
      'Ignoring the return value of `copy_*_user()`: it returns the number of bytes **not** copied; non-zero should become `-EFAULT`.',
      'Casting the annotation away without `__force`.',
    ],
    versionNotes: 'Unchanged in meaning from 6.1 to 7.x; with BTF debug info it also becomes a `btf_type_tag`.',
  },
  {
    name: '__iomem',
    category: 'sparse',
    summary: 'Marks a pointer to memory-mapped device I/O, which must be accessed with I/O accessors.',
    details: paragraphs(
      'Such pointers come from `ioremap()`, `devm_ioremap_resource()`, `devm_platform_ioremap_resource()`, `pci_iomap()`… Access them with `readl()`/`writel()`, `ioread32()`/`iowrite32()`, `memcpy_fromio()` etc., which guarantee the right access width and ordering.',
      SPARSE_TEXT,
    ),
    mistakes: ['Dereferencing it directly or passing it to `memset()`/`memcpy()`.'],
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: '__rcu',
    category: 'sparse',
    summary: 'Marks a pointer that is protected by RCU and must be read and written through the RCU accessors.',
    details: paragraphs(
      'Readers use `rcu_dereference()` inside `rcu_read_lock()`/`rcu_read_unlock()`; updaters publish with `rcu_assign_pointer()` and read with `rcu_dereference_protected()` while holding the update-side lock; `rcu_access_pointer()` only compares the value.',
      SPARSE_TEXT,
    ),
    mistakes: ['Plain loads/stores of the pointer, which skip the required memory ordering.', 'Freeing the old object without waiting for a grace period (`synchronize_rcu()`/`kfree_rcu()`).'],
    versionNotes: 'Unchanged in meaning from 6.1 to 7.x; newer kernels also attach a BTF type tag in non-sparse builds.',
  },
  {
    name: '__percpu',
    category: 'sparse',
    summary: 'Marks a pointer to per-CPU data, which must be converted with the per-CPU accessors before use.',
    details: paragraphs(
      'Such pointers come from `alloc_percpu()` or refer to `DEFINE_PER_CPU` variables. Use `per_cpu_ptr(p, cpu)`, `this_cpu_ptr(p)`, `this_cpu_read()`/`this_cpu_write()`/`this_cpu_inc()`, or `get_cpu_ptr()`/`put_cpu_ptr()`.',
      SPARSE_TEXT,
    ),
    mistakes: ['Dereferencing the per-CPU pointer itself.', 'Using `this_cpu_ptr()` while preemptible and then sleeping or migrating.'],
    versionNotes:
      '6.1: sparse address space plus a BTF tag. Newer kernels (about 6.15+) can additionally map it to a real compiler named address space on x86, so some misuse then fails to compile even without sparse (exact release unverified).',
  },
  {
    name: '__force',
    category: 'sparse',
    summary: 'Used in a cast to tell sparse that a conversion between address spaces or bitwise types is intentional.',
    details: paragraphs(
      'Example: `(__force u32)cpu_to_le32(x)` or `(void __force *)user_ptr` in low-level code. It silences the check, so keep it to the few places that really convert.',
      SPARSE_TEXT,
    ),
    mistakes: ['Sprinkling it to silence warnings instead of using the proper accessor.'],
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: '__bitwise',
    category: 'sparse',
    summary: 'Makes a typedef a distinct "restricted" integer type for sparse, e.g. for endianness or flag types.',
    details: paragraphs(
      'Types such as `__le32`, `__be16`, `gfp_t` and `blk_opf_t` are declared `__bitwise`, so sparse warns when they are mixed with plain integers or with each other. Convert with `cpu_to_le32()`, `be16_to_cpu()` and friends.',
      SPARSE_TEXT,
    ),
    mistakes: ['Doing arithmetic on `__le32`/`__be32` values without converting them first.'],
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: '__acquires',
    category: 'sparse',
    signature: '__acquires(lock)',
    summary: 'Documents (for sparse) that a function returns with `lock` held that it did not hold on entry.',
    details: paragraphs('Used on lock wrapper functions so that sparse\'s context checking does not report an imbalance.', SPARSE_TEXT),
    versionNotes: 'Meaning unchanged from 6.1 to 7.x; very recent kernels may also feed it to compiler-based lock analysis (unverified).',
  },
  {
    name: '__releases',
    category: 'sparse',
    signature: '__releases(lock)',
    summary: 'Documents (for sparse) that a function is entered with `lock` held and returns with it released.',
    details: paragraphs('The counterpart of `__acquires()` for unlock wrappers.', SPARSE_TEXT),
    versionNotes: 'Meaning unchanged from 6.1 to 7.x; very recent kernels may also feed it to compiler-based lock analysis (unverified).',
  },
  {
    name: '__must_hold',
    category: 'sparse',
    signature: '__must_hold(lock)',
    summary: 'Documents (for sparse) that the caller must hold `lock` when calling the function, and it is still held on return.',
    details: paragraphs('Helps reviewers and the checker see locking assumptions of helper functions.', SPARSE_TEXT),
    versionNotes: 'Meaning unchanged from 6.1 to 7.x; very recent kernels may also feed it to compiler-based lock analysis (unverified).',
  },
];

// ---------------------------------------------------------------------------------------------
// General helpers and compiler attributes
// ---------------------------------------------------------------------------------------------

const HELPER_DOCS: MacroDoc[] = [
  {
    name: 'likely',
    category: 'helper',
    signature: 'likely(cond)',
    summary: 'Tells the compiler the condition is expected to be true, so the true path is laid out as the fast path.',
    details: paragraphs(
      'Expands to `__builtin_expect(!!(cond), 1)`; the value is the condition as 0/1. With CONFIG_TRACE_BRANCH_PROFILING the kernel counts how often each annotation was right (visible in the tracing `branch_annotated` statistics).',
    ),
    mistakes: ['Using it on branches that are not strongly biased: a wrong hint makes the code slower.', 'Sprinkling it everywhere; use it for clearly hot/cold paths.'],
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
    summary: 'Makes the compiler warn when a caller ignores the function\'s return value.',
    details: paragraphs('Expands to `__attribute__((__warn_unused_result__))`. Used on functions whose result must be checked, e.g. many registration and copy functions.'),
    mistakes: ['Silencing the warning with a `(void)` cast instead of handling the error.'],
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: '__maybe_unused',
    category: 'helper',
    summary: 'Suppresses "defined but not used" warnings for things that are unused in some configurations.',
    details: paragraphs('Expands to `__attribute__((__unused__))`. Typical for PM callbacks or OF tables that are referenced only when a Kconfig option is on.'),
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
    details: paragraphs('Expands to `__attribute__((__used__))`. Needed for objects that only the linker or other tools look at, such as section tables (`__exit_call`, `__setup` entries).'),
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: '__cold',
    category: 'helper',
    summary: 'Marks a function as rarely executed, so the compiler optimises for size and moves calls to it off the hot path.',
    details: paragraphs(
      'Expands to `__attribute__((__cold__))` (part of `__init` and `__exit`). gcc may move callers\' cold paths into `.text.unlikely`, which modpost treats as normal text.',
    ),
    versionNotes: 'In 7.x `__cold` is empty on configurations without reliable function alignment.',
  },
  {
    name: '__packed',
    category: 'helper',
    summary: 'Removes padding from a structure so it matches an external layout byte for byte.',
    details: paragraphs('Expands to `__attribute__((__packed__))`. Used for on-wire and on-disk formats and hardware descriptors.'),
    mistakes: ['Taking the address of a misaligned member and using it on architectures that fault on unaligned access; use `get_unaligned()`.'],
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: '__aligned',
    category: 'helper',
    signature: '__aligned(n)',
    summary: 'Requests at least `n`-byte alignment for a type or object.',
    details: paragraphs('Expands to `__attribute__((__aligned__(n)))`. Common for DMA buffers and cache-line alignment (`____cacheline_aligned`).'),
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: '__weak',
    category: 'helper',
    summary: 'Declares a weak symbol: a default definition that a normal (strong) definition elsewhere overrides at link time.',
    details: paragraphs('Expands to `__attribute__((__weak__))`. The kernel uses it for architecture hooks with generic defaults.'),
    mistakes: ['Relying on weak overrides across a module boundary: modules are linked separately, so it only works inside vmlinux or inside one module.'],
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
  {
    name: 'fallthrough',
    category: 'helper',
    summary: 'Marks an intentional fall-through between `case` labels, silencing `-Wimplicit-fallthrough`.',
    details: paragraphs('Expands to `__attribute__((__fallthrough__))` where supported. Write `fallthrough;` as the last statement of the case.'),
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
    mistakes: ['Using it when the code must call something that only exists when the option is built into the kernel; see `IS_REACHABLE()`.'],
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

// ---------------------------------------------------------------------------------------------
// The table and lookup
// ---------------------------------------------------------------------------------------------

export const MACRO_DOCS: readonly MacroDoc[] = Object.freeze([
  ...ANNOTATIONS,
  ...removedAnnotations(),
  ...initcalls(),
  ...MODULE_CORE,
  ...driverHelpers(),
  ...PLATFORM_EXTRA,
  ...MODULE_INFO_DOCS,
  ...PARAM_DOCS,
  ...EXPORT_DOCS,
  ...PRINTK_MISC,
  ...kernLevels(),
  ...prLevelDocs(),
  ...printVariantDocs('pr', prVariantRows()),
  ...DEV_MISC,
  ...devLevelDocs(),
  ...printVariantDocs('dev', devVariantRows()),
  ...SPARSE_DOCS,
  ...HELPER_DOCS,
]);

const DOCS_BY_NAME: ReadonlyMap<string, MacroDoc> = (() => {
  const map = new Map<string, MacroDoc>();
  for (const doc of MACRO_DOCS) {
    if (!map.has(doc.name)) map.set(doc.name, doc);
  }
  // Aliases never shadow a real entry of the same name.
  for (const doc of MACRO_DOCS) {
    for (const alias of doc.aliases ?? []) {
      if (!map.has(alias)) map.set(alias, doc);
    }
  }
  return map;
})();

/** name (or alias) -> doc, built once from MACRO_DOCS. */
export function lookupMacroDoc(name: string): MacroDoc | undefined {
  return DOCS_BY_NAME.get(name);
}
