// Every `kmod.*` setting, declared once: its JSON schema for package.json, its line in the README,
// and whether Workspace Trust restricts it. The client and the server read their defaults here;
// `npm run generate` writes package.json's `contributes.configuration` and the README table from
// this table (a test checks they agree).

interface Common {
  /**
   * Markdown for the Settings UI (package.json's `markdownDescription`): code in backticks, another
   * setting as `#kmod.name#`, a command as `[title](command:kmod.id)`.
   */
  description: string;
  /** The README's one-line explanation (Markdown). */
  readme: string;
  scope?: 'machine-overridable' | 'resource' | 'window';
  /** A workspace's own value is ignored until the workspace is trusted (it can run commands). */
  restricted?: true;
}

export type SettingDeclaration = Common &
  (
    | {
        type: 'string';
        default: string;
        enum?: readonly string[];
        /** Markdown, one per choice (package.json's `markdownEnumDescriptions`). */
        enumDescriptions?: readonly string[];
        pattern?: string;
      }
    | { type: 'boolean'; default: boolean }
    | { type: 'number'; default: number; minimum?: number }
    | { type: 'array'; items: { type: 'string' }; default: readonly string[] }
  );

export const SETTINGS = {
  'kmod.kernelBuildDir': {
    type: 'string',
    default: '',
    scope: 'machine-overridable',
    description:
      'Kernel build directory (`KDIR`) used to build modules, find the kernel version and resolve macro definitions. Empty: `/lib/modules/$(uname -r)/build`, then `/usr/src/linux-headers-*`. [Choose one…](command:kmod.selectKernelBuildDir)',
    readme:
      'Kernel build directory (KDIR). Empty: `/lib/modules/$(uname -r)/build`, then `/usr/src/linux-headers-*`. Feeds the build, the rule version and header hovers.',
    // A workspace must not point the header scan at files of its own choosing before it is trusted.
    restricted: true,
  },
  'kmod.kernelBuildDirs': {
    type: 'array',
    items: { type: 'string' },
    default: [],
    scope: 'machine-overridable',
    description:
      'More kernel build directories to check modules against, besides `#kmod.kernelBuildDir#` (e.g. the headers of 6.1, 6.12 and 7.3): a finding that holds only on some of them names those kernels.',
    readme: 'More build dirs to check against, besides `kmod.kernelBuildDir`; a finding that holds only on some says `(only on 7.3.4)`.',
    restricted: true,
  },
  'kmod.kernelVersion': {
    type: 'string',
    default: '',
    pattern: '^$|^[0-9]+\\.[0-9]+(\\.[0-9]+)?$',
    description:
      'Kernel version whose modpost rules are applied (e.g. `6.1`, `6.6.57`, `7.1`). Empty: read it from `#kmod.kernelBuildDir#`, else the newest known rules.',
    readme: "Apply this kernel's modpost rules (`6.1`, `6.6.57`, `6.12`, `7.3`). Empty: the build dir's version, else the newest rules.",
  },
  'kmod.diagnostics.disabledCodes': {
    type: 'array',
    items: { type: 'string' },
    default: [],
    description:
      'Finding codes not to report anywhere, e.g. `export-init-exit`. To silence one line, put `// kmod-ignore-next-line <code>` above it or `/* kmod-ignore <code> */` on it (the quick fix *Disable … for this line* writes it).',
    readme: 'Finding codes not to report (see [Finding codes](#finding-codes)); one line: a `kmod-ignore` comment.',
  },
  'kmod.privilegeHelper': {
    type: 'string',
    enum: ['sudo', 'pkexec', 'none'],
    default: 'sudo',
    scope: 'machine-overridable',
    enumDescriptions: [
      '`sudo` in the task terminal (asks for your password there; nothing is stored)',
      '`pkexec` (polkit asks in a dialog)',
      'run `insmod`/`rmmod`/`dmesg` directly (you are root, or have the capabilities)',
    ],
    description: 'How *Load Module*, *Unload Module* and *Follow Kernel Log* get root. Never used when VS Code already runs as root.',
    readme:
      'How insmod/rmmod/dmesg get privileges: `sudo` (asks in the task terminal), `pkexec`, or `none`. No password is ever stored or passed by the extension.',
    restricted: true,
  },
  'kmod.buildStrategy': {
    type: 'string',
    enum: ['kbuild', 'makefile'],
    default: 'kbuild',
    scope: 'resource',
    enumDescriptions: [
      "`make -C <kernel build dir> M=<module dir> modules`: kbuild reads `obj-m` from the module's Kbuild/Makefile (works with LKMPG Makefiles that hard-code `/lib/modules/$(uname -r)/build`)",
      "`make -C <module dir> KDIR=<kernel build dir>`: runs the module Makefile's default target (for Makefiles with `KDIR ?=` and extra steps)",
    ],
    description: 'How [Build Module](command:kmod.buildModule) runs `make`.',
    readme:
      '`kbuild`: `make -C <KDIR> M=<module dir> modules` (works with LKMPG-style and `KDIR ?=` Makefiles, and when `/lib/modules/$(uname -r)/build` is missing); `makefile`: run your Makefile with `KDIR=<KDIR>`.',
    restricted: true,
  },
  'kmod.moduleParameters': {
    type: 'string',
    default: '',
    scope: 'resource',
    description:
      'Default parameters for *Load Module* (`insmod`) and *Test Module in VM*, e.g. `count=3 msg="two words"`. Offered in the input box.',
    readme: 'Default parameters for Load module and Test in VM, e.g. `count=3 name="two words"`.',
    restricted: true,
  },
  'kmod.kernelLog.from': {
    type: 'string',
    enum: ['now', 'boot'],
    default: 'now',
    scope: 'machine-overridable',
    enumDescriptions: [
      'only the messages from the moment the log is opened (`dmesg --follow-new`)',
      'the whole kernel ring buffer since boot first, then new messages',
    ],
    description:
      "Where *Follow Kernel Log* starts. *Follow Module Log* always shows the module's earlier lines too (they are few, and its load messages come before you open it).",
    readme: 'Where *Follow Kernel Log* starts: `now` (new messages only) or `boot` (the whole ring buffer first).',
  },
  'kmod.index.enabled': {
    type: 'boolean',
    default: true,
    description:
      'Check every C file of the workspace in the background (with progress), so findings in files you have not opened appear in the Problems panel. Open files are always checked first, on their own worker.',
    readme: 'Check every C file of the workspace in the background.',
  },
  'kmod.index.exclude': {
    type: 'array',
    items: { type: 'string' },
    default: [],
    description: 'Directory names the background index skips (besides the names in `#files.exclude#`), e.g. `tools`, `Documentation`.',
    readme: 'Directory names the index skips (besides `files.exclude`), e.g. `["tools", "Documentation"]`.',
  },
  'kmod.index.maxFiles': {
    type: 'number',
    default: 60000,
    minimum: 1,
    description: 'At most this many C files are indexed (see `#kmod.index.enabled#`).',
    readme: 'Upper bound on indexed files.',
  },
  'kmod.clangd.mode': {
    type: 'string',
    default: 'auto',
    scope: 'machine-overridable',
    description:
      'C IntelliSense (completion, go to definition, compile errors) for kernel modules through clangd, with a compile database made from kbuild. `auto`: when neither the clangd extension nor Microsoft C/C++ is installed, start the newest `clangd` on `PATH` (Debian: `apt install clangd`); `off`: never start clangd; or the path of a clangd binary to start. [Set up IntelliSense](command:kmod.setUpIntelliSense)',
    readme:
      "`auto`: when neither the clangd extension nor Microsoft C/C++ is installed, start the newest `clangd` on `PATH` for the modules' C files (completion, go to definition, compile errors); `off`; or a path to a clangd binary. Installed clangd/C/C++ extensions get the compile database instead.",
    restricted: true,
  },
  'kmod.compileCommands.moduleDir': {
    type: 'string',
    enum: ['off', 'clang', 'gcc'],
    default: 'off',
    scope: 'resource',
    enumDescriptions: [
      "only in the extension's storage (nothing is written into your tree)",
      'also `<module dir>/compile_commands.json` without the gcc-only flags clang rejects (clangd, clang-tidy)',
      "also `<module dir>/compile_commands.json` with kbuild's exact gcc arguments (gcc-based tools)",
    ],
    description:
      "The compile database made from kbuild lives in the extension's storage; this also writes it into each module directory for other tools.",
    readme:
      "Also write `compile_commands.json` into each module directory: `off` (only in the extension's storage), `clang` (without the gcc-only flags clang rejects), `gcc` (kbuild's exact arguments).",
  },
  'kmod.trace.server': {
    type: 'string',
    enum: ['off', 'messages', 'verbose'],
    default: 'off',
    scope: 'window',
    enumDescriptions: ['no trace', 'each request and notification by name', 'each request and notification with its contents'],
    description:
      'Traces the messages between VS Code and the kmod language server in the "Kernel Module Tools" output channel (for bug reports).',
    readme: 'Trace the language server protocol in the *Kernel Module Tools* output channel: `off`, `messages`, `verbose`.',
  },
  'kmod.codeLens.enabled': {
    type: 'boolean',
    default: true,
    scope: 'resource',
    description:
      'Show **Build**, **Test in VM** and **Debug** above the `module_init()`, `module_exit()` and `module_*_driver()` lines of a module (in a trusted workspace).',
    readme: 'Show *Build · Test in VM · Debug* above the `module_init()`, `module_exit()` and `module_*_driver()` lines of a module.',
  },
} as const satisfies Record<string, SettingDeclaration>;

export type SettingKey = keyof typeof SETTINGS;

/** The configuration section all settings live in. */
export const SETTINGS_SECTION = 'kmod';

/** A setting's key inside the `kmod` section ("index.maxFiles"), as `getConfiguration('kmod').get` takes it. */
export const sectionKey = (key: SettingKey): string => key.slice(SETTINGS_SECTION.length + 1);
