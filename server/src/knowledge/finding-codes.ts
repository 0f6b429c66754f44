// Every finding code the analyzer reports, in one table: its severity, what it means, an example,
// and which quick fixes it offers. The checker takes severities from here, the code actions
// dispatch on `quickFixes`, and `npm run generate` writes the README table and the
// `kmod.diagnostics.disabledCodes` enum of package.json from it (a test checks they agree).

export type Severity = 'error' | 'warning' | 'information' | 'hint';

/**
 * The quick fixes of features/code-actions.ts, named for what they do to the code:
 * keep-loaded (remove the target's section annotation; "keep it after init" for functions),
 * keep-exported (remove the exported symbol's annotation: exports must stay loaded),
 * remove-annotation, mark-caller (mark the caller __init/__exit when all its callers are code of
 * that lifetime), use-twin (the const or data twin of the annotation), make-const (the object
 * itself const), use-exit / use-init (replace the annotation), suggested-edit (the edit the checker
 * worked out: a MODULE_IMPORT_NS or MODULE_LICENSE line to add, an import to rewrite).
 */
export const QUICK_FIX_KINDS = [
  'keep-loaded',
  'keep-exported',
  'remove-annotation',
  'mark-caller',
  'use-twin',
  'make-const',
  'use-exit',
  'use-init',
  'suggested-edit',
] as const;

export type QuickFixKind = (typeof QUICK_FIX_KINDS)[number];

export interface FindingCodeInfo {
  severity: Severity;
  /** A short title (enum descriptions in the settings UI). */
  title: string;
  /** Code that gets this finding, as Markdown (README). */
  example: string;
  /** What it means and what to do, as Markdown (README). */
  meaning: string;
  /** Offered in this order; the first applicable one is the preferred fix. */
  quickFixes: readonly QuickFixKind[];
}

