// Turns a tree-sitter tree of a pre-passed C file into FileFacts: top-level symbols with their
// inferred ELF section, the identifiers each body or initializer references, and file-scope macro
// uses (module_init, EXPORT_SYMBOL, module_*_driver, …). The tree is only walked at file scope
// (with a cursor: Node.parent on deep error-recovery trees traps the WASM runtime); bodies are
// scanned as text (references.ts).

import type { Node, Tree, TreeCursor } from 'web-tree-sitter';
import { annotationSection, OBJECT_ANNOTATIONS, type AnnotationContext } from '../knowledge/annotations';
import { plainSection } from '../knowledge/sections';
import { moduleMacro } from '../knowledge/module-macros';
import {
  reference,
  type ConditionalDirective,
  type FileFacts,
  type MacroUse,
  type Reference,
  type Suppression,
  type SymbolDef,
} from '../model/types';
import { detached } from './detached';
import { LineIndex } from './line-index';
import { explicitSection, type BlankedMacro, type PrepassResult } from './prepass';
import { scanBody, type BodyRange, type FoundLocal, type FoundReference } from './references';
import type { CutText } from './skeleton';
import { suppressionsIn } from './suppressions';

/** Macros used as statements at file scope, often without their `;`: module_init(x), MODULE_LICENSE("…"), EXPORT_SYMBOL(x). */
const FILE_SCOPE_MACRO = /^(?:module_[a-z0-9_]+|MODULE_[A-Z_]+|EXPORT_SYMBOL[A-Z_]*|[a-z_]*initcall(?:_sync)?|builtin_[a-z_]*driver)$/;

export interface ExtractOptions extends AnnotationContext {
  /** Built into vmlinux rather than a loadable module: `__exit_p(x)` is then NULL, not a reference. */
  builtin: boolean;
  /**
   * A file a unit includes. It is parsed when it has section annotations, exports or `#define __…`;
   * one whose only code is inline functions or static data is parsed only when it mentions one of
   * `mentions` (the module's init/exit symbols), else only its includes are read (facts `deferred`).
   */
  included?: true | { mentions: readonly string[] };
}

/** Nodes whose children are file-scope items too. */
const CONTAINERS = new Set([
  'preproc_if',
  'preproc_ifdef',
  'preproc_else',
  'preproc_elif',
  'preproc_elifdef',
  'ERROR',
  'linkage_specification',
  'declaration_list',
]);

const MAX_DECLARATOR_NESTING = 64;

const INLINE_WORDS = ['inline', '__inline', '__inline__'];

/** An `#include "name"` or `#include <name>` line (dead `#if 0` code is blanked already). */
const INCLUDE = /^[ \t]*#[ \t]*include[ \t]*(?:"([^"\n]+)"|<([^>\n]+)>)/;

/**
 * The lines of `text` that start with `#` (after blanks), in order. A regular expression over the
 * whole text costs a millisecond on a 700 KB file, on every edit; a kernel file has a few hundred `#`.
 */
function directiveLines(text: string): string[] {
  const lines: string[] = [];
  for (let hash = text.indexOf('#'); hash >= 0; hash = text.indexOf('#', hash + 1)) {
    let start = hash;
    while (start > 0 && (text.charCodeAt(start - 1) === 32 || text.charCodeAt(start - 1) === 9)) start--;
    if (start > 0 && text.charCodeAt(start - 1) !== 10) continue;
    const end = text.indexOf('\n', hash);
    lines.push(text.slice(start, end < 0 ? text.length : end));
    if (end < 0) break;
    hash = end;
  }
  return lines;
}

/** Include names as written: `"x.h"` → `x.h`, `<x.h>` → `<x.h>` (searched in -I directories only). */
/** `#define __init` with nothing after it: the annotation is emptied where this file is compiled. */
const EMPTY_DEFINE = /^[ \t]*#[ \t]*define[ \t]+(__[A-Za-z0-9_]+)[ \t]*(?:\/\*.*?\*\/[ \t]*)?(?:\/\/.*)?\r?$/;

