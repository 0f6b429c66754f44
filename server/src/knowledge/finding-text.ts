// The words of a section-mismatch finding, as data: what the referencing code is, how long the
// referenced memory lives, and what breaks. Messages name both symbols, both sections, when the
// memory goes away, and what goes wrong.

export type SectionClass = 'init' | 'exit' | 'text' | 'data' | 'ro-data' | 'ref' | 'other';

const CLASS_PATTERNS: readonly [RegExp, SectionClass][] = [
  [/^\.(init|meminit)\./, 'init'],
  [/^\.(exit|memexit)\./, 'exit'],
  [/^\.ref\./, 'ref'],
  [/^\.(text|sched\.text|kprobes\.text|cpuidle\.text|noinstr\.text|ltext)/, 'text'],
  [/^\.(rodata|data\.rel\.ro|data\.\.ro_after_init)/, 'ro-data'],
  [/^\.(data|bss)/, 'data'],
];

export function sectionClass(section: string): SectionClass {
  return CLASS_PATTERNS.find(([re]) => re.test(section))?.[1] ?? 'other';
}

/** 1 for init/exit sections, whose memory goes away; 0 for permanent ones (sorts and compares). */
export const isTransient = (section: string): number => (/^\.(init|exit|meminit|memexit)\./.test(section) ? 1 : 0);

/** "<from> <role>" — what the referencing symbol is, by its section class and kind. */
const FROM_ROLE: Record<SectionClass, { function: string; variable: string }> = {
  init: { function: 'runs only while the module initialises (at insmod, or at boot when built in)', variable: 'is init data, freed after module init' },
  exit: { function: 'runs at rmmod', variable: 'is exit data, used only at rmmod' },
  text: { function: 'stays loaded and can run at any time', variable: 'stays loaded' },
  data: { function: 'stays loaded', variable: 'lives as long as the module and keeps what it points to' },
  'ro-data': { function: 'stays loaded', variable: 'is a read-only table that lives as long as the module' },
  ref: { function: 'is marked __ref (allowed to reach init code)', variable: 'is marked __refdata' },
  other: { function: 'lives in a section modpost does not treat as init or exit', variable: 'lives in a section modpost does not treat as init or exit' },
};

/** "<to> is <annotation> (<section>), <lifetime>" — how long the target lives. */
const TO_LIFETIME: Partial<Record<SectionClass, string>> = {
  init: 'freed after module init (after boot when built in)',
  exit: 'only kept for module unload and discarded when the code is built into the kernel',
};

/**
 * What breaks, by "<from class>-><to class>" (most specific first, then "*->to", then the default).
 * {use} is "calling it"/"reading it", {uses} "calls"/"reads".
 */
const CONSEQUENCES: Readonly<Record<string, string>> = {
  'exit->init': '{use} at rmmod touches freed memory and oopses; the module then stays "in use" until reboot',
  '*->init': '{use} after init touches freed memory and oopses',
  'init->exit': "when built in, init's error path {uses} code that was discarded at link time",
  '*->exit': '{use} outside unload fails when the module is built in, where exit code is discarded',
  '*->*': '{use} after its section is gone is a bug',
};

function consequence(fromClass: SectionClass, toClass: SectionClass, toKind: 'function' | 'variable'): string {
  const template = CONSEQUENCES[`${fromClass}->${toClass}`] ?? CONSEQUENCES[`*->${toClass}`] ?? CONSEQUENCES['*->*'];
  return template
    .replace('{use}', toKind === 'function' ? 'calling it' : 'reading it')
    .replace('{uses}', toKind === 'function' ? 'calls' : 'reads');
}

export function annotationFor(section: string): string {
  const known: Record<string, string> = {
    '.init.text': '__init', '.init.data': '__initdata', '.init.rodata': '__initconst', '.exit.text': '__exit',
    '.exit.data': '__exitdata', '.meminit.text': '__meminit', '.meminit.data': '__meminitdata',
    '.meminit.rodata': '__meminitconst', '.memexit.text': '__memexit', '.ref.text': '__ref', '.ref.data': '__refdata',
  };
  return known[section] ?? `in ${section}`;
}

export interface MismatchWords {
  from: string;
  fromSection: string;
  fromKind: 'function' | 'variable';
  to: string;
  toSection: string;
  toKind: 'function' | 'variable';
}

export function mismatchMessage(w: MismatchWords): string {
  const fromClass = sectionClass(w.fromSection);
  const toClass = sectionClass(w.toSection);
  const role = FROM_ROLE[fromClass][w.fromKind];
  const lifetime = TO_LIFETIME[toClass] ?? `in ${w.toSection}`;
  return `${w.from} (${w.fromSection}) ${role}, but ${w.to} is ${annotationFor(w.toSection)} (${w.toSection}), ${lifetime}: ${consequence(fromClass, toClass, w.toKind)}.`;
}
