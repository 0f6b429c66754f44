// Annotation families that no longer exist (__devinit*, __cpuinit*, __memexit*, __init_refok …),
// kept so hovers on old code explain what to write instead; from the history of include/linux/init.h.

import type { MacroDoc } from './types';
import { paragraphs } from './wording';

const UNKNOWN_IDENTIFIER_ERROR =
  "Because the macro no longer exists, gcc sees an unknown identifier in the declaration and stops with a parse error such as `expected '=', ',', ';', 'asm' or '__attribute__' before ...` at that line.";

const UNKNOWN_FUNCTION_ERROR =
  'Because the macro no longer exists, gcc treats it as a call to an undeclared function and the kernel build stops with `implicit declaration of function ...` (and usually `initializer element is not constant`).';

interface RemovedAnnotationRow {
  name: string;
  kind: 'code' | 'data' | 'const' | 'pointer';
  section?: string;
}

interface RemovedFamily {
  /** Short "removed in" text for the summary. */
  removed: string;
  why: string;
  fix: Record<RemovedAnnotationRow['kind'], string>;
  versionNotes: string;
  rows: RemovedAnnotationRow[];
}

const REMOVED_FAMILIES: RemovedFamily[] = [
  {
    removed: 'removed in Linux 3.8',
    why: 'The `__dev*` markers used to let kernels without CONFIG_HOTPLUG discard driver probe/remove code after boot. Once hot-plug became always on, they could never be discarded, so the markers were emptied and then deleted.',
    fix: {
      code: 'Delete the annotation; probe and remove functions are ordinary code.',
      data: 'Delete the annotation; the data is ordinary data.',
      const: 'Delete the annotation; keep the object `const`.',
      pointer: 'Replace `__devexit_p(fn)` with plain `fn`.',
    },
    versionNotes:
      'Removed in Linux 3.8 (2013): first turned into empty macros, then deleted; modpost stopped checking `.devinit.*`/`.devexit.*` at the same time. Not available in any 6.x or 7.x kernel.',
    rows: [
      { name: '__devinit', kind: 'code', section: '.devinit.text' },
      { name: '__devinitdata', kind: 'data', section: '.devinit.data' },
      { name: '__devinitconst', kind: 'const', section: '.devinit.rodata' },
      { name: '__devexit', kind: 'code', section: '.devexit.text' },
      { name: '__devexitdata', kind: 'data', section: '.devexit.data' },
      { name: '__devexitconst', kind: 'const', section: '.devexit.rodata' },
      { name: '__devexit_p', kind: 'pointer' },
    ],
  },
  {
    removed: 'emptied in 3.11, gone by 4.9',
    why: 'The `__cpu*` markers let kernels without CPU hot-plug free CPU bring-up/tear-down code after boot. CPU hot-plug is used by suspend and is practically always enabled, so the markers were removed.',
    fix: {
      code: 'Delete the annotation.',
      data: 'Delete the annotation.',
      const: 'Delete the annotation; keep the object `const`.',
      pointer: 'Use the function directly.',
    },
    versionNotes:
      'Turned into empty macros during the 3.11 cycle (2013) and deleted afterwards; absent by 4.9 at the latest (exact release of the final removal unverified). Not available in any 6.x or 7.x kernel.',
    rows: [
      { name: '__cpuinit', kind: 'code', section: '.cpuinit.text' },
      { name: '__cpuinitdata', kind: 'data', section: '.cpuinit.data' },
      { name: '__cpuinitconst', kind: 'const', section: '.cpuinit.rodata' },
      { name: '__cpuexit', kind: 'code', section: '.cpuexit.text' },
      { name: '__cpuexitdata', kind: 'data', section: '.cpuexit.data' },
      { name: '__cpuexitconst', kind: 'const', section: '.cpuexit.rodata' },
    ],
  },
  {
    removed: 'removed in 6.7 and in later 6.1.y/6.6.y',
    why: 'The `__memexit*` markers were the exit-side counterpart of `__meminit` for memory hot-remove. They had no real users left.',
    fix: {
      code: 'Delete the annotation.',
      data: 'Delete the annotation.',
      const: 'Delete the annotation; keep the object `const`.',
      pointer: 'Use the function directly.',
    },
    versionNotes:
      'Present in 6.1.0 up to early 6.1.y; removed upstream in the 6.7 merge window and the removal was backported to 6.1.y and 6.6.y (around February 2024, ≈6.1.80). Absent in current 6.1.y, 6.6.y, 6.12 and 7.x.',
    rows: [
      { name: '__memexit', kind: 'code', section: '.memexit.text' },
      { name: '__memexitdata', kind: 'data', section: '.memexit.data' },
      { name: '__memexitconst', kind: 'const', section: '.memexit.rodata' },
    ],
  },
];

const REFOK_ROWS: { name: string; replacement: string }[] = [
  { name: '__init_refok', replacement: '__ref' },
  { name: '__initdata_refok', replacement: '__refdata' },
  { name: '__exit_refok', replacement: '__ref' },
];

export function removedAnnotations(): MacroDoc[] {
  const docs: MacroDoc[] = [];
  for (const family of REMOVED_FAMILIES) {
    for (const row of family.rows) {
      const placement = row.section
        ? `It used to place ${row.kind === 'code' ? 'functions' : 'objects'} in \`${row.section}\`.`
        : 'It used to yield the function pointer or NULL depending on the configuration.';
      docs.push({
        name: row.name,
        category: 'removed-annotation',
        signature: row.kind === 'pointer' ? `${row.name}(fn)` : undefined,
        summary: `No longer exists (${family.removed}). ${family.fix[row.kind]}`,
        section: row.section ? `${row.section} (historical)` : undefined,
        details: paragraphs(
          placement,
          family.why,
          row.kind === 'pointer' ? UNKNOWN_FUNCTION_ERROR : UNKNOWN_IDENTIFIER_ERROR,
          family.fix[row.kind],
        ),
        mistakes: ['Copying it from older drivers or tutorials.'],
        versionNotes: family.versionNotes,
      });
    }
  }
  for (const row of REFOK_ROWS) {
    docs.push({
      name: row.name,
      category: 'removed-annotation',
      summary: `No longer exists: old spelling of \`${row.replacement}\`; write \`${row.replacement}\` instead.`,
      details: paragraphs(
        `A compatibility name for \`${row.replacement}\` from the 2.6/3.x era.`,
        UNKNOWN_IDENTIFIER_ERROR,
        `Replace it with \`${row.replacement}\` — and first check whether the reference it hides is really safe.`,
      ),
      versionNotes: 'Present in 3.x kernels, gone by 4.9 (exact release unverified). Not available in 6.x or 7.x.',
    });
  }
  return docs;
}
