// Quick fixes. Which ones a finding offers is in the finding-code registry (knowledge/finding-codes);
// how each is made is here. Every fix edits only the annotation it is about (remove, replace with
// its twin, or add one), so the rest of the code keeps its formatting.

import {
  CodeActionKind,
  type CodeAction,
  type CodeActionParams,
  type Diagnostic,
  type TextDocuments,
  type TextEdit,
} from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { ModuleSymbols, ResolvedSymbol } from '../engine/check';
import { readText } from '../engine/analyze-file';
import { constTwin, OBJECT_ANNOTATIONS } from '../knowledge/annotations';
import { FINDING_CODES, isFindingCode, type QuickFixKind } from '../knowledge/finding-codes';
import { sectionClass } from '../knowledge/sections';
import { moduleMacro } from '../knowledge/module-macros';
import { LineIndex } from '../parsing/line-index';
import type { FileFacts, Range } from '../model/types';
import { symbolsOf, type AnalysisService } from '../analysis/analysis-service';
import { DIAGNOSTIC_SOURCE, type FindingData } from './diagnostics';

interface FixContext {
  symbols: ModuleSymbols;
  files: FileFacts[];
  textOf: (uri: string) => string | undefined;
}

type Fix = { title: string; uri: string; edits: TextEdit[] };

/** Deletes an annotation together with one neighbouring space. */
function removeAnnotation(text: string, range: Range): TextEdit {
  const lines = new LineIndex(text);
  let start = lines.offsetAt(range.start),
    end = lines.offsetAt(range.end);
  if (text[end] === ' ' || text[end] === '\t') end++;
  else if (text[start - 1] === ' ' || text[start - 1] === '\t') start--;
  return { range: lines.rangeOf(start, end), newText: '' };
}

/** The annotation occurrence of `symbol` that decides its section (or the first matching `names`). */
function annotationOf(symbol: ResolvedSymbol, names?: (name: string) => boolean): { name: string; range: Range } | undefined {
  const def = symbol.def;
  if (!def) return undefined;
  const index = def.annotations.findIndex((name) => (names ? names(name) : OBJECT_ANNOTATIONS[name]?.section !== undefined));
  return index < 0 ? undefined : { name: def.annotations[index], range: def.annotationRanges[index] };
}

function removeFix(symbol: ResolvedSymbol, ctx: FixContext, why = ''): Fix | undefined {
  const annotation = annotationOf(symbol);
  const text = ctx.textOf(symbol.uri);
  if (!annotation || !text) return undefined;
  return {
    title: `Remove ${annotation.name} from ${symbol.name}${why}`,
    uri: symbol.uri,
    edits: [removeAnnotation(text, annotation.range)],
  };
}

function replaceFix(symbol: ResolvedSymbol, from: (name: string) => boolean, to: string): Fix | undefined {
  const annotation = annotationOf(symbol, from);
  if (!annotation) return undefined;
  return {
    title: `Change ${annotation.name} to ${to} on ${symbol.name}`,
    uri: symbol.uri,
    edits: [{ range: annotation.range, newText: to }],
  };
}

/**
 * `Make names const`: the object itself const — `const` right before the name after a `*`
 * (`const char *names[]` → `const char *const names[]`), else before its type.
 */
function makeConstFix(symbol: ResolvedSymbol, ctx: FixContext): Fix | undefined {
  const def = symbol.def;
  const text = ctx.textOf(symbol.uri);
  if (!def || !text) return undefined;
  const lines = new LineIndex(text);
  const start = lines.offsetAt(def.fullRange.start),
    nameStart = lines.offsetAt(def.nameRange.start);
  const declaration = text.slice(start, nameStart);
  const star = declaration.lastIndexOf('*');
  let at: number;
  if (star >= 0) {
    at = nameStart;
  } else {
    const storage = /^(?:\s*(?:static|extern)\b)?\s*/.exec(declaration)![0];
    at = start + storage.length;
  }
  return { title: `Make ${def.name} const`, uri: symbol.uri, edits: [{ range: lines.rangeOf(at, at), newText: 'const ' }] };
}

