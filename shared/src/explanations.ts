// What to tell the user when a build, load, unload or log command prints a known error line.
// Data, not code: each entry is a pattern over one output line and a text template whose {names}
// are filled from the pattern's named groups and the run's context. The wrappers (kbuild-run,
// kmod-run, kmsg-follow) print the text once per run, right after the line that triggered it.

export type ExplanationTopic = 'build' | 'load' | 'unload' | 'log';

export interface Explanation {
  id: string;
  topics: readonly ExplanationTopic[];
  pattern: RegExp;
  /** Template; {group} is a named group of `pattern`, {context} a field of ExplainContext. */
  text: string;
}

export interface ExplainContext {
  /** `uname -r` of the machine the command runs on. */
  runningRelease?: string;
  /** Release of the kernel build directory the module was built against. */
  buildRelease?: string;
  /** Module name as the kernel knows it (dashes turned into underscores). */
  module?: string;
  /** The privilege helper setting in effect (sudo, pkexec, none). */
  privilegeHelper?: string;
}

export const EXPLANATIONS: readonly Explanation[] = [
  // ---- build -------------------------------------------------------------------------------
  {
    id: 'kdir-missing',
    topics: ['build'],
    pattern: /^make(?:\[\d+\])?: \*\*\* (?<dir>\/\S*): No such file or directory\.\s+Stop\.$/,
    text:
      'The kernel build directory {dir} does not exist. If the Makefile hard-codes /lib/modules/$(uname -r)/build, ' +
      'build with the setting kmod.buildStrategy = "kbuild" (make -C <kdir> M=<module dir> modules) or use "KDIR ?=" in the Makefile; ' +
      'otherwise install the headers (Debian/Ubuntu: linux-headers-{runningRelease}) or set kmod.kernelBuildDir.',
  },
  {
    id: 'no-makefile',
    topics: ['build'],
    pattern: /^make(?:\[\d+\])?: \*\*\* No targets specified and no makefile found\.\s+Stop\.$/,
    text: 'There is no Makefile in the module directory. Create one with "obj-m += <module>.o" (kbuild reads it for obj-m).',
  },
  {
    id: 'no-modules-target',
    topics: ['build'],
    pattern: /^make(?:\[\d+\])?: \*\*\* No rule to make target '(?<target>modules|all)'\.\s+Stop\.$/,
    text: 'make found no "{target}" target: the directory given with -C is not a kernel build directory, or the module Makefile has no {target} rule.',
  },
  {
    id: 'no-makefile-kbuild',
    topics: ['build'],
    pattern: /Makefile\.build:\d+: (?<file>\S+\/(?:Makefile|Kbuild)): No such file or directory$/,
    text: 'kbuild needs a Kbuild or Makefile in the module directory ({file} is missing) with a line like "obj-m += <module>.o".',
  },
  {
    id: 'compiler-missing',
    topics: ['build'],
    pattern:
      /^(?:\/bin\/\w*sh: (?:\d+: )?)?(?<tool>\S+): (?:command )?not found$|^make(?:\[\d+\])?: (?<tool2>\S+): No such file or directory$/,
    text:
      'A tool the kernel build needs is not installed: {tool}{tool2}. Install the compiler the kernel was configured with ' +
      '(CONFIG_CC_VERSION_TEXT in <kdir>/.config; Debian 12 headers need gcc-12).',
  },
  {
    id: 'kernel-header-missing',
    topics: ['build'],
    pattern: /fatal error: (?<header>(?:linux|asm|generated)\/\S+\.h): No such file or directory$/,
    text:
      '{header} was not found: the kernel build directory is incomplete (install the full headers package, e.g. linux-headers-{buildRelease}) ' +
      'or the file is being compiled outside kbuild.',
  },
  {
    id: 'section-type-conflict',
    topics: ['build'],
    pattern: /error: [‘'](?<object>[^’']+)[’'] causes a section type conflict with [‘'](?<other>[^’']+)[’']$/,
    text:
      '{object} shares a named section with {other} but differs in constness: const data belongs in __initconst (not __initdata), ' +
      'writable data in __initdata; const exit data has no annotation of its own (drop __exitdata).',
  },
  {
    id: 'symvers-missing',
    topics: ['build'],
    pattern: /^WARNING: \S*(?:Module\.symvers|vmlinux\.o) is missing\.$/,
    text: 'The kernel build directory has no Module.symvers: run "make modules_prepare" there or use a distribution headers package; without it every kernel symbol looks undefined.',
  },
  {
    id: 'mismatch-fatal',
    topics: ['build'],
    pattern: /^(?:ERROR|FATAL): modpost: Section mismatches detected\.$/,
    text:
      'This kernel is configured without CONFIG_SECTION_MISMATCH_WARN_ONLY, so the section mismatches above stop the build. ' +
      'Fix them (the problem list shows each at its source line).',
  },
  {
    id: 'license-missing',
    topics: ['build'],
    pattern: /^(?:ERROR|WARNING): modpost: missing MODULE_LICENSE\(\) in /,
    text: 'Add MODULE_LICENSE("GPL"); (or another license string) to the module: modpost refuses modules without one since Linux 5.11.',
  },
  {
    id: 'undefined-symbol',
    topics: ['build'],
    pattern: /^(?:ERROR|WARNING): modpost: "(?<symbol>[^"]+)" \[.+\.ko\] undefined!$/,
    text:
      '{symbol} is not exported by the kernel you build against (typo, a static function, or missing EXPORT_SYMBOL). ' +
      "If another out-of-tree module exports it, add that module's Module.symvers to KBUILD_EXTRA_SYMBOLS.",
  },
  {
    id: 'gpl-only',
    topics: ['build'],
    pattern: /^(?:ERROR|FATAL): modpost: GPL-incompatible module .+\.ko uses GPL-only symbol '(?<symbol>[^']+)'$/,
    text: '{symbol} is exported with EXPORT_SYMBOL_GPL: only modules with a GPL-compatible MODULE_LICENSE ("GPL", "GPL v2", "Dual BSD/GPL", "Dual MIT/GPL", "Dual MPL/GPL") may use it.',
  },
  {
    id: 'namespace-import',
    topics: ['build'],
    pattern:
      /^(?:ERROR|WARNING): modpost: module \S+ uses symbol (?<symbol>\S+) from namespace (?<namespace>\S+), but does not import it\.$/,
    text: 'Add MODULE_IMPORT_NS({namespace}); (Linux ≤6.12) or MODULE_IMPORT_NS("{namespace}"); (6.13 and newer) to use {symbol}.',
  },
  {
    id: 'btf-skipped',
    topics: ['build'],
    pattern: /^Skipping BTF generation for \S+ due to unavailability of vmlinux$/,
    text: "Harmless: module BTF needs the kernel's vmlinux, which headers packages do not ship. The module works without it.",
  },
  // ---- load (insmod) -----------------------------------------------------------------------
  {
    id: 'insmod-no-file',
    topics: ['load'],
    pattern: /insmod.*could not load module (?<ko>\S+): No such file or directory/,
    text: '{ko} does not exist: build the module first (Kernel Module: Build Module).',
  },
  {
    id: 'insmod-invalid-format',
    topics: ['load'],
    pattern: /insmod.*(?:Invalid module format|Exec format error)/,
    text:
      "The running kernel ({runningRelease}) rejected the module's version magic or symbol versions: it was built against {buildRelease}. " +
      "Build against the running kernel's headers (linux-headers-{runningRelease}) or load it in the VM with the matching kernel; dmesg names the mismatch.",
  },
  {
    id: 'insmod-key-rejected',
    topics: ['load'],
    pattern: /insmod.*(?:Key was rejected by service|Required key not available)/,
    text:
      'The kernel enforces module signatures (Secure Boot lockdown or module.sig_enforce=1) and this module is unsigned. ' +
      'Sign it with a key the kernel trusts (enrol one with mokutil; sign with scripts/sign-file), or test it in the VM.',
  },
  {
    id: 'insmod-exists',
    topics: ['load'],
    pattern: /insmod.*File exists/,
    text: 'A module with this name is already loaded. Unload it first (Kernel Module: Unload Module, i.e. rmmod {module}).',
  },
  {
    id: 'insmod-unknown-symbol',
    topics: ['load'],
    pattern: /insmod.*Unknown symbol in module/,
    text: 'The module uses a symbol the running kernel does not provide: the module it comes from is not loaded, or the kernel differs from the headers. dmesg shows "Unknown symbol <name>".',
  },
  {
    id: 'insmod-invalid-parameters',
    topics: ['load'],
    pattern: /insmod.*(?:Invalid parameters|Invalid argument)/,
    text: 'The kernel refused the module parameters (or the init function returned -EINVAL). dmesg shows "Unknown parameter" or the module\'s own message; check kmod.moduleParameters.',
  },
  {
    id: 'insmod-no-modules',
    topics: ['load', 'unload'],
    pattern: /(?:insmod|rmmod).*Function not implemented/,
    text: 'The running kernel has no loadable-module support (CONFIG_MODULES=n or booted with "nomodule"): test the module in the VM instead.',
  },
  {
    id: 'not-permitted',
    topics: ['load', 'unload'],
    pattern: /(?:insmod|rmmod).*Operation not permitted/,
    text:
      'Loading and unloading modules needs root: set kmod.privilegeHelper to "sudo" or "pkexec" (current: {privilegeHelper}). ' +
      'As root this means module loading is disabled (/proc/sys/kernel/modules_disabled = 1) or locked down.',
  },
  // ---- unload (rmmod) ----------------------------------------------------------------------
  {
    id: 'rmmod-in-use',
    topics: ['unload'],
    pattern: /rmmod.*(?:is in use|Device or resource busy|can't unload module)/,
    text:
      'The kernel will not unload {module}. If an earlier rmmod crashed in the exit function (an Oops in the kernel log), the module is stuck ' +
      'in the "Unloading" state with a refcount of -1 and only a reboot clears it (rmmod -f does not). Otherwise something still uses it: lsmod shows the users.',
  },
  {
    id: 'rmmod-not-loaded',
    topics: ['unload'],
    pattern: /rmmod.*(?:is not currently loaded|No such file or directory)/,
    text: '{module} is not loaded (lsmod does not list it).',
  },
  // ---- log (dmesg / journalctl) --------------------------------------------------------------
  {
    id: 'dmesg-restricted',
    topics: ['log'],
    pattern: /^dmesg: read kernel buffer failed: Operation not permitted$/,
    text:
      'Reading the kernel log needs privileges here (kernel.dmesg_restrict = 1). Set kmod.privilegeHelper to "sudo" or "pkexec" ' +
      '(current: {privilegeHelper}), or allow it for everyone with: sudo sysctl kernel.dmesg_restrict=0',
  },
  {
    id: 'journal-missing',
    topics: ['log'],
    pattern: /^No journal files were (?:found|opened)/,
    text: 'journalctl has no journal to read (no systemd-journald on this machine, or no permission: add yourself to the adm or systemd-journal group).',
  },
  {
    id: 'sudo-needs-terminal',
    topics: ['log', 'load', 'unload'],
    pattern: /^sudo: (?:a terminal is required|a password is required|no tty present)/,
    text: 'sudo could not ask for a password. Run the command from the task terminal, or use kmod.privilegeHelper = "pkexec".',
  },
  {
    id: 'pkexec-no-agent',
    topics: ['log', 'load', 'unload'],
    pattern: /^Error executing command as another user: No authentication agent found\.$/,
    text: 'pkexec needs a polkit authentication agent (a desktop session). Use kmod.privilegeHelper = "sudo" instead.',
  },
];

