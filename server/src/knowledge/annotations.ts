// What the parser must know about attribute-like kernel macros: which ones to blank before parsing
// (tree-sitter-c mistakes `static int __init foo(void)` for a declaration of `__init`), and which
// ELF section each places a symbol in. Facts from include/linux/init.h and friends (6.1 … 7.x).

import type { ConfigValues } from './kernel-config';

/** How a kernel version and configuration change an annotation's section. */
export interface AnnotationContext {
  /** Kernel version as [major, minor]. */
  version: readonly [number, number];
  /** The options of kernel-config.ts, from the build dir's auto.conf or Debian's defaults. */
  config: ConfigValues;
}

/** Whether the annotation marks data as writable or read-only (section type conflicts). */
export type DataKind = 'writable' | 'readonly';

export interface AnnotationInfo {
  /** ELF section, or a function of the version for annotations whose meaning changed. */
  section?: string | ((ctx: AnnotationContext) => string | undefined);
  /** For data annotations: the data kind gcc infers for the named section. */
  dataKind?: DataKind;
  /** An init/exit-family annotation that names no section in this configuration (still shown on the symbol). */
  sectionless?: true;
}

const SECTIONLESS: AnnotationInfo = { sectionless: true };

const before = (ctx: AnnotationContext, major: number, minor: number): boolean =>
  ctx.version[0] < major || (ctx.version[0] === major && ctx.version[1] < minor);

/** __meminit*: its own section until 6.11; from 6.12 __init (or nothing with memory hotplug). */
const meminit =
  (old: string, now: string) =>
  (ctx: AnnotationContext): string | undefined =>
    before(ctx, 6, 12) ? old : ctx.config.CONFIG_MEMORY_HOTPLUG ? undefined : now;

/** __init_memblock*: __meminit* unless the architecture keeps memblock after boot. */
const memblock =
  (old: string, now: string) =>
  (ctx: AnnotationContext): string | undefined =>
    ctx.config.CONFIG_ARCH_KEEP_MEMBLOCK ? undefined : meminit(old, now)(ctx);

/** __net_*: empty with network namespaces (their setup runs whenever a namespace is made). */
const netns =
  (section: string) =>
  (ctx: AnnotationContext): string | undefined =>
    ctx.config.CONFIG_NET_NS ? undefined : section;

/** __memexit*: removed in 6.7 and backported to 6.1.y/6.6.y; treat as the old section before 6.7. */
const memexit =
  (old: string) =>
  (ctx: AnnotationContext): string | undefined =>
    before(ctx, 6, 7) ? old : undefined;

