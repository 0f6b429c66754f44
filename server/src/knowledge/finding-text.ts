// The words of a section-mismatch finding: what the referencing code is and how long the
// referenced memory lives (from sections.ts), and what breaks (here). Messages name both symbols,
// both sections, when the memory goes away, and what goes wrong.

import { annotationFor, SECTION_CLASSES, sectionClass, type SectionClass } from './sections';

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
  const role = SECTION_CLASSES[fromClass].role[w.fromKind];
  const lifetime = SECTION_CLASSES[toClass].targetLifetime ?? `in ${w.toSection}`;
  return `${w.from} (${w.fromSection}) ${role}, but ${w.to} is ${annotationFor(w.toSection)} (${w.toSection}), ${lifetime}: ${consequence(fromClass, toClass, w.toKind)}.`;
}