export function emptiedAnnotations(prepassed: string, directives = directiveLines(prepassed)): string[] {
  const names = new Set<string>();
  for (const line of directives) {
    const name = EMPTY_DEFINE.exec(line)?.[1];
    if (name && OBJECT_ANNOTATIONS[name]?.section !== undefined) names.add(name);
  }
  return [...names];
}

/** A line that is only `NAME(argument)` or `NAME(argument);`, NAME in capitals: a macro invoked at file scope. */
const FILE_SCOPE_INVOCATION = /^([A-Z][A-Z0-9_]*)\([ \t]*([A-Za-z_]\w*)[ \t]*\)[ \t]*;?[ \t]*\r?$/gm;

/** Arguments of file-scope invocations of macros the analyzer does not know, in the skeleton (bodies cut out). */
export function invocationArguments(skeletonText: string): string[] {
  if (!skeletonText.includes('(')) return [];
  return [
    ...new Set(
      [...skeletonText.matchAll(FILE_SCOPE_INVOCATION)].filter((m) => !moduleMacro(m[1]) && !OBJECT_ANNOTATIONS[m[1]]).map((m) => m[2]),
    ),
  ];
}

export function includeNames(prepassed: string, directives = directiveLines(prepassed)): string[] {
  const names: string[] = [];
  for (const line of directives) {
    const m = INCLUDE.exec(line);
    // Kept in tables (where includes lead) long after the text is gone.
    if (m) names.push(detached(m[1] ?? `<${m[2]}>`));
  }
  return names;
}

interface DeclaratorInfo {
  nameNode: Node;
  /** The layer next to the name is a function declarator: a prototype or definition. */
  isFunction: boolean;
  isConst: boolean;
  parameters?: Node;
}

/** Follows a declarator chain down to its identifier, noting what the object is. */
function analyzeDeclarator(declarator: Node, declarationIsConst: boolean): DeclaratorInfo | undefined {
  const layers: Node[] = [];
  let node: Node | null = declarator;
  for (let i = 0; node && i < MAX_DECLARATOR_NESTING; i++) {
    if (node.type === 'identifier' || node.type === 'field_identifier') break;
    if (node.type !== 'parenthesized_declarator') layers.push(node);
    node = node.type === 'parenthesized_declarator' ? node.firstNamedChild : node.childForFieldName('declarator');
  }
  if (!node || node.type !== 'identifier') return undefined;
  const inner = layers[layers.length - 1];
  const isFunction = inner?.type === 'function_declarator';
  // The object's own const-ness: the innermost non-array layer decides (arrays take their elements').
  let isConst = declarationIsConst;
  for (let i = layers.length - 1; i >= 0; i--) {
    const layer = layers[i];
    if (layer.type === 'array_declarator') continue;
    if (layer.type === 'pointer_declarator') {
      isConst = layer.namedChildren.some((child) => child?.type === 'type_qualifier' && child.text === 'const');
    }
    break;
  }
  return { nameNode: node, isFunction, isConst, parameters: isFunction ? (inner.childForFieldName('parameters') ?? undefined) : undefined };
}

/** Names declared by a parameter list: they shadow globals inside the body. */
function parameterNames(parameters: Node | undefined): string[] {
  if (!parameters) return [];
  const names: string[] = [];
  for (const parameter of parameters.namedChildren) {
    const declarator = parameter?.childForFieldName('declarator');
    if (!declarator) continue;
    const info = analyzeDeclarator(declarator, false);
    if (info) names.push(info.nameNode.text);
  }
  return names;
}

/** A name a file-scope item declares; offsets are relative to the item's start in the parsed text. */
interface DeclaredName {
  name: string;
  start: number;
  end: number;
  isFunction: boolean;
  isConst: boolean;
}

interface MacroUseShape {
  macro: string;
  argument: string;
  range: [number, number];
  argumentRange: [number, number];
}

/**
 * What a file-scope item says, read from its subtree alone (offsets relative to the item's start in
 * the parsed text): the same text at file scope reads the same, wherever it moved. Reading it is
 * most of the tree walk's cost (every node access is a WASM call), so an open document keeps the
 * shapes of its items for the next edit (ItemShapes).
 */
