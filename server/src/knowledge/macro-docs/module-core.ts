// module_init/module_exit, module_driver/builtin_driver, THIS_MODULE and KBUILD_MODNAME, from
// include/linux/module.h, include/linux/init.h, include/linux/device/driver.h and kbuild.

import type { MacroDoc } from './types';
import { EXIT_LIFETIME, paragraphs } from './wording';

export const MODULE_CORE: MacroDoc[] = [
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
    versionNotes: 'Unchanged 6.1–7.x. 6.1 modpost names the function `init_module` in warnings; 6.5+ print the real function name.',
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
    versionNotes: 'Unchanged 6.1–7.x. 6.1 modpost names the function `cleanup_module` in warnings; 6.5+ print the real function name.',
  },
  {
    name: 'module_driver',
    category: 'module-macro',
    signature: 'module_driver(driver, register_fn, unregister_fn, ...)',
    summary:
      'Generates `__init`/`__exit` functions that register and unregister `driver`, plus the matching `module_init()`/`module_exit()`.',
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
    mistakes: [
      'Forgetting `.owner = THIS_MODULE` in `file_operations` of a character device: rmmod can succeed while a file is still open, and the next call crashes.',
    ],
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
