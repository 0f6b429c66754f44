// The macro knowledge table shown in hovers, assembled from one module per category, and its lookup.
// Entries are written in our own words from the kernel sources (6.1.x, 6.6, 6.12, 7.1).

import { ANNOTATIONS } from './annotations';
import { driverHelpers, PLATFORM_EXTRA } from './drivers';
import { EXPORT_DOCS } from './exports';
import { HELPER_DOCS } from './helpers';
import { initcalls } from './initcalls';
import { MODULE_CORE } from './module-core';
import { MODULE_INFO_DOCS } from './module-info';
import { PARAM_DOCS } from './params';
import { DEV_MISC, devLevelDocs, devVariantRows, kernLevels, prLevelDocs, PRINTK_MISC, printVariantDocs, prVariantRows } from './printk';
import { removedAnnotations } from './removed';
import { SPARSE_DOCS } from './sparse';
import type { MacroCategory, MacroDoc } from './types';

export type { MacroCategory, MacroDoc };

export const MACRO_DOCS: readonly MacroDoc[] = Object.freeze([
  ...ANNOTATIONS,
  ...removedAnnotations(),
  ...initcalls(),
  ...MODULE_CORE,
  ...driverHelpers(),
  ...PLATFORM_EXTRA,
  ...MODULE_INFO_DOCS,
  ...PARAM_DOCS,
  ...EXPORT_DOCS,
  ...PRINTK_MISC,
  ...kernLevels(),
  ...prLevelDocs(),
  ...printVariantDocs('pr', prVariantRows()),
  ...DEV_MISC,
  ...devLevelDocs(),
  ...printVariantDocs('dev', devVariantRows()),
  ...SPARSE_DOCS,
  ...HELPER_DOCS,
]);

const DOCS_BY_NAME: ReadonlyMap<string, MacroDoc> = (() => {
  const map = new Map<string, MacroDoc>();
  for (const doc of MACRO_DOCS) {
    if (!map.has(doc.name)) map.set(doc.name, doc);
  }
  // Aliases never shadow a real entry of the same name.
  for (const doc of MACRO_DOCS) {
    for (const alias of doc.aliases ?? []) {
      if (!map.has(alias)) map.set(alias, doc);
    }
  }
  return map;
})();

/** name (or alias) -> doc, built once from MACRO_DOCS. */
export function lookupMacroDoc(name: string): MacroDoc | undefined {
  return DOCS_BY_NAME.get(name);
}