type ItemShape =
  | {
      kind: 'function';
      /** The body's braces, when it has one. */
      body?: [number, number];
      /** Undefined when the "function" is a macro-made object (`define_machine(foo) {…}`). */
      symbol?: DeclaredName & { isStatic: boolean; isInline: boolean; parameters: string[] };
    }
  | {
      kind: 'declaration';
      isStatic: boolean;
      declarators: { name: DeclaredName; isDefinition: boolean; value?: [number, number] }[];
    }
  | { kind: 'macros'; uses: MacroUseShape[] }
  | { kind: 'other' };

/** Where the first file-scope item with a syntax error in it starts (the end when none has one). */
function firstErrorAt(root: Node): number {
  for (const item of root.children) if (item?.hasError) return item.startIndex;
  return root.endIndex;
}

/** Shapes of an open document's file-scope items, by item text, from its last analysis to the next. */
export type ItemShapes = Map<string, ItemShape>;

/**
 * How far an extraction base's texts are still those being analyzed (at least: the lengths of
 * their common prefixes; a prefix said shorter than it is only takes fewer items from the base).
 */
export interface SameUntil {
  source: number;
  prepassed: number;
  parsed: number;
}

/** An open document's extraction base, and how far it still holds. */
export interface KeptBase {
  extraction: ExtractionBase;
  sameUntil: SameUntil;
}

/** What an open document's analyses keep for the next: the shapes of its items, and its last extraction from a tree without errors. */
export interface ShapeMemo {
  previous: ItemShapes;
  next: ItemShapes;
  treeHasErrors: boolean;
  base?: KeptBase;
  /** The text's line index, made from the last analysis's. */
  lines?: LineIndex;
  /** The text's silenced lines, when its edit told them (the whole text is not searched for the marker). */
  suppressions?: Suppression[];
}

type DeclaredSection = { section: string; annotations: string[]; annotationRanges: SymbolDef['annotationRanges'] };

/** Where a file-scope item began in an extraction: its extent in the parsed text, and how much had been found before it. */
interface ItemStart {
  start: number;
  end: number;
  symbols: number;
  macroUses: number;
  bodies: number;
  macroCursor: number;
  declared: number;
}

/**
 * An extraction from a tree without errors, kept to start the next one from: the items before a
 * change (the same text, pre-pass and skeleton up to there) are taken as they were, not read again.
 */
export interface ExtractionBase {
  items: ItemStart[];
  /** After the last item. */
  end: ItemStart;
  symbols: readonly SymbolDef[];
  macroUses: readonly MacroUse[];
  bodies: readonly BodyRange[];
  declared: readonly [string, DeclaredSection][];
}

const OTHER: ItemShape = { kind: 'other' };

/** The declaration's storage class and qualifiers, from one pass over its children (each child read costs a WASM call). */
function storage(node: Node): { isStatic: boolean; isExtern: boolean; isConst: boolean; isInline: boolean } {
  const found = { isStatic: false, isExtern: false, isConst: false, isInline: false };
  for (const child of node.namedChildren) {
    const type = child?.type;
    if (type === 'storage_class_specifier') {
      const word = child!.text;
      if (word === 'static') found.isStatic = true;
      else if (word === 'extern') found.isExtern = true;
      else if (INLINE_WORDS.includes(word)) found.isInline = true;
    } else if (type === 'type_qualifier' && child!.text === 'const') found.isConst = true;
  }
  return found;
}

