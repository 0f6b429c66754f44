// ELF sections as the rest of the analyzer sees them: which class each belongs to, how long its
// memory lives (the words hovers and findings use), where gcc puts unannotated objects, and the
// annotation that names a section. Facts from include/linux/init.h, include/asm-generic/vmlinux.lds.h
// and scripts/mod/modpost.c.

import { annotationSection, OBJECT_ANNOTATIONS } from './annotations';
import { DEBIAN_CONFIG } from './kernel-config';

export type SectionClass = 'init' | 'exit' | 'text' | 'data' | 'ro-data' | 'ref' | 'other';

interface SectionClassInfo {
  /** Sections of this class, by name. */
  pattern?: RegExp;
  /** Freed after init or discarded when built in: references into it can dangle. */
  transient?: true;
  /** How long the memory lives (hover's "Lifetime"). */
  lifetime: string;
  /** What a symbol there is, as the subject of a finding ("<symbol> (<section>) …"). */
  role: { function: string; variable: string };
  /** How long it lives, as the object of a finding ("… but <symbol> is __init (.init.text), …"). */
  targetLifetime?: string;
}

/** In match order: the first class whose pattern matches a section name is its class. */
export const SECTION_CLASSES: Readonly<Record<SectionClass, SectionClassInfo>> = {
  init: {
    pattern: /^\.(init|meminit)\./,
    transient: true,
    lifetime: 'freed right after the module init function returns (after boot when built in)',
    role: {
      function: 'runs only while the module initialises (at insmod, or at boot when built in)',
      variable: 'is init data, freed after module init',
    },
    targetLifetime: 'freed after module init (after boot when built in)',
  },
  exit: {
    pattern: /^\.(exit|memexit)\./,
    transient: true,
    lifetime: 'kept until rmmod; discarded at link time when the code is built into the kernel',
    role: { function: 'runs at rmmod', variable: 'is exit data, used only at rmmod' },
    targetLifetime: 'only kept for module unload and discarded when the code is built into the kernel',
  },
  ref: {
    pattern: /^\.ref\./,
    lifetime: 'stays in memory; __ref tells modpost its references to init/exit code are deliberate',
    role: { function: 'is marked __ref (allowed to reach init code)', variable: 'is marked __refdata' },
  },
  text: {
    pattern: /^\.(text|sched\.text|kprobes\.text|cpuidle\.text|noinstr\.text|ltext)/,
    lifetime: 'stays in memory as long as the module is loaded',
    role: { function: 'stays loaded and can run at any time', variable: 'stays loaded' },
  },
  'ro-data': {
    pattern: /^\.(rodata|data\.rel\.ro|data\.\.ro_after_init)/,
    lifetime: 'read-only; stays in memory as long as the module is loaded',
    role: { function: 'stays loaded', variable: 'is a read-only table that lives as long as the module' },
  },
  data: {
    pattern: /^\.(data|bss)/,
    lifetime: 'stays in memory as long as the module is loaded',
    role: { function: 'stays loaded', variable: 'lives as long as the module and keeps what it points to' },
  },
  other: {
    lifetime: 'lives in a custom section',
    role: {
      function: 'lives in a section modpost does not treat as init or exit',
      variable: 'lives in a section modpost does not treat as init or exit',
    },
  },
};

const CLASS_ORDER = Object.keys(SECTION_CLASSES) as SectionClass[];

/** Each section's class, once worked out: a module has a handful of sections and the checker asks for thousands of symbols. */
const classOf = new Map<string, SectionClass>();
const MAX_CLASSES_KEPT = 1024;

export function sectionClass(section: string): SectionClass {
  let known = classOf.get(section);
  if (known === undefined) {
    known = 'other';
    for (const name of CLASS_ORDER) {
      if (SECTION_CLASSES[name].pattern?.test(section)) {
        known = name;
        break;
      }
    }
    // Custom section names are as many as the code names: the memo stays small.
    if (classOf.size >= MAX_CLASSES_KEPT) classOf.clear();
    classOf.set(section, known);
  }
  return known;
}

/** 1 for init/exit sections, whose memory goes away; 0 for permanent ones (sorts and compares). */
export const isTransient = (section: string): number => (SECTION_CLASSES[sectionClass(section)].transient ? 1 : 0);

/** Where gcc puts an object no annotation places: code, read-only, initialized or zeroed data. */
export function plainSection(kind: 'function' | 'variable', isConst: boolean, initialized = true): string {
  return kind === 'function' ? '.text' : isConst ? '.rodata' : initialized ? '.data' : '.bss';
}

const PLAIN_SECTIONS = new Set(['.text', '.rodata', '.data', '.bss']);

/** Whether no annotation decided `section` (or the one written names nothing in this configuration). */
export const isPlainSection = (section: string): boolean => PLAIN_SECTIONS.has(section);

/**
 * The annotation that names each section, for messages: the first in the annotation table that
 * places a symbol there. Sections whose annotation changed meaning (.meminit.*, .memexit.*) are
 * named as the kernels that still have them do (6.1, no memory hotplug).
 */
const ANNOTATION_OF_SECTION: ReadonlyMap<string, string> = (() => {
  const context = { version: [6, 1] as const, config: { ...DEBIAN_CONFIG, CONFIG_MEMORY_HOTPLUG: false, CONFIG_NET_NS: false } };
  const map = new Map<string, string>();
  for (const name of Object.keys(OBJECT_ANNOTATIONS)) {
    const section = annotationSection(name, context);
    if (section && !map.has(section)) map.set(section, name);
  }
  return map;
})();

/** "__init" for .init.text; "in .foo" for a section no annotation names. */
export function annotationFor(section: string): string {
  return ANNOTATION_OF_SECTION.get(section) ?? `in ${section}`;
}