export const FINDING_CODES = {
  'section-mismatch': {
    severity: 'warning',
    title: 'A reference modpost reports as a section mismatch',
    example: '`static void __exit bye(void) { pr_info("%d", hello3_data); }` with `hello3_data __initdata`',
    meaning:
      'A reference modpost reports: text/data → init, text/data → exit, init → exit, exit → init. The message also says how modpost prints it (`cleanup_module -> hello3_data` on 6.1).',
    quickFixes: ['keep-loaded', 'mark-caller'],
  },
  'export-init-exit': {
    severity: 'warning',
    title: 'An exported symbol in init or exit memory',
    example: '`int __init setup(void) {…} EXPORT_SYMBOL(setup);`',
    meaning: 'Exporting a symbol that is freed after init (or discarded when built in).',
    quickFixes: ['keep-exported'],
  },
  'section-type-conflict': {
    severity: 'error',
    title: 'const data in a writable section gcc refuses',
    example: '`static const char banner[] __initdata = "…";` in a module with `module_init()`',
    meaning:
      '`const` data in a writable section while a writable object shares that section in the translation unit: gcc fails with "section type conflict" (a loadable module\'s `module_init()` alone adds a writable pointer to `.init.data`). Reported, like gcc, on the name. Use `__initconst`.',
    quickFixes: ['use-twin', 'remove-annotation'],
  },
  'const-in-writable-section': {
    severity: 'information',
    title: 'const data in a writable section (no conflict yet)',
    example: 'the same `const … __initdata` with no writable partner (built-in code, no `module_init()`)',
    meaning: 'It compiles only until a writable object joins the section; the fix is the same.',
    quickFixes: ['use-twin', 'remove-annotation'],
  },
  'initconst-not-const': {
    severity: 'information',
    title: 'A writable object in a read-only init section',
    example: '`static const char *names[] __initconst = { "a" };`',
    meaning:
      'The object itself is writable (an array of pointers to const) in a section for read-only data. gcc 12 and 14 accept it whatever shares the section (checked on 6.1, 6.12 and 7.3); the fix makes it `* const`.',
    quickFixes: ['make-const'],
  },
  'module-exit-init': {
    severity: 'error',
    title: 'module_exit() names an __init function',
    example: '`static void __init stop(void) {} module_exit(stop);`',
    meaning:
      'The unload handler is `__init`: freed before rmmod runs it. modpost reports it only as `__UNIQUE_ID___addressable_cleanup_module… -> cleanup_module`.',
    quickFixes: ['use-exit'],
  },
  'module-init-exit': {
    severity: 'error',
    title: 'module_init() names an __exit function',
    example: '`static int __exit start(void) {…} module_init(start);`',
    meaning: 'The init handler is `__exit`, discarded when built in.',
    quickFixes: ['use-init'],
  },
  'unchecked-init-reference': {
    severity: 'information',
    title: 'A permanent table points at init memory modpost does not check',
    example: '`static int (*const tbl[])(void) = { my_init_fn };`',
    meaning:
      'A permanent table points at init memory, but modpost never checks its section (`const` data in `.rodata`, `__ro_after_init`, `__read_mostly`). No build warns; make sure it is not used after init. (References modpost skips by name, like `*_console` → `__init` setup, are deliberate idioms and not reported.)',
    quickFixes: ['keep-loaded', 'mark-caller'],
  },
  'undefined-symbol': {
    severity: 'error',
    title: 'A kernel function or variable that is not exported to modules',
    example: '`kallsyms_lookup_name("x")` or `vfs_write(…)` in a module',
    meaning:
      'The kernel headers declare it, but the build dir\'s `Module.symvers` does not export it (nor `KBUILD_EXTRA_SYMBOLS`): modpost stops the build with `"…" undefined!`. `KBUILD_MODPOST_WARN=1` only downgrades this one, and the module would not load. Names that headers also define as macros or `static inline`, and names the module defines, are never reported. The message names an exported alternative when there is a well-known one.',
    quickFixes: [],
  },
  'gpl-only-symbol': {
    severity: 'error',
    title: 'An EXPORT_SYMBOL_GPL symbol used under a non-GPL licence',
    example: '`ktime_get()` with `MODULE_LICENSE("Proprietary")`',
    meaning:
      'Only the six GPL-compatible licence strings (`"GPL"`, `"GPL v2"`, `"GPL and additional rights"`, `"Dual BSD/GPL"`, `"Dual MIT/GPL"`, `"Dual MPL/GPL"`, exact and case-sensitive) may use GPL-only exports. Without any `MODULE_LICENSE` only `missing-license` is reported, as modpost does.',
    quickFixes: [],
  },
  'missing-namespace-import': {
    severity: 'error',
    title: 'A namespaced symbol used without MODULE_IMPORT_NS',
    example: '`dma_buf_put(buf)` without `MODULE_IMPORT_NS(DMA_BUF)`',
    meaning:
      'The symbol is exported in a namespace the module does not import. The quick fix adds the import in the syntax of the configured kernel (a bare name before 6.13, a string from 6.13). On 7.x, `module:<names>` namespaces admit only the named modules and cannot be imported.',
    quickFixes: ['suggested-edit'],
  },
  'namespace-import-syntax': {
    severity: 'error',
    title: 'MODULE_IMPORT_NS in the syntax of another kernel version',
    example: '`MODULE_IMPORT_NS("DMA_BUF")` on 6.1, `MODULE_IMPORT_NS(DMA_BUF)` on 7.3',
    meaning:
      'Before 6.13 a quoted name compiles but imports the namespace with its quotes, so modpost still says the module does not import it; from 6.13 a bare name does not compile.',
    quickFixes: ['suggested-edit'],
  },
  'namespace-import-not-allowed': {
    severity: 'error',
    title: 'An import of a module: namespace (7.x)',
    example: '`MODULE_IMPORT_NS("module:kvm")` on 7.3',
    meaning: 'On 7.x, exports to `module:<names>` are for the named modules only, and importing such a namespace is an error.',
    quickFixes: [],
  },
  'missing-license': {
    severity: 'error',
    title: 'No MODULE_LICENSE()',
    example: 'a module without `MODULE_LICENSE("GPL")`',
    meaning:
      'modpost stops the build. Reported for modules outside a kernel tree (in a tree, whether an object is a module at all depends on its configuration).',
    quickFixes: ['suggested-edit'],
  },
  'missing-description': {
    severity: 'warning',
    title: 'No MODULE_DESCRIPTION() (where modpost warns)',
    example: 'a module without `MODULE_DESCRIPTION("…")`, on 7.3 (on 6.12 with W=1)',
    meaning: 'modpost warns on 7.3, on 6.12 only with W=1, and not on 6.1.',
    quickFixes: ['suggested-edit'],
  },
  'export-undefined': {
    severity: 'error',
    title: 'An export of a symbol the module does not define',
    example: '`EXPORT_SYMBOL(not_defined_here);`',
    meaning: 'modpost stops the build with "was exported without definition".',
    quickFixes: [],
  },
  'export-duplicate': {
    severity: 'error',
    title: 'An export of a symbol the kernel already exports',
    example: 'a module that defines and exports `msleep_interruptible`',
    meaning: 'modpost stops the build with "exported twice. Previous export was in vmlinux".',
    quickFixes: [],
  },
  'export-static': {
    severity: 'error',
    title: 'An export of a static symbol',
    example: '`static int helper(void) {…} EXPORT_SYMBOL(helper);`',
    meaning:
      'Up to 6.4 the build stops right after compiling the file (`scripts/check-local-export`: "local symbol … was exported"); from 6.5 modpost stops it. Remove `static` or the export.',
    quickFixes: [],
  },
  'module-name-too-long': {
    severity: 'error',
    title: 'A module name of 56 characters or more',
    example: '`obj-m := a_module_file_name_that_is_much_too_long_for_module_name_len.o`',
    meaning: 'modpost refuses names as long as `MODULE_NAME_LEN` (56 on 64-bit) or longer.',
    quickFixes: [],
  },
  'not-analyzed': {
    severity: 'information',
    title: 'The file was not analyzed',
    example: 'a 9 MB generated file, binary junk',
    meaning: 'The file was skipped, with the reason.',
    quickFixes: [],
  },
} as const satisfies Record<string, FindingCodeInfo>;

export type FindingCode = keyof typeof FINDING_CODES;

export const FINDING_CODE_NAMES = Object.keys(FINDING_CODES) as FindingCode[];

export const isFindingCode = (code: unknown): code is FindingCode => typeof code === 'string' && Object.hasOwn(FINDING_CODES, code);