/** Object-like annotation macros: blanked before parsing, section-bearing ones mapped. */
export const OBJECT_ANNOTATIONS: Readonly<Record<string, AnnotationInfo>> = {
  // include/linux/init.h
  __init: { section: '.init.text' },
  __initdata: { section: '.init.data', dataKind: 'writable' },
  __initconst: { section: '.init.rodata', dataKind: 'readonly' },
  __exit: { section: '.exit.text' },
  __exitdata: { section: '.exit.data', dataKind: 'writable' },
  __exit_call: { section: '.exitcall.exit' },
  __ref: { section: '.ref.text' },
  __refdata: { section: '.ref.data', dataKind: 'writable' },
  __refconst: { section: '.ref.rodata', dataKind: 'readonly' },
  __meminit: { section: meminit('.meminit.text', '.init.text') },
  __meminitdata: { section: meminit('.meminit.data', '.init.data'), dataKind: 'writable' },
  __meminitconst: { section: meminit('.meminit.rodata', '.init.rodata'), dataKind: 'readonly' },
  __memexit: { section: memexit('.memexit.text') },
  __memexitdata: { section: memexit('.memexit.data'), dataKind: 'writable' },
  __memexitconst: { section: memexit('.memexit.rodata'), dataKind: 'readonly' },
  __nosavedata: { section: '.data..nosave', dataKind: 'writable' },
  __exitused: SECTIONLESS,
  // include/linux/module.h: empty with CONFIG_MODULES=y (every distro kernel)
  __init_or_module: SECTIONLESS,
  __initdata_or_module: SECTIONLESS,
  __initconst_or_module: SECTIONLESS,
  // include/linux/memblock.h: __meminit unless CONFIG_ARCH_KEEP_MEMBLOCK
  __init_memblock: { section: memblock('.meminit.text', '.init.text') },
  __initdata_memblock: { section: memblock('.meminit.data', '.init.data'), dataKind: 'writable' },
  // include/net/net_namespace.h: empty with CONFIG_NET_NS=y (distro kernels)
  __net_init: { section: netns('.init.text') },
  __net_exit: { section: netns('.ref.text') },
  __net_initdata: { section: netns('.init.data'), dataKind: 'writable' },
  __net_initconst: { section: netns('.init.rodata'), dataKind: 'readonly' },
  // other named sections
  __sched: { section: '.sched.text' },
  noinstr: { section: '.noinstr.text' },
  __cpuidle: { section: '.cpuidle.text' },
  __kprobes: { section: '.kprobes.text' },
  __irq_entry: { section: '.irqentry.text' },
  __softirq_entry: { section: '.softirqentry.text' },
  __head: { section: '.head.text' },
  __ro_after_init: { section: '.data..ro_after_init', dataKind: 'writable' },
  // Machine vectors: sh puts them in .machvec.init, alpha in .init.data or .ref.data; modpost
  // checks none of those as a "from" section, so references from them are never mismatches.
  __initmv: { section: '.machvec.init' },
  __read_mostly: { section: '.data..read_mostly', dataKind: 'writable' },
  // removed long ago (3.8 / 3.11), expand to nothing where compat headers still define them
  __devinit: SECTIONLESS,
  __devinitdata: SECTIONLESS,
  __devinitconst: SECTIONLESS,
  __devexit: SECTIONLESS,
  __devexitdata: SECTIONLESS,
  __devexitconst: SECTIONLESS,
  __cpuinit: SECTIONLESS,
  __cpuinitdata: SECTIONLESS,
  __cpuinitconst: SECTIONLESS,
  __cpuexit: SECTIONLESS,
  __cpuexitdata: SECTIONLESS,
  __cpuexitconst: SECTIONLESS,
  __init_refok: { section: '.ref.text' },
  __initdata_refok: { section: '.ref.data', dataKind: 'writable' },
  __exit_refok: { section: '.ref.text' },
  // sparse and compiler attributes without a section
  __user: {},
  __kernel: {},
  __iomem: {},
  __rcu: {},
  __percpu: {},
  __force: {},
  __bitwise: {},
  __safe: {},
  __nocast: {},
  __private: {},
  __must_check: {},
  __maybe_unused: {},
  __always_unused: {},
  __used: {},
  __cold: {},
  __hot: {},
  __weak: {},
  __pure: {},
  __attribute_const__: {},
  __noreturn: {},
  __visible: {},
  __packed: {},
  __latent_entropy: {},
  __randomize_layout: {},
  __no_randomize_layout: {},
  __noinitretpoline: {},
  __noretpoline: {},
  __deprecated: {},
  __always_inline: {},
  noinline: {},
  notrace: {},
  asmlinkage: {},
  __naked: {},
  __noclone: {},
  __flatten: {},
  __nostackprotector: {},
  __no_kcsan: {},
  __no_sanitize_address: {},
  __no_kasan_or_inline: {},
  __fix_address: {},
  ____cacheline_aligned: {},
  ____cacheline_aligned_in_smp: {},
  __cacheline_aligned: {},
  __cacheline_aligned_in_smp: {},
  ____cacheline_internodealigned_in_smp: {},
  __page_aligned_data: {},
  __page_aligned_bss: {},
  __aligned_largest: {},
  __nonstring: {},
  __no_stack_protector: {},
  __noinline_for_stack: {},
  noinline_for_stack: {},
  __xipram: {},
  __async_inline: {},
  __gnu_inline: {},
  __malloc: {},
  __designated_init: {},
  __nocfi: {},
  __no_sanitize_or_inline: {},
  __retain: {},
  __no_profile: {},
  __noscs: {},
  __no_kstack_erase: {},
};

/** Writable data annotations and their read-only twins: the right one for the other const-ness. */
const CONST_TWINS: readonly (readonly [writable: string, readonly: string])[] = [
  ['__initdata', '__initconst'],
  ['__refdata', '__refconst'],
  ['__meminitdata', '__meminitconst'],
  ['__net_initdata', '__net_initconst'],
];

/** The annotation for the other const-ness of `name` (__initdata ⇄ __initconst), if there is one. */
export function constTwin(name: string): string | undefined {
  const pair = CONST_TWINS.find((twins) => twins.includes(name));
  return pair && (pair[0] === name ? pair[1] : pair[0]);
}

/**
 * Function-like attribute macros: `name(…)` is blanked with its balanced argument list.
 * `sectionArgument` marks those whose string argument names the section.
 */
export const FUNCTION_ANNOTATIONS: Readonly<Record<string, { sectionArgument?: boolean }>> = {
  __section: { sectionArgument: true },
  __attribute__: { sectionArgument: true },
  __attribute: { sectionArgument: true },
  __aligned: {},
  __printf: {},
  __scanf: {},
  __must_hold: {},
  __acquires: {},
  __releases: {},
  __cond_acquires: {},
  __alloc_size: {},
  __diagnose_as: {},
  __counted_by: {},
  __compiletime_error: {},
  __compiletime_warning: {},
  __assume_aligned: {},
  __cleanup: {},
  __copy: {},
  __mode: {},
  __free: {},
};

/** Macros whose argument is not a run-time reference (sizeof-like): `sizeof(x)` is no relocation. */
export const NON_REFERENCING_MACROS: ReadonlySet<string> = new Set([
  'ARRAY_SIZE',
  'sizeof_field',
  'offsetof',
  'offsetofend',
  'typeof',
  '__typeof__',
  '__typeof',
  '__same_type',
  'BUILD_BUG_ON',
  'BUILD_BUG_ON_MSG',
  'BUILD_BUG_ON_ZERO',
  'static_assert',
  '_Static_assert',
  '__must_be_array',
  'typeof_member',
  'FIELD_SIZEOF',
  '__alignof__',
  '_Alignof',
]);

/** Section an annotation places a symbol in, for the given kernel; undefined when it names none. */
export function annotationSection(name: string, ctx: AnnotationContext): string | undefined {
  const section = OBJECT_ANNOTATIONS[name]?.section;
  return typeof section === 'function' ? section(ctx) : section;
}