/** The shape of the item `node` (a function definition, declaration or expression statement) starting at `start`. */
function readShape(node: Node, type: string, start: number): ItemShape {
  const relative = (part: Node): [number, number] => [part.startIndex - start, part.endIndex - start];
  const declaredName = (info: DeclaratorInfo): DeclaredName => ({
    name: info.nameNode.text,
    start: info.nameNode.startIndex - start,
    end: info.nameNode.endIndex - start,
    isFunction: info.isFunction,
    isConst: info.isConst,
  });
  if (type === 'function_definition') {
    const body = node.childForFieldName('body');
    const declarator = node.childForFieldName('declarator');
    const info = declarator && analyzeDeclarator(declarator, false);
    // `define_machine(foo) { .probe = … }` parses as a "function" `define_machine (foo)` without a
    // parameter list: a macro-made object in a section of its own, not code. Leave it alone.
    if (!info?.isFunction) return { kind: 'function', ...(body ? { body: relative(body) } : {}) };
    const { isStatic, isInline } = storage(node);
    return {
      kind: 'function',
      ...(body ? { body: relative(body) } : {}),
      symbol: { ...declaredName(info), isStatic, isInline, parameters: parameterNames(info.parameters) },
    };
  }
  if (type === 'declaration') {
    const pair = macroStatementPair(node, relative);
    if (pair) return pair;
    const { isStatic, isExtern, isConst } = storage(node);
    const declarators: Extract<ItemShape, { kind: 'declaration' }>['declarators'] = [];
    for (const declaratorField of node.childrenForFieldName('declarator')) {
      if (!declaratorField) continue;
      const value = declaratorField.type === 'init_declarator' ? declaratorField.childForFieldName('value') : null;
      const declarator = declaratorField.type === 'init_declarator' ? declaratorField.childForFieldName('declarator') : declaratorField;
      // `DEFINE_LSM(bpf) = {…}` parses as a declarator `(bpf)` of a type DEFINE_LSM: a macro-made
      // object whose section the macro decides. Nobody parenthesizes a plain name; leave it alone.
      if (declarator?.type === 'parenthesized_declarator') continue;
      const info = declarator && analyzeDeclarator(declarator, isConst);
      if (!info) continue;
      const isDefinition = !info.isFunction && (!isExtern || value !== null);
      declarators.push({ name: declaredName(info), isDefinition, ...(value ? { value: relative(value) } : {}) });
    }
    return { kind: 'declaration', isStatic, declarators };
  }
  return macroStatement(node, relative);
}

/**
 * `module_exit(x)` written without its `;` before `MODULE_LICENSE("GPL");` parses as one
 * declaration: a macro type `module_exit(x)` and a function declarator `MODULE_LICENSE(…)`.
 * When the type is such a file-scope macro, both are macro statements, not a prototype.
 */
function macroStatementPair(node: Node, relative: (part: Node) => [number, number]): ItemShape | undefined {
  const type = node.childForFieldName('type');
  const name = type?.type === 'macro_type_specifier' ? type.childForFieldName('name') : null;
  if (!type || !name || !FILE_SCOPE_MACRO.test(name.text)) return undefined;
  const inner = type.childForFieldName('type');
  const uses: MacroUseShape[] = [
    { macro: name.text, argument: inner?.text ?? '', range: relative(name), argumentRange: relative(inner ?? name) },
  ];
  const declarator = node.childForFieldName('declarator');
  const callee = declarator?.type === 'function_declarator' ? declarator.childForFieldName('declarator') : null;
  const argument = declarator?.childForFieldName('parameters')?.firstNamedChild;
  if (callee?.type === 'identifier' && FILE_SCOPE_MACRO.test(callee.text)) {
    const text = argument?.type === 'parameter_declaration' ? argument.text : '';
    uses.push({ macro: callee.text, argument: text, range: relative(callee), argumentRange: relative(argument ?? callee) });
  }
  return { kind: 'macros', uses };
}

/** File-scope `name(arg, …);` statements: module_init(x), EXPORT_SYMBOL(x), module_*_driver(x). */
function macroStatement(node: Node, relative: (part: Node) => [number, number]): ItemShape {
  const call = node.firstNamedChild;
  if (call?.type !== 'call_expression') return { kind: 'macros', uses: [] };
  const callee = call.childForFieldName('function');
  const argument = call.childForFieldName('arguments')?.firstNamedChild;
  if (callee?.type !== 'identifier') return { kind: 'macros', uses: [] };
  const argumentText = argument?.type === 'identifier' ? argument.text : argument?.type === 'string_literal' ? argument.text : '';
  return {
    kind: 'macros',
    uses: [{ macro: callee.text, argument: argumentText, range: relative(callee), argumentRange: relative(argument ?? callee) }],
  };
}

class Extractor {
  private readonly lines: LineIndex;
  readonly symbols: SymbolDef[] = [];
  readonly macroUses: MacroUse[] = [];
  readonly bodies: BodyRange[] = [];
  /** Sections named by earlier declarations (prototypes, extern), which gcc carries over; and the same in the order set. */
  private readonly declaredSections = new Map<string, DeclaredSection>();
  private readonly declaredLog: [string, DeclaredSection][] = [];
  private macroCursor = 0;
  /** Where each file-scope item began (for the next extraction of an open document). */
  readonly items: ItemStart[] = [];