/** `Mark caller __init`: only when every reference to the caller comes from code of that lifetime. */
function markCallerFix(caller: ResolvedSymbol, targetClass: 'init' | 'exit', ctx: FixContext): Fix | undefined {
  if (caller.kind !== 'function' || !caller.def || caller.def.annotations.length > 0 || sectionClass(caller.section) !== 'text')
    return undefined;
  const annotation = targetClass === 'init' ? '__init' : '__exit';
  const role = targetClass === 'init' ? 'module-init' : 'module-exit';
  let callers = 0;
  for (const file of ctx.files) {
    for (const ref of file.references) {
      if (ref.name !== caller.name || ctx.symbols.resolve(file.uri, ref.name) !== caller) continue;
      const from = ctx.symbols.resolve(file.uri, ref.from);
      if (!from || sectionClass(from.section) !== targetClass) return undefined;
      callers++;
    }
    for (const use of file.macroUses) {
      if (use.argument !== caller.name) continue;
      if (moduleMacro(use.macro)?.role !== role) return undefined;
      callers++;
    }
  }
  const text = ctx.textOf(caller.uri);
  if (callers === 0 || !text) return undefined;
  const lines = new LineIndex(text);
  const nameStart = lines.offsetAt(caller.nameRange.start);
  if (!/\s/.test(text[nameStart - 1] ?? '')) return undefined; // e.g. `char *name(`: leave it to the user
  return {
    title: `Mark ${caller.name} ${annotation} (all its callers are ${targetClass} code)`,
    uri: caller.uri,
    edits: [{ range: { start: caller.nameRange.start, end: caller.nameRange.start }, newText: `${annotation} ` }],
  };
}

const isInitLike = (name: string): boolean => /^__(init|meminit)(data|const)?$/.test(name) || name === '__init';
const isExitLike = (name: string): boolean => /^__(exit|memexit)(data|const)?$/.test(name);

interface FixRequest {
  /** The symbol the finding is about (the referenced one, the exported one, the misplaced object). */
  target?: ResolvedSymbol;
  /** The referencing symbol, for findings about a reference. */
  caller?: ResolvedSymbol;
  /** The edit the checker worked out, if any. */
  edit?: FindingData['edit'];
  ctx: FixContext;
}

/** A fixer that needs the finding's target symbol. */
const onTarget =
  (fix: (request: FixRequest & { target: ResolvedSymbol }) => Fix | undefined) =>
  (request: FixRequest): Fix | undefined =>
    request.target ? fix({ ...request, target: request.target }) : undefined;

/** How each kind of quick fix is made; which kinds a finding offers is in the finding-code registry. */
const FIXERS: Readonly<Record<QuickFixKind, (request: FixRequest) => Fix | undefined>> = {
  'keep-loaded': onTarget(({ target, ctx }) => removeFix(target, ctx, target.kind === 'function' ? ' (keep it after init)' : '')),
  'keep-exported': onTarget(({ target, ctx }) => removeFix(target, ctx, ' (exported symbols must stay loaded)')),
  'remove-annotation': onTarget(({ target, ctx }) => removeFix(target, ctx)),
  'mark-caller': onTarget(({ target, caller, ctx }) => {
    const targetClass = sectionClass(target.section);
    return caller && (targetClass === 'init' || targetClass === 'exit') ? markCallerFix(caller, targetClass, ctx) : undefined;
  }),
  'use-twin': onTarget(({ target }) => {
    const annotation = target.def?.annotations.find((name) => OBJECT_ANNOTATIONS[name]?.dataKind);
    const twin = annotation && constTwin(annotation);
    return annotation && twin ? replaceFix(target, (name) => name === annotation, twin) : undefined;
  }),
  'make-const': onTarget(({ target, ctx }) => makeConstFix(target, ctx)),
  'use-exit': onTarget(({ target }) => replaceFix(target, isInitLike, '__exit')),
  'use-init': onTarget(({ target }) => replaceFix(target, isExitLike, '__init')),
  'suggested-edit': ({ edit }) =>
    edit ? { title: edit.title, uri: edit.uri, edits: [{ range: edit.range, newText: edit.newText }] } : undefined,
};

