// Shape of one entry in the macro knowledge table shown in hovers, and the categories that
// group the entries.

export type MacroCategory =
  'annotation' | 'removed-annotation' | 'initcall' | 'module-macro' | 'module-info' | 'param' | 'export' | 'printk' | 'sparse' | 'helper';

export interface MacroDoc {
  /** Macro name as written in code, e.g. "__initdata", "module_platform_driver", "KERN_INFO". */
  name: string;
  category: MacroCategory;
  /** Short signature as used, e.g. "module_param(name, type, perm)"; omit for object-like annotations. */
  signature?: string;
  /** One sentence: what it does. */
  summary: string;
  /** Markdown paragraph(s) with the details, in our own words. */
  details: string;
  /** ELF section it places code/data in, e.g. ".init.data" (only where there is one). */
  section?: string;
  /** When that memory goes away / lifetime. */
  lifetime?: string;
  builtinVsModule?: string;
  mistakes?: string[];
  /** Matching annotation for const data, e.g. "__initconst" for "__initdata". */
  constTwin?: string;
  versionNotes?: string;
  /** True spelling variants of the same macro (e.g. a renamed macro); never a different macro. */
  aliases?: string[];
}