  constructor(
    source: string,
    private readonly macros: readonly BlankedMacro[],
    private readonly options: ExtractOptions,
    private readonly parsed: CutText,
    lines?: LineIndex,
  ) {
    this.lines = lines ?? new LineIndex(source);
  }

  /** The pre-pass's conditional directives, by line. */
  conditionals(directives: PrepassResult['directives']): ConditionalDirective[] {
    return directives.map(({ offset, kind, condition }) => ({ line: this.lines.positionAt(offset).line, kind, condition }));
  }

  /** A parsed-text offset as an offset of the user's text (the parser saw bodies cut out). */
  private at(offset: number): number {
    return this.parsed.toFull(offset);
  }

  /**
   * The items a previous extraction (`base`) found before the first change and before `errorFrom`,
   * taken as they were; the cursor is left on the first item to read (false: nothing is left to
   * read; undefined: nothing could be taken).
   */
  private resume({ extraction: base, sameUntil }: KeptBase, cursor: TreeCursor, errorFrom: number): boolean | undefined {
    const full = Math.min(sameUntil.source, sameUntil.prepassed);
    const parsed = Math.min(sameUntil.parsed, errorFrom + 1);
    // Items that end before the change, in the parser's text and in the user's (a body cut out may hold it).
    let kept = 0;
    while (kept < base.items.length && base.items[kept].end < parsed && this.at(base.items[kept].end) < full) kept++;
    if (kept === 0) return undefined;
    const first = base.items[kept] ?? base.end;
    // The first item to read starts where it did, or after the last kept one (the text before it is the same).
    const goal = kept < base.items.length ? first.start : base.items[kept - 1].end;
    const more = cursor.gotoFirstChildForIndex(goal);
    if (more && (kept < base.items.length ? cursor.startIndex !== first.start : cursor.startIndex < goal)) return undefined;
    if (!more && kept < base.items.length) return undefined;
    this.symbols.push(...base.symbols.slice(0, first.symbols));
    this.macroUses.push(...base.macroUses.slice(0, first.macroUses));
    this.bodies.push(...base.bodies.slice(0, first.bodies));
    for (const [name, declared] of base.declared.slice(0, first.declared)) {
      this.declaredSections.set(name, declared);
      this.declaredLog.push([name, declared]);
    }
    this.macroCursor = first.macroCursor;
    this.items.push(...base.items.slice(0, kept));
    return more;
  }

  /** Where an item after the last would begin: how much was found in all. */
  private counts(): ItemStart {
    const end = this.parsed.text.length;
    return {
      start: end,
      end,
      symbols: this.symbols.length,
      macroUses: this.macroUses.length,
      bodies: this.bodies.length,
      macroCursor: this.macroCursor,
      declared: this.declaredLog.length,
    };
  }

  /** The extraction as a base for the next one (of a tree without errors). */
  base(): ExtractionBase {
    return {
      items: this.items,
      end: this.counts(),
      symbols: this.symbols.slice(),
      macroUses: this.macroUses.slice(),
      bodies: this.bodies.slice(),
      declared: this.declaredLog,
    };
  }

