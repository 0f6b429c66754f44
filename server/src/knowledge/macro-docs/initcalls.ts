// Initcall levels (early_initcall … late_initcall_sync), __initcall, console_initcall and __exitcall,
// from include/linux/init.h and the boot-time initcall walk in init/main.c.

import type { MacroDoc } from './types';
import { paragraphs } from './wording';

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
    purpose:
      'Runs before the numbered levels and before secondary CPUs are started (SMP bring-up); for code that must be ready before other CPUs come online.',
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

export function initcalls(): MacroDoc[] {
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