function fixesFor(diagnostic: Diagnostic, uri: string, ctx: FixContext): Fix[] {
  if (!isFindingCode(diagnostic.code)) return [];
  const data = diagnostic.data as FindingData | undefined;
  const target = data?.to ? ctx.symbols.resolve(uri, data.to.symbol) : undefined;
  const caller = data?.from ? ctx.symbols.resolve(uri, data.from.symbol) : undefined;
  const request: FixRequest = { target, caller, edit: data?.edit, ctx };
  return FINDING_CODES[diagnostic.code].quickFixes.map((kind) => FIXERS[kind](request)).filter((fix): fix is Fix => fix !== undefined);
}

export async function codeActions(
  document: TextDocument,
  params: CodeActionParams,
  service: AnalysisService,
  documents: TextDocuments<TextDocument>,
): Promise<CodeAction[]> {
  const ours = params.context.diagnostics.filter((d) => d.source === DIAGNOSTIC_SOURCE);
  if (ours.length === 0) return [];
  const analysis = await service.analyzeModule(document.uri, document.version, document.getText());
  const ctx: FixContext = {
    symbols: symbolsOf(analysis),
    files: analysis.files,
    textOf: (uri) => {
      const open = documents.get(uri);
      if (open) return open.getText();
      return readText(uri);
    },
  };
  return ours.flatMap((diagnostic) => {
    const actions = fixesFor(diagnostic, document.uri, ctx).map((fix, i): CodeAction => ({
      title: fix.title,
      kind: CodeActionKind.QuickFix,
      diagnostics: [diagnostic],
      isPreferred: i === 0,
      edit: { changes: { [fix.uri]: fix.edits } },
    }));
    const silence = ignoreLineEdit(document, diagnostic);
    if (silence)
      actions.push({
        title: `Disable ${String(diagnostic.code)} for this line`,
        kind: CodeActionKind.QuickFix,
        diagnostics: [diagnostic],
        edit: { changes: { [document.uri]: [silence] } },
      });
    return actions;
  });
}

/**
 * The comment that silences `diagnostic` (parsing/suppressions.ts): a `kmod-ignore-next-line`
 * line above it with its indentation, or the code added to one that is already there. Inside a
 * macro (a line continued with `\`) a line comment would end the macro: a block comment goes at
 * the end of the line instead.
 */
function ignoreLineEdit(document: TextDocument, diagnostic: Diagnostic): TextEdit | undefined {
  if (!isFindingCode(diagnostic.code) || diagnostic.code === 'not-analyzed') return undefined;
  const code = diagnostic.code;
  const line = diagnostic.range.start.line;
  const lineText = (at: number): string =>
    at < 0 ? '' : document.getText({ start: { line: at, character: 0 }, end: { line: at + 1, character: 0 } }).replace(/\r?\n$/, '');
  const text = lineText(line);
  const above = lineText(line - 1);
  const existing = /^(\s*\/\/\s*kmod-ignore-next-line\b[ \t:]*)([a-z0-9, \t-]*?)(\s*(?:--.*)?)$/.exec(above);
  if (existing) {
    if (existing[2].split(/[\s,]+/).includes(code)) return undefined;
    const at = { line: line - 1, character: existing[1].length + existing[2].length };
    return { range: { start: at, end: at }, newText: existing[2] ? `, ${code}` : code };
  }
  if (/\\\s*$/.test(text) || /\\\s*$/.test(above)) {
    const end = text.replace(/\s*\\\s*$/, '').length;
    const at = { line, character: end };
    return { range: { start: at, end: at }, newText: ` /* kmod-ignore ${code} */` };
  }
  const indent = /^\s*/.exec(text)![0];
  const at = { line, character: 0 };
  return { range: { start: at, end: at }, newText: `${indent}// kmod-ignore-next-line ${code}\n` };
}