/** Debian package that provides a program the wrappers start; used when spawning it fails with ENOENT. */
export const PROGRAM_PACKAGES: Readonly<Record<string, string>> = {
  make: 'make',
  gcc: 'gcc',
  insmod: 'kmod',
  rmmod: 'kmod',
  modinfo: 'kmod',
  dmesg: 'util-linux',
  journalctl: 'systemd',
  sudo: 'sudo',
  pkexec: 'pkexec (policykit-1 on older releases)',
};

/** Why a program could not be started (spawn error code ENOENT, EACCES, …), with the package to install. */
export function missingProgramText(program: string, code = 'ENOENT'): string {
  const pkg = PROGRAM_PACKAGES[program];
  const hint = pkg ? ` Install it: sudo apt-get install ${pkg}` : '';
  const sbin = program === 'insmod' || program === 'rmmod' ? " (it lives in /usr/sbin, which may not be on a normal user's PATH)" : '';
  const what = code === 'ENOENT' ? 'was not found' : `could not be started (${code}: not installed, or not executable for this user)`;
  return `"${program}" ${what}${sbin}.${hint}`;
}

/** Exit status for a program that could not be started, as a shell reports it. */
export const spawnFailureStatus = (code: string | undefined): number => (code === 'ENOENT' ? 127 : 126);

