// Section and placement annotations (__init, __initdata, __exit, __ref, __meminit, __ro_after_init …),
// from include/linux/init.h and related headers (include/linux/cache.h, include/linux/compiler_types.h,
// include/net/net_namespace.h) and the section checks of scripts/mod/modpost.c.

import type { MacroDoc } from './types';
import { EXIT_LIFETIME, paragraphs } from './wording';

const INIT_LIFETIME =
  "Module: freed as soon as the module's init function returns (on failure the whole module is freed anyway). " +
  'Built-in: freed at the end of boot together with the rest of init memory (the "Freeing unused kernel ... memory" line in dmesg).';

const INIT_BUILTIN_VS_MODULE =
  "Both cases free the memory after initialisation; only the moment differs (end of the module's init function vs. end of boot). " +
  'The loader puts every module section whose name starts with `.init` into the init region.';

const EXIT_BUILTIN_VS_MODULE =
  'In a module the code runs at rmmod time. In built-in code it never runs at all: exit functions are only kept so that the same source compiles both ways.';

const MODPOST_FORMAT_NOTE =
  'modpost output: 6.0–6.4 (so 6.1) print `section mismatch in reference: <from> (section: <sec>) -> <to> (section: <sec>)` and name the module_init/module_exit functions `init_module`/`cleanup_module`; ' +
  'from 6.5 the real function name is printed with a `+0x<offset>` suffix; from 6.12 an address is printed when there is no symbol.';

const MEMINIT_VERSION_NOTE =
  '6.1 and 6.6: a section of its own (`.meminit.*`), kept when CONFIG_MEMORY_HOTPLUG=y and freed with init memory otherwise; modpost checks it separately. ' +
  '6.12 and later (the change landed between 6.7 and 6.12): no section of its own any more — the macro expands to nothing with CONFIG_MEMORY_HOTPLUG=y and to the plain `__init` family otherwise, and modpost only knows `.init.*`.';

const SECTION_CONFLICT_MISTAKE =
  'Using it on an object of the wrong constness: a `const` object and a writable object in the same named section make gcc stop with "section type conflict".';

export const ANNOTATIONS: MacroDoc[] = [
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
      "Calling an `__exit` cleanup helper from the init function's error path: built-in kernels may not have the code at all. Drop `__exit` from helpers that the init path shares.",
      'Reading `__initdata` from the exit function (the memory was freed after init; the classic use-after-free at rmmod).',
      "Marking a driver's `.remove` callback `__exit` and wiring it with `__exit_p()`: devices can be unbound at run time, and from 6.12 modpost warns about the struct → `.exit.text` reference for module builds.",
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
    builtinVsModule:
      'Module: the pointer is kept. Built-in: the pointer becomes NULL, so no reference to the (discarded) exit code remains.',
    details: paragraphs(
      'Meant for struct fields that point to `__exit` functions, traditionally `.remove = __exit_p(foo_remove)` in a driver. In built-in code the field is NULL, so the dropped exit code is never referenced.',
      'For drivers this pattern is outdated: a device can be unbound through sysfs or by hot-unplug even in a built-in driver, and a NULL `.remove` then skips cleanup. Write remove callbacks as normal functions and assign them directly.',
      'modpost: the module build still has a `.data` → `.exit.text` reference. 6.1.0 hid it for structs whose name ends in `driver`; 6.1.y (≈6.1.80+) and 6.6 report it only with `W=1`; 6.12 and later always warn.',
    ),
    mistakes: [
      'Using it for `.remove` of a driver (see above): unbinding a built-in device leaks resources.',
      'Passing a function that is not `__exit`: harmless but pointless, and in built-in code the callback silently disappears.',
    ],
    versionNotes:
      'Macro unchanged 6.1–7.x; the modpost treatment of the resulting reference changed (silent in 6.1.0, `W=1` in later 6.1.y/6.6, warning from 6.12).',
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
    mistakes: ['Adding `__ref` just to silence a section-mismatch warning: the call still jumps into freed memory at run time.'],
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
    summary:
      'Marks code needed at boot and again whenever memory is hot-added; 6.1/6.6 use `.meminit.text`, 6.12+ map it to `__init` or to nothing.',
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
    versionNotes:
      "6.1 also had assembler variants (`__INIT_OR_MODULE` etc.); 7.1's module.h no longer has them. The C macros are unchanged.",
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
      "Used for memblock's own tables. Its section follows `__meminitdata`: `.meminit.data` in 6.1/6.6, `.init.data` or nothing in 6.12+.",
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
    versionNotes:
      '6.1 defines it in `<linux/cpu.h>`; 7.1 moved it to `<linux/compiler_types.h>` and gives it the same no-instrumentation attributes as `noinstr`. Section unchanged.',
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
      "Never freed. Built-in: made read-only at the end of boot (with CONFIG_STRICT_KERNEL_RWX). Module: made read-only right after the module's init function returns (with CONFIG_STRICT_MODULE_RWX).",
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