  run(root: Node, shapes?: ShapeMemo): void {
    const cursor = root.walk();
    try {
      // A tree with errors is parsed from scratch: the items before its first error read as they did.
      const resumed = shapes?.base ? this.resume(shapes.base, cursor, shapes.treeHasErrors ? firstErrorAt(root) : Infinity) : undefined;
      if (resumed === false) return;
      if (resumed === undefined) {
        // resume() took nothing, but may have moved the cursor.
        cursor.reset(root);
        if (!cursor.gotoFirstChild()) return;
      }
      let depth = 0;
      for (;;) {
        const type = cursor.nodeType;
        if (depth === 0) this.items.push({ ...this.counts(), start: cursor.startIndex, end: cursor.endIndex });
        if (CONTAINERS.has(type) && cursor.gotoFirstChild()) {
          depth++;
          continue;
        }
        const start = cursor.startIndex;
        const end = cursor.endIndex;
        let shape: ItemShape;
        if (type !== 'function_definition' && type !== 'declaration' && type !== 'expression_statement') shape = OTHER;
        else if (shapes && (!shapes.treeHasErrors || depth === 0)) {
          const key = `${depth} ${type} ${this.parsed.text.slice(start, end)}`;
          const node = shapes.treeHasErrors ? cursor.currentNode : undefined;
          // In a tree with errors, only a file-scope item with none of its own reads as it would anywhere.
          if (node?.hasError) shape = readShape(node, type, start);
          else {
            shape = shapes.previous.get(key) ?? readShape(node ?? cursor.currentNode, type, start);
            shapes.next.set(key, shape);
          }
        } else shape = readShape(cursor.currentNode, type, start);
        this.apply(shape, start, end);
        while (!cursor.gotoNextSibling()) {
          if (depth === 0 || !cursor.gotoParent()) return;
          depth--;
        }
      }
    } finally {
      cursor.delete();
    }
  }

  /** Adds what an item at [start, end) of the parsed text declares. */
  private apply(shape: ItemShape, start: number, end: number): void {
    const item: [number, number] = [this.at(start), this.at(end)];
    switch (shape.kind) {
      case 'function': {
        const macros = this.takeMacros(shape.body ? this.at(start + shape.body[0]) : item[1]);
        this.skipMacrosBefore(item[1]);
        const { symbol, body } = shape;
        if (!symbol) return;
        this.addSymbol(symbol, start, item, macros, {
          isDefinition: true,
          isStatic: symbol.isStatic,
          hasInitializer: false,
          isInline: symbol.isInline,
        });
        if (body)
          this.bodies.push({
            start: this.at(start + body[0]),
            end: this.at(start + body[1]),
            fromIndex: this.symbols.length - 1,
            parameters: symbol.parameters,
          });
        return;
      }
      case 'declaration': {
        const macros = this.takeMacros(item[1]);
        for (const { name, isDefinition, value } of shape.declarators) {
          this.addSymbol(name, start, item, macros, { isDefinition, isStatic: shape.isStatic, hasInitializer: value !== undefined });
          if (value)
            this.bodies.push({
              start: this.at(start + value[0]),
              end: this.at(start + value[1]),
              fromIndex: this.symbols.length - 1,
              parameters: [],
            });
        }
        return;
      }
      case 'macros':
        this.skipMacrosBefore(item[1]);
        for (const use of shape.uses)
          this.macroUses.push({
            macro: use.macro,
            argument: use.argument,
            range: this.lines.rangeOf(this.at(start + use.range[0]), this.at(start + use.range[1])),
            argumentRange: this.lines.rangeOf(this.at(start + use.argumentRange[0]), this.at(start + use.argumentRange[1])),
          });
        return;
      case 'other':
        this.skipMacrosBefore(item[1]);
    }
  }

  /** Blanked macros between the previous item and `limit` belong to the current item. */
  private takeMacros(limit: number): BlankedMacro[] {
    const taken: BlankedMacro[] = [];
    while (this.macroCursor < this.macros.length && this.macros[this.macroCursor].start < limit) {
      taken.push(this.macros[this.macroCursor++]);
    }
    return taken;
  }

  private skipMacrosBefore(end: number): void {
    while (this.macroCursor < this.macros.length && this.macros[this.macroCursor].start < end) this.macroCursor++;
  }

  private sectionOf(macros: readonly BlankedMacro[]): { section?: string; annotations: string[]; ranges: BlankedMacro[] } {
    const annotations: string[] = [];
    const ranges: BlankedMacro[] = [];
    let section: string | undefined;
    for (const macro of macros) {
      const named = explicitSection(macro) ?? annotationSection(macro.name, this.options);
      // Keep what decides or documents the section; plain attributes (__iomem, __cold, …) are dropped.
      const info = OBJECT_ANNOTATIONS[macro.name];
      if (named === undefined && macro.name !== '__section' && info?.section === undefined && !info?.sectionless) continue;
      annotations.push(macro.name);
      ranges.push(macro);
      section ??= named;
    }
    return { section, annotations, ranges };
  }

