// Maps a modpost diagnostic (which names objects and symbols, never lines) to the source position a
// developer has to look at, using the analyzer's facts about the module's files. Pure: the caller
// supplies the analysis and the kbuild module list.

import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { referenceRange, type FileFacts, type Finding, type Range, type Reference, type SymbolDef } from '../../../server/src/model/types';
import { moduleMacro } from '../../../server/src/knowledge/module-macros';
import type { DeclaredModule } from './declared-modules';
import { moduleStem, type ModpostDiagnostic } from './modpost-formats';

export interface ModuleAnalysis {
  findings: Finding[];
  files: FileFacts[];
  modules: { name: string; files: string[] }[];
}

export interface MapContext {
  moduleDir: string;
  /** Analyzer output for the module directory; absent when the analyzer could not run. */
  analysis?: ModuleAnalysis;
  /** Modules declared by the directory's Kbuild/Makefile, with their absolute source files. */
  kbuildModules: DeclaredModule[];
}

/** How a position was found, most precise first; tests and the printed note use it. */
export type MappingMethod =
  | 'finding'
  | 'finding-by-section'
  | 'reference'
  | 'reference-by-section'
  | 'symbol-definition'
  | 'module-macro'
  | 'export-macro'
  | 'symbol-use'
  | 'module-file'
  | 'makefile';

export interface MappedPosition {
  /** Absolute path. */
  file: string;
  /** 0-based line and UTF-16 column. */
  line: number;
  character: number;
  /** Where the named identifier ends on that line (the start when nothing narrower is known). */
  endCharacter: number;
  method: MappingMethod;
  /** Extra explanation for the reader, e.g. which function `cleanup_module` is. */
  note?: string;
}

export function uriToPath(uri: string): string {
  return uri.startsWith('file:') ? fileURLToPath(uri) : uri;
}

const sameModuleName = (a: string, b: string) => a.replace(/-/g, '_') === b.replace(/-/g, '_');

interface ModuleView {
  sources: string[];
  facts: FileFacts[];
  kbuild?: DeclaredModule;
}

/** The files of the module modpost named, in link order. */
function moduleView(diag: ModpostDiagnostic, ctx: MapContext): ModuleView {
  const stem = diag.module ? moduleStem(diag.module, ctx.moduleDir) : undefined;
  const matches = (name: string) =>
    stem !== undefined && (sameModuleName(name, stem) || sameModuleName(path.posix.basename(name), path.posix.basename(stem)));
  const kbuild = ctx.kbuildModules.find((m) => matches(m.name)) ?? (ctx.kbuildModules.length === 1 ? ctx.kbuildModules[0] : undefined);
  const analyzed = ctx.analysis?.modules.find((m) => matches(m.name));
  let sources = analyzed?.files.map(uriToPath) ?? kbuild?.sources ?? [];
  const allFacts = ctx.analysis?.files ?? [];
  if (sources.length === 0) sources = allFacts.map((f) => uriToPath(f.uri));
  const order = new Map(sources.map((s, i) => [path.resolve(s), i]));
  const facts = allFacts
    .filter((f) => order.has(path.resolve(uriToPath(f.uri))))
    .sort((a, b) => order.get(path.resolve(uriToPath(a.uri)))! - order.get(path.resolve(uriToPath(b.uri)))!);
  return { sources, facts: facts.length > 0 ? facts : allFacts, kbuild };
}

const at = (file: string, range: Range, method: MappingMethod, note?: string): MappedPosition => ({
  file,
  line: range.start.line,
  character: range.start.character,
  endCharacter: range.end.line === range.start.line ? range.end.character : range.start.character,
  method,
  note,
});

const sectionMatches = (a: string, b: string) => a === b || a.startsWith(`${b}.`) || b.startsWith(`${a}.`);

const comparePositions = (a: Range, b: Range) => a.start.line - b.start.line || a.start.character - b.start.character;

/** init_module / cleanup_module are aliases modpost ≤6.4 prints for the module_init/module_exit functions. */
const ALIASES: Readonly<Record<string, 'module-init' | 'module-exit'>> = {
  init_module: 'module-init',
  cleanup_module: 'module-exit',
};

interface AliasTarget {
  name: string;
  file: string;
  range: Range;
  macro: string;
}

function aliasTarget(symbol: string, facts: FileFacts[]): AliasTarget | undefined {
  const role = ALIASES[symbol];
  if (!role) return undefined;
  for (const file of facts) {
    for (const use of file.macroUses) {
      const macro = moduleMacro(use.macro);
      if (!macro) continue;
      if (macro.role === role) return { name: use.argument, file: uriToPath(file.uri), range: use.range, macro: use.macro };
      if (macro.role === 'driver' && macro.generates) {
        const wanted = role === 'module-init' ? '.init.text' : '.exit.text';
        const generated = macro.generates(use.argument).find((g) => g.section === wanted);
        if (generated) return { name: generated.name, file: uriToPath(file.uri), range: use.range, macro: use.macro };
      }
    }
  }
  return undefined;
}

