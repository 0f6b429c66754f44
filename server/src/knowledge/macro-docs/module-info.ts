// MODULE_* information macros (MODULE_LICENSE, MODULE_AUTHOR, MODULE_DEVICE_TABLE, MODULE_IMPORT_NS …),
// from include/linux/module.h and the .modinfo handling of scripts/mod/modpost.c.

import type { MacroDoc } from './types';
import { GPL_COMPATIBLE_LICENSES, paragraphs } from './wording';

const MODINFO_PLACEMENT =
  'The string is stored as `tag=value` in the `.modinfo` section of the `.ko`; `modinfo <module>` prints it. For built-in code the same strings are collected into `modules.builtin.modinfo`.';

export const MODULE_INFO_DOCS: MacroDoc[] = [
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
    details: paragraphs('Use `"Name <email>"` or just a name; write one MODULE_AUTHOR() line per author. ' + MODINFO_PLACEMENT),
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
      'Format `[<epoch>:]<version>[-<extra>]`. Modules that declare a version also get a `srcversion` checksum of their sources from modpost. ' +
        MODINFO_PLACEMENT,
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
      'depmod copies all aliases into `modules.alias`; a request for that name (e.g. `platform:foo`, `char-major-10-123`, `fs-foo`) then loads this module. Wildcards are allowed. ' +
        MODINFO_PLACEMENT,
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
      'Purely informational: it does not load anything (the driver still calls `request_firmware()`). Write one line per file. ' +
        MODINFO_PLACEMENT,
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
      'Useful when a module needs another one at run time (e.g. a crypto implementation) but does not call its symbols. The kernel itself ignores it; only modprobe acts on it. ' +
        MODINFO_PLACEMENT,
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
      'MODULE_LICENSE, MODULE_AUTHOR, MODULE_DESCRIPTION, MODULE_ALIAS, MODULE_FIRMWARE, MODULE_SOFTDEP and MODULE_IMPORT_NS all expand to it. Some tags are added automatically by modpost (e.g. `intree`, `vermagic`, `srcversion`). ' +
        MODINFO_PLACEMENT,
    ),
    versionNotes: 'Unchanged from 6.1 to 7.x.',
  },
];
