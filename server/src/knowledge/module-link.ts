// What modpost checks when it links a module against the kernel's exports, besides section
// mismatches (scripts/mod/modpost.c, include/linux/license.h, include/linux/module.h), and how each
// kernel generation prints it. The versioned switches are fields of the rule profiles.

/** MODULE_LICENSE strings that may use EXPORT_SYMBOL_GPL symbols: exact and case-sensitive (include/linux/license.h). */
export const GPL_COMPATIBLE_LICENSES: readonly string[] = [
  'GPL',
  'GPL v2',
  'GPL and additional rights',
  'Dual BSD/GPL',
  'Dual MIT/GPL',
  'Dual MPL/GPL',
];

/** MODULE_NAME_LEN on 64-bit: 64 - sizeof(unsigned long); modpost rejects names this long or longer. */
export const MODULE_NAME_LEN = 56;

/** The message families of modpost: ≤ 7.2 (symbols in double quotes, module paths) and 7.3's rewrite (`name.ko:` first, symbols quoted). */
export type ModpostMessageStyle = 'classic' | 'module-first';

export type LinkCheck =
  | 'undefined'
  | 'gpl-only'
  | 'missing-license'
  | 'missing-description'
  | 'namespace'
  | 'namespace-import-not-allowed'
  | 'export-undefined'
  | 'export-duplicate'
  | 'export-local'
  | 'name-too-long';

/**
 * modpost's line per check (after `ERROR: modpost: ` or `WARNING: modpost: `). {name} is the module
 * name, {path} the module's path without extension, {symbol} and {namespace} as printed.
 */
export const LINK_MESSAGES: Readonly<Record<ModpostMessageStyle, Readonly<Record<LinkCheck, string>>>> = {
  classic: {
    undefined: '"{symbol}" [{path}.ko] undefined!',
    'gpl-only': "GPL-incompatible module {name}.ko uses GPL-only symbol '{symbol}'",
    'missing-license': 'missing MODULE_LICENSE() in {path}.o',
    'missing-description': 'missing MODULE_DESCRIPTION() in {path}.o',
    namespace: 'module {name} uses symbol {symbol} from namespace {namespace}, but does not import it.',
    'namespace-import-not-allowed': "{name}.ko: explicitly importing namespace '{namespace}' is not allowed.",
    'export-undefined': '"{symbol}" [{path}.ko] was exported without definition',
    'export-duplicate': "{path}: '{symbol}' exported twice. Previous export was in {owner}",
    'export-local': "{path}: local symbol '{symbol}' was exported",
    'name-too-long': 'module name is too long [{path}.ko]',
  },
  'module-first': {
    undefined: "{name}.ko: symbol '{symbol}' undefined!",
    'gpl-only': "{name}.ko: GPL-incompatible module uses GPL-only symbol '{symbol}'",
    'missing-license': '{name}.ko: missing MODULE_LICENSE()',
    'missing-description': '{name}.ko: missing MODULE_DESCRIPTION()',
    namespace: "{name}.ko: module uses symbol '{symbol}' from namespace '{namespace}', but does not import it.",
    'namespace-import-not-allowed': "{name}.ko: explicitly importing namespace '{namespace}' is not allowed.",
    'export-undefined': "{name}.ko: symbol '{symbol}' was exported without definition",
    'export-duplicate': "{name}.ko: symbol '{symbol}' exported twice. Previous export was in {owner}",
    'export-local': "{name}.ko: local symbol '{symbol}' was exported",
    'name-too-long': '{name}.ko: module name is too long',
  },
};

export function linkMessage(style: ModpostMessageStyle, check: LinkCheck, fields: Readonly<Record<string, string>>): string {
  return LINK_MESSAGES[style][check].replace(/\{(\w+)\}/g, (whole, key: string) => fields[key] ?? whole);
}

/**
 * Functions the headers declare that no kernel exports to modules, with what a module can use
 * instead. Without an entry the message says only that modules cannot call it.
 */
export const UNEXPORTED_ALTERNATIVES: Readonly<Record<string, string>> = {
  kallsyms_lookup_name:
    'It has not been exported since 5.7, on purpose: use the exported API of what you are looking for, or find an address with a kprobe (register_kprobe(), then kp.addr).',
  vfs_write: 'Use kernel_write(), which is exported.',
  vfs_read: 'Use kernel_read(), which is exported.',
  sched_setscheduler: 'Use sched_set_fifo(), sched_set_fifo_low() or sched_set_normal(), which are exported.',
  sched_setscheduler_nocheck: 'Use sched_set_fifo(), sched_set_fifo_low() or sched_set_normal(), which are exported.',
  find_task_by_vpid: 'Use find_get_pid() and get_pid_task(), which are exported, and put both references when done.',
  sys_call_table: 'Modules cannot patch the syscall table: use kprobes, tracepoints or an LSM hook.',
};