function symbolsNamed(facts: FileFacts[], name: string): { file: string; symbol: SymbolDef }[] {
  const result: { file: string; symbol: SymbolDef }[] = [];
  for (const f of facts) for (const s of f.symbols) if (s.name === name) result.push({ file: uriToPath(f.uri), symbol: s });
  // Definitions first, then declarations (prototypes, extern).
  return result.sort((a, b) => Number(b.symbol.isDefinition) - Number(a.symbol.isDefinition));
}

function sectionOf(facts: FileFacts[], name: string): string | undefined {
  return symbolsNamed(facts, name)[0]?.symbol.section;
}

function referencesWhere(facts: FileFacts[], keep: (r: Reference) => boolean): { file: string; ref: Reference }[] {
  const result: { file: string; ref: Reference }[] = [];
  for (const f of facts) {
    const refs = f.references.filter(keep).sort((a, b) => comparePositions(referenceRange(a), referenceRange(b)));
    for (const ref of refs) result.push({ file: uriToPath(f.uri), ref });
  }
  return result;
}

function findingsWhere(diagFiles: FileFacts[], findings: Finding[], keep: (f: Finding) => boolean): Finding[] {
  const files = new Set(diagFiles.map((f) => path.resolve(uriToPath(f.uri))));
  return findings.filter((f) => files.has(path.resolve(uriToPath(f.uri))) && keep(f)).sort((a, b) => comparePositions(a.range, b.range));
}

/** modpost could not name the referencing symbol: "(unknown)" or a raw address "0x…". */
const isNameless = (symbol: string) => symbol === '(unknown)' || /^0x[0-9a-f]+$/i.test(symbol);

function mapSectionMismatch(diag: ModpostDiagnostic, view: ModuleView, findings: Finding[]): MappedPosition | undefined {
  const from = diag.from!;
  const to = diag.to!;
  const facts = view.facts;
  const alias = aliasTarget(from.symbol, facts);
  const fromNames = isNameless(from.symbol) ? [] : [from.symbol, ...(alias ? [alias.name] : [])];
  const aliasNote = alias ? `${from.symbol} is ${alias.name}, the ${alias.macro}() function` : undefined;
  const toIsKnown = symbolsNamed(facts, to.symbol).length > 0;
  const artefactNote = (actual: string) =>
    actual === to.symbol
      ? undefined
      : `modpost named ${to.symbol} (${to.section}), the source reads ${actual}${toIsKnown ? '' : ' (modpost reports a neighbouring symbol of the same section)'}`;
  const notes = (...parts: (string | undefined)[]) => parts.filter(Boolean).join('; ') || undefined;

  const fromMatches = (symbol: string | undefined) => symbol !== undefined && fromNames.includes(symbol);
  const exact = findingsWhere(facts, findings, (f) => fromMatches(f.from?.symbol) && f.to?.symbol === to.symbol);
  if (exact[0]) return at(uriToPath(exact[0].uri), exact[0].range, 'finding', aliasNote);
  const bySection = findingsWhere(
    facts,
    findings,
    (f) => fromMatches(f.from?.symbol) && f.to !== null && sectionMatches(f.to.section, to.section),
  );
  if (bySection[0]) {
    return at(
      uriToPath(bySection[0].uri),
      bySection[0].range,
      'finding-by-section',
      notes(aliasNote, artefactNote(bySection[0].to!.symbol)),
    );
  }
  const refs = referencesWhere(facts, (r) => fromMatches(r.from) && r.name === to.symbol);
  if (refs[0]) return at(refs[0].file, referenceRange(refs[0].ref), 'reference', aliasNote);
  const refsBySection = referencesWhere(facts, (r) => {
    const section = fromMatches(r.from) ? sectionOf(facts, r.name) : undefined;
    return section !== undefined && sectionMatches(section, to.section);
  });
  if (refsBySection[0]) {
    const ref = refsBySection[0];
    return at(ref.file, referenceRange(ref.ref), 'reference-by-section', notes(aliasNote, artefactNote(ref.ref.name)));
  }
  if (fromNames.length === 0) {
    // Nameless referrer (≥6.12 prints an address): the first finding or reference to the target.
    const toFinding = findingsWhere(facts, findings, (f) => f.to?.symbol === to.symbol)[0];
    if (toFinding) return at(uriToPath(toFinding.uri), toFinding.range, 'finding');
    const toRef = referencesWhere(facts, (r) => r.name === to.symbol)[0];
    if (toRef) return at(toRef.file, referenceRange(toRef.ref), 'reference');
  }
  for (const name of [...fromNames].reverse()) {
    const def = symbolsNamed(facts, name)[0];
    if (def) return at(def.file, def.symbol.nameRange, 'symbol-definition', aliasNote);
  }
  if (alias) return at(alias.file, alias.range, 'module-macro', aliasNote);
  const toDef = symbolsNamed(facts, to.symbol)[0];
  if (toDef) return at(toDef.file, toDef.symbol.nameRange, 'symbol-definition');
  return undefined;
}

/** EXPORT_SYMBOL, EXPORT_SYMBOL_GPL, EXPORT_SYMBOL_NS…, and whatever else the macro table calls an export. */
const isExportMacro = (macro: string) => macro.startsWith('EXPORT_SYMBOL') || moduleMacro(macro)?.role === 'export';