  private addSymbol(
    declared: DeclaredName,
    itemStart: number,
    item: [number, number],
    macros: readonly BlankedMacro[],
    fields: Pick<SymbolDef, 'isDefinition' | 'isStatic'> & { hasInitializer: boolean; isInline?: boolean },
  ): SymbolDef {
    const own = this.sectionOf(macros);
    const name = declared.name;
    // gcc merges attributes across declarations: `static void __init f(void);` earlier in the
    // file puts a later plain `static void f(void) {…}` in .init.text too.
    const declaredBefore = own.section === undefined ? this.declaredSections.get(name) : undefined;
    const { section, annotations } = declaredBefore ?? own;
    const kind = declared.isFunction ? 'function' : 'variable';
    const fallback = plainSection(kind, declared.isConst, fields.hasInitializer);
    const symbol: SymbolDef = {
      name,
      kind,
      section: section ?? fallback,
      annotations,
      isDefinition: fields.isDefinition,
      isStatic: fields.isStatic,
      isConst: declared.isConst,
      nameRange: this.lines.rangeOf(this.at(itemStart + declared.start), this.at(itemStart + declared.end)),
      fullRange: this.lines.rangeOf(item[0], item[1]),
      annotationRanges: declaredBefore?.annotationRanges ?? own.ranges.map((macro) => this.lines.rangeOf(macro.start, macro.end)),
      ...(macros.some((macro) => macro.name === '__always_inline') ? { alwaysInline: true } : {}),
      ...(fields.isInline && fields.isStatic && kind === 'function' ? { isInline: true } : {}),
    };
    this.symbols.push(symbol);
    if (!fields.isDefinition && own.section !== undefined) {
      const declared = { section: own.section, annotations: own.annotations, annotationRanges: symbol.annotationRanges };
      this.declaredSections.set(name, declared);
      this.declaredLog.push([name, declared]);
    }
    return symbol;
  }

  /**
   * References of every recorded body, as positions of the user's text; a body that `reuse` knows
   * (unchanged since the last analysis) is not scanned again. With `keepScans`, each body's scan is
   * returned for the next analysis of an open document. Static locals with an initializer become
   * symbols of their own (after the file-scope ones), and their initializers' references are theirs.
   */
  references(prepassed: string, reuse: ReuseScan | undefined, keepScans: boolean): { references: Reference[]; scans?: BodyScan[] } {
    const references: Reference[] = [];
    const scans: BodyScan[] = [];
    const found: FoundReference[] = [];
    const locals: FoundLocal[] = [];
    for (const body of this.bodies) {
      const from = this.symbols[body.fromIndex].name;
      const isFunction = this.symbols[body.fromIndex].kind === 'function';
      const reused = reuse?.(body, isFunction);
      if (reused) {
        const { scan } = reused;
        // Before the change nothing moved: the same objects, which the worker's answer then need not send again.
        const made =
          reused.unmoved && scan.fromIndex === body.fromIndex && scan.from === from
            ? scan.references
            : scan.names.map((name, i) => reference(name, this.lines.positionAt(body.start + scan.offsets[i]), from, body.fromIndex));
        for (const ref of made) references.push(ref);
        if (keepScans)
          scans.push(
            made === scan.references && scan.start === body.start
              ? scan
              : { ...scan, start: body.start, end: body.end, from, fromIndex: body.fromIndex, references: made },
          );
        continue;
      }
      found.length = 0;
      locals.length = 0;
      scanBody(prepassed, body, this.options.builtin, found, isFunction ? locals : undefined);
      const localIndexes = locals.map((local) => this.addLocal(local, body.fromIndex));
      const first = references.length;
      for (const ref of found) {
        const fromIndex = ref.local === undefined ? body.fromIndex : localIndexes[ref.local];
        references.push(reference(ref.name, this.lines.positionAt(ref.start), this.symbols[fromIndex].name, fromIndex));
      }
      // A body with static locals is scanned again next time: its scan alone cannot rebuild them.
      if (keepScans && locals.length === 0)
        scans.push({
          start: body.start,
          end: body.end,
          isFunction,
          parameters: body.parameters,
          names: found.map((ref) => ref.name),
          offsets: found.map((ref) => ref.start - body.start),
          from,
          fromIndex: body.fromIndex,
          references: references.slice(first),
        });
    }
    return keepScans ? { references, scans } : { references };
  }