/** Fills {name}: a pattern group that did not take part becomes empty, an unknown context value "unknown". */
function fill(template: string, context: ExplainContext, groups: Record<string, string | undefined>): string {
  const values: Record<string, string | undefined> = { ...context };
  for (const [name, value] of Object.entries(groups)) values[name] = value ?? '';
  return template.replace(/\{(\w+)\}/g, (_all, name: string) => values[name] ?? 'unknown');
}

/** Explains output lines, each explanation at most once per run. */
export class Explainer {
  private readonly shown = new Set<string>();

  constructor(
    private readonly topic: ExplanationTopic,
    private readonly context: ExplainContext,
  ) {}

  /** The explanation for this line and its table id, or undefined (also when already shown). */
  explain(line: string): { id: string; text: string } | undefined {
    for (const entry of EXPLANATIONS) {
      if (!entry.topics.includes(this.topic) || this.shown.has(entry.id)) continue;
      const match = entry.pattern.exec(line);
      if (!match) continue;
      this.shown.add(entry.id);
      return { id: entry.id, text: fill(entry.text, this.context, match.groups ?? {}) };
    }
    return undefined;
  }
}

/** The prefix of every line the wrappers add, so users (and tests) can tell them from tool output. */
export const KMOD_PREFIX = 'kmod: ';