function mapExport(diag: ModpostDiagnostic, view: ModuleView): MappedPosition | undefined {
  const symbol = diag.symbol!;
  for (const f of view.facts) {
    const use = f.macroUses.find((u) => u.argument === symbol && isExportMacro(u.macro));
    if (use) return at(uriToPath(f.uri), use.range, 'export-macro');
  }
  const def = symbolsNamed(view.facts, symbol)[0];
  return def ? at(def.file, def.symbol.nameRange, 'symbol-definition') : undefined;
}

/** The MODULE_IMPORT_NS() that names `namespace`: an identifier (≤6.12) or a string literal (6.13+). */
function mapNamespaceImport(diag: ModpostDiagnostic, view: ModuleView): MappedPosition | undefined {
  for (const f of view.facts) {
    const use = f.macroUses.find((u) => u.macro === 'MODULE_IMPORT_NS' && u.argument.replace(/^"(.*)"$/, '$1').trim() === diag.namespace);
    if (use) return at(uriToPath(f.uri), use.range, 'module-macro');
  }
  return undefined;
}

function mapSymbolUse(diag: ModpostDiagnostic, view: ModuleView): MappedPosition | undefined {
  const symbol = diag.symbol!;
  const ref = referencesWhere(view.facts, (r) => r.name === symbol)[0];
  if (ref) return at(ref.file, referenceRange(ref.ref), 'symbol-use');
  const decl = symbolsNamed(view.facts, symbol)[0];
  if (decl) return at(decl.file, decl.symbol.nameRange, 'symbol-definition');
  return mapExport(diag, view);
}

/**
 * A module-level problem (missing MODULE_LICENSE/MODULE_DESCRIPTION): the first of `nextTo` found
 * (where the missing line belongs), else module_init(), else line 1 of the module's first source.
 */
function mapModuleFile(view: ModuleView, nextTo: readonly string[]): MappedPosition | undefined {
  for (const macro of nextTo) {
    for (const f of view.facts) {
      const use = f.macroUses.find((u) => u.macro === macro);
      if (use) return at(uriToPath(f.uri), use.range, 'module-file');
    }
  }
  for (const f of view.facts) {
    const use = f.macroUses.find((u) => {
      const role = moduleMacro(u.macro)?.role;
      return role === 'module-init' || role === 'driver';
    });
    if (use) return at(uriToPath(f.uri), use.range, 'module-file');
  }
  const first = view.sources[0] ?? (view.facts[0] ? uriToPath(view.facts[0].uri) : undefined);
  return first ? { file: first, line: 0, character: 0, endCharacter: 0, method: 'module-file' } : undefined;
}

type KindMapper = (diag: ModpostDiagnostic, view: ModuleView, findings: Finding[]) => MappedPosition | undefined;

const MAPPERS: Readonly<Record<ModpostDiagnostic['kind'], KindMapper>> = {
  'section-mismatch': mapSectionMismatch,
  'export-init-exit': (d, v) => mapExport(d, v),
  'undefined-symbol': (d, v) => mapSymbolUse(d, v),
  'gpl-only-symbol': (d, v) => mapSymbolUse(d, v),
  'missing-namespace-import': (d, v) => mapSymbolUse(d, v),
  'symbol-too-long': (d, v) => mapSymbolUse(d, v),
  'namespace-import-not-allowed': (d, v) => mapNamespaceImport(d, v),
  'export-undefined': (d, v) => mapExport(d, v),
  'export-duplicate': (d, v) => mapExport(d, v),
  'export-local': (d, v) => mapExport(d, v),
  'common-symbol': (d, v) => mapSymbolUse(d, v),
  'missing-license': (_d, v) => mapModuleFile(v, ['MODULE_DESCRIPTION', 'MODULE_AUTHOR']),
  'missing-description': (_d, v) => mapModuleFile(v, ['MODULE_LICENSE', 'MODULE_AUTHOR']),
  // The name is the object's name: the obj-m line is where it is chosen.
  'module-name-too-long': () => undefined,
  'undefined-suppressed': () => undefined,
  'mismatch-summary': () => undefined,
  'symbol-list-missing': () => undefined,
};

/** Where the module is declared (its obj-m line), else the module directory's makefile line 1. */
function makefilePosition(ctx: MapContext, view: ModuleView): MappedPosition {
  const module = view.kbuild ?? ctx.kbuildModules[0];
  if (module) return { file: module.declaredIn, line: module.line, character: 0, endCharacter: 0, method: 'makefile' };
  return { file: path.join(ctx.moduleDir, 'Makefile'), line: 0, character: 0, endCharacter: 0, method: 'makefile' };
}

export function mapModpostDiagnostic(diag: ModpostDiagnostic, ctx: MapContext): MappedPosition {
  const view = moduleView(diag, ctx);
  const mapped = MAPPERS[diag.kind](diag, view, ctx.analysis?.findings ?? []);
  return mapped ?? makefilePosition(ctx, view);
}
