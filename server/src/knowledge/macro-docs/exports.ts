// Symbol exports (EXPORT_SYMBOL*, symbol namespaces), from include/linux/export.h and the export
// checks of scripts/mod/modpost.c.

import type { MacroDoc } from './types';
import { GPL_COMPATIBLE_LICENSES, paragraphs } from './wording';

const EXPORT_MECHANISM =
  '6.1–6.4: the macro emits a `__ksymtab_<sym>` entry in a per-symbol `___ksymtab+<sym>` (or `___ksymtab_gpl+<sym>`) section. 6.5 and later: it only records the symbol, licence and namespace in a `.export_symbol` section; modpost then generates the real export table in the `.mod.c` file (or `vmlinux.export.c`).';

const EXPORT_INIT_NOTE =
  'Exporting an `__init` or `__exit` function makes modpost warn: 6.0–6.4 print `EXPORT_SYMBOL used for init/exit symbol: <sym> (section: <sec>)` and count it as a section mismatch; 6.5+ print `<sym>: EXPORT_SYMBOL used for init symbol. Remove __init or EXPORT_SYMBOL.` and no longer count it.';

const EXPORT_MISTAKES = [
  'Exporting an `__init` or `__exit` function (see above).',
  "Exporting the same symbol from two modules: modpost stops with `'<sym>' exported twice`.",
  'Placing the macro far from the definition or in a header; put it right after the function or variable definition.',
];

export const EXPORT_DOCS: MacroDoc[] = [
  {
    name: 'EXPORT_SYMBOL',
    category: 'export',
    signature: 'EXPORT_SYMBOL(sym)',
    summary: 'Makes a global function or variable available to loadable modules of any licence.',
    builtinVsModule:
      'From vmlinux: every module can link against it. From a module: other modules can use it once this one is loaded (modprobe loads it first via the dependency in modules.dep).',
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
    versionNotes:
      '6.1–6.12: the value is an identifier (`-DDEFAULT_SYMBOL_NAMESPACE=FOO`). 6.13+: a string literal (`-DDEFAULT_SYMBOL_NAMESPACE=\'"FOO"\'`).',
  },
];