  /** Blanked macros that start in [start, end): the annotations of a static local. */
  private macrosIn(start: number, end: number): BlankedMacro[] {
    let low = 0,
      high = this.macros.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (this.macros[mid].start < start) low = mid + 1;
      else high = mid;
    }
    const inside: BlankedMacro[] = [];
    for (let i = low; i < this.macros.length && this.macros[i].start < end; i++) inside.push(this.macros[i]);
    return inside;
  }

  /** A static local as a symbol: .data, .rodata when const, or the section its annotations name. */
  private addLocal(local: FoundLocal, enclosing: number): number {
    const own = this.sectionOf(this.macrosIn(local.start, local.initializer));
    this.symbols.push({
      name: local.name,
      kind: 'variable',
      section: own.section ?? plainSection('variable', local.isConst),
      annotations: own.annotations,
      isDefinition: true,
      isStatic: true,
      isConst: local.isConst,
      nameRange: this.lines.rangeOf(local.nameStart, local.nameStart + local.name.length),
      fullRange: this.lines.rangeOf(local.start, local.end),
      annotationRanges: own.ranges.map((macro) => this.lines.rangeOf(macro.start, macro.end)),
      localTo: enclosing,
    });
    return this.symbols.length - 1;
  }
}

/** One body's references as offsets from its start: still valid when the body only moved. */
export interface BodyScan {
  start: number;
  end: number;
  /**
   * A function's body (static locals are symbols of their own) rather than an initializer (no
   * locals): the same text scans differently as one or the other.
   */
  isFunction: boolean;
  parameters: readonly string[];
  names: string[];
  offsets: number[];
  /** The references made from it, of the symbol `fromIndex` named `from`: the same while neither the body nor anything before it moved. */
  from: string;
  fromIndex: number;
  references: readonly Reference[];
}

/**
 * The previous scan of a body whose text (and parameters, and kind) did not change, if there is
 * one; `unmoved` when the body and all text before it are as they were.
 */
export type ReuseScan = (body: BodyRange, isFunction: boolean) => { scan: BodyScan; unmoved: boolean } | undefined;

/** `tree` is the parse of `parsed`: the pre-passed text, or its skeleton (bodies cut out). */
export function extractFacts(
  uri: string,
  source: string,
  pre: PrepassResult,
  tree: Tree,
  options: ExtractOptions,
  parsed: CutText,
  reuse?: ReuseScan,
  keepScans = false,
  /** The shapes of the items of the document's last analysis, and where to keep this one's (an open document's). */
  shapes?: ShapeMemo,
): { facts: FileFacts; bodies: BodyRange[]; scans?: BodyScan[]; base?: ExtractionBase } {
  const extractor = new Extractor(source, pre.macros, options, parsed, shapes?.lines);
  extractor.run(tree.rootNode, shapes);
  // Taken before the references add static locals (their indexes follow every file-scope symbol).
  const base = shapes && !shapes.treeHasErrors ? extractor.base() : undefined;
  const { references, scans } = extractor.references(pre.text, reuse, keepScans);
  const directives = directiveLines(pre.text);
  const includes = includeNames(pre.text, directives);
  const emptied = emptiedAnnotations(pre.text, directives);
  const conditionals = extractor.conditionals(pre.directives);
  const invoked = invocationArguments(parsed.text);
  const suppressions = shapes?.suppressions ?? suppressionsIn(source);
  const facts: FileFacts = {
    uri,
    symbols: extractor.symbols,
    references,
    macroUses: extractor.macroUses,
    ...(includes.length > 0 ? { includes } : {}),
    ...(invoked.length > 0 ? { invocationArguments: invoked } : {}),
    ...(conditionals.length > 0 ? { conditionals } : {}),
    ...(emptied.length > 0 ? { emptiedAnnotations: emptied } : {}),
    ...(suppressions.length > 0 ? { suppressions } : {}),
  };
  return { facts, bodies: extractor.bodies, scans, ...(base ? { base } : {}) };
}
