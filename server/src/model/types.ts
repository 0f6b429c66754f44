// Shared data shapes of the analysis engine. Everything here is plain data (structured-clone safe),
// so facts can cross worker-thread boundaries and be cached in the workspace index.

import type { FindingCode, Severity } from '../knowledge/finding-codes';

export type { FindingCode, Severity };

/** 0-based line and UTF-16 column, as LSP and tree-sitter (on JS strings) count them. */
export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

/**
 * A reference, made with its fields in one order wherever it is made (the worker's answer, a body
 * edit, the extractor): the checker's loops over tens of thousands of them then see one object
 * shape, and are not compiled again for another (a spread made a second shape).
 */
export function reference(name: string, at: { line: number; character: number }, from: string, fromIndex: number): Reference {
  return { name, line: at.line, character: at.character, from, fromIndex };
}

export function referenceRange(ref: Reference): Range {
  return { start: { line: ref.line, character: ref.character }, end: { line: ref.line, character: ref.character + ref.name.length } };
}

export type SymbolKind = 'function' | 'variable';

/** Identifies a finding: the same one found through two units or two modules is reported once. */
export function findingKey(finding: Finding): string {
  return `${finding.uri}\n${finding.range.start.line}:${finding.range.start.character}\n${finding.code}\n${finding.message}`;
}

/** A top-level function or variable definition (or prototype) with its inferred ELF section. */
export interface SymbolDef {
  name: string;
  kind: SymbolKind;
  /** ELF section the compiler will place the symbol in, e.g. ".init.text", ".data", ".rodata". */
  section: string;
  /** The annotation macros that decided the section (e.g. ["__initdata"]); empty when none. */
  annotations: string[];
  isDefinition: boolean;
  isStatic: boolean;
  isConst: boolean;
  /** __always_inline functions are copied into their callers: calling them leaves no reference. */
  alwaysInline?: boolean;
  /** `static inline`: gcc emits it only where it is used, usually inlined into its callers. */
  isInline?: boolean;
  /** A static local variable: the index in FileFacts.symbols of the function it is declared in. */
  localTo?: number;
  /** Range of the name identifier. */
  nameRange: Range;
  /** Range of the whole item (declaration or function definition). */
  fullRange: Range;
  /** Ranges of each annotation occurrence, parallel to `annotations`. */
  annotationRanges: Range[];
}

/** One identifier use; flat numbers rather than a Range because a file has thousands of them. */
export interface Reference {
  /** The referenced identifier. */
  name: string;
  /** 0-based line and UTF-16 column of its first character; an identifier never spans lines. */
  line: number;
  character: number;
  /** Name of the top-level symbol whose body/initializer contains the reference. */
  from: string;
  /** Index in FileFacts.symbols of that symbol (names can repeat across #if branches). */
  fromIndex: number;
}

/** A symbol-generating or symbol-using macro at file scope: module_init(x), EXPORT_SYMBOL(x), … */
export interface MacroUse {
  macro: string;
  /** The symbol argument (e.g. x); for module_*_driver(X) the driver struct name X. */
  argument: string;
  range: Range;
  argumentRange: Range;
}

/** Everything the checker needs to know about one file; produced by parse + extract. */
export type ConditionalKind = 'if' | 'ifdef' | 'ifndef' | 'elif' | 'else' | 'endif';

/** One conditional directive of a file: `#ifdef CONFIG_X` is `{ kind: 'ifdef', condition: 'CONFIG_X' }`. */
export interface ConditionalDirective {
  /** 0-based line of the `#`. */
  line: number;
  kind: ConditionalKind;
  /** The expression or name after the keyword, comments removed. */
  condition: string;
}

export interface FileFacts {
  uri: string;
  symbols: SymbolDef[];
  references: Reference[];
  macroUses: MacroUse[];
  /** An included file whose bodies were not analyzed: nothing in it named the module's init/exit symbols yet. */
  deferred?: true;
  /** Section annotations this file `#define`s to nothing (a userspace test harness, boot code): they mean nothing in its units. */
  emptiedAnnotations?: string[];
  /** Included names in the order written: `x.h` for `#include "x.h"`, `<x.h>` for `#include <x.h>`. */
  includes?: string[];
  /**
   * Arguments of the file's own macros invoked on a line of their own at file scope
   * (`DECLARE_PRIMITIVE(ASSOCIATE)`): such a macro may define names made from its argument.
   */
  invocationArguments?: string[];
  /** Its `#if`/`#ifdef`/… lines, for deciding with a kernel configuration what is compiled. */
  conditionals?: ConditionalDirective[];
  /** Lines whose findings a `kmod-ignore` comment silences (parsing/suppressions.ts). */
  suppressions?: Suppression[];
  /** Set when the parser could not analyze the file (trap, oversize): the reason, for the user. */
  unanalyzable?: string;
  /** The failure may not happen again (a worker crashed): worth another try later. */
  transient?: true;
}

/** A line whose findings a comment silences: of the listed codes, or of every code. */
export interface Suppression {
  /** 0-based line the findings start on. */
  line: number;
  codes?: string[];
}

export interface SymbolSection {
  symbol: string;
  section: string;
}

export interface Finding {
  uri: string;
  range: Range;
  severity: Severity;
  code: FindingCode;
  message: string;
  from: SymbolSection | null;
  to: SymbolSection | null;
  /** Where the referenced symbol is defined (for related information and quick fixes). */
  related?: { uri: string; range: Range; message: string }[];
  /** How modpost of the selected kernel version prints this finding, when it does. */
  modpost?: string;
  /** A fix the checker could work out by itself (an import or licence line to add), offered as a quick fix. */
  edit?: { title: string; uri: string; range: Range; newText: string };
}
