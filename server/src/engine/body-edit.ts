// Typing happens inside function bodies, and a body is invisible to the parser (skeleton.ts cuts it
// out): an edit that stays inside one body, and leaves it a balanced body, changes only that body's
// references. This redoes just that body — pre-pass and reference scan of a few hundred bytes — and
// shifts every later position, instead of pre-passing, parsing and extracting the whole file.
// Anything else (a brace that unbalances the body, an edit across bodies, a directive that escapes
// it, any edit of a directive line) returns undefined and the caller analyzes the file in full.

import type { ExtractOptions } from '../parsing/extract';
import { LineIndex } from '../parsing/line-index';
import { logicalLineEnd, prepass } from '../parsing/prepass';
import { scanBody, type FoundLocal, type FoundReference } from '../parsing/references';
import { isOneBody } from '../parsing/skeleton';
import { checkInput, type EditableFacts } from './analyze-file';
import { changedSpan, type Span } from '../parsing/changed-span';
import { firstNot, lastAtOrBefore } from '../parsing/sorted';
import { suppressionsEdited } from '../parsing/suppressions';
import {
  reference,
  type ConditionalDirective,
  type FileFacts,
  type Position,
  type Range,
  type Reference,
  type Suppression,
} from '../model/types';

/** Larger bodies are generated tables: redo them on a worker, off the server's thread. */
const MAX_BODY_REDONE_HERE = 1024 * 1024;

const CR = 13,
  HASH = 35,
  BACKSLASH = 92;

/** Whether the line break at `newline` continues a line (`\` before it, or before its `\r`). */
function continues(text: string, newline: number): boolean {
  const last = text.charCodeAt(newline - 1) === CR ? newline - 2 : newline - 1;
  return last >= 0 && text.charCodeAt(last) === BACKSLASH;
}

/** A line whose first non-blank character is `#` (the pre-pass's and the include scan's test). */
const DIRECTIVE_LINE = /^[ \t\f\v\r]*#.*$/gm;
const isBlank = (c: number): boolean => c === 32 || c === 9 || c === 12 || c === 11 || c === CR;

/**
 * Whether the lines holding text[start, changeEnd) — with the lines they continue or that continue them
 * (`\` at a line's end) — include a preprocessor directive. The file's includes, emptied
 * annotations (`#define __init`) and conditionals are read from directive lines anywhere, bodies
 * included: an edit of one is not an edit of the body's code.
 */
function touchesDirective(text: string, start: number, changeEnd: number): boolean {
  let from = start > 0 ? text.lastIndexOf('\n', start - 1) + 1 : 0;
  while (from > 0 && continues(text, from - 1)) from = text.lastIndexOf('\n', from - 2) + 1;
  const end = logicalLineEnd(text, Math.max(start, changeEnd - 1));
  for (let line = from; line < end;) {
    let i = line;
    while (i < end && isBlank(text.charCodeAt(i))) i++;
    if (text.charCodeAt(i) === HASH) return true;
    const next = text.indexOf('\n', i);
    if (next < 0) break;
    line = next + 1;
  }
  return false;
}

/** Whether two (pre-passed) texts have the same directive lines, in the same order. */
function sameDirectives(a: string, b: string): boolean {
  const left = a.match(DIRECTIVE_LINE) ?? [];
  const right = b.match(DIRECTIVE_LINE) ?? [];
  return left.length === right.length && left.every((line, i) => line === right[i]);
}

const before = (a: Position, b: Position): boolean => a.line < b.line || (a.line === b.line && a.character < b.character);

/** Moves positions at or after the old end of a change to where they are in the new text. */
class Shift {
  readonly lines: number;
  /** The end did not move (the edit's line ends before the body's last line, and no line was added or removed). */
  readonly still: boolean;
  constructor(
    private readonly oldEnd: Position,
    private readonly newEnd: Position,
  ) {
    this.lines = newEnd.line - oldEnd.line;
    this.still = this.lines === 0 && newEnd.character === oldEnd.character;
  }
  /** Whether `p` stays where it was (before the edit, or on a later line when no line was added or removed). */
  keeps(p: Position): boolean {
    return this.still || before(p, this.oldEnd) || (this.lines === 0 && p.line !== this.oldEnd.line);
  }
  position(p: Position): Position {
    if (this.keeps(p)) return p;
    return p.line === this.oldEnd.line
      ? { line: this.newEnd.line, character: p.character - this.oldEnd.character + this.newEnd.character }
      : { line: p.line + this.lines, character: p.character };
  }
  /** `ref` where it is now (made whole, in the order the extractor makes references: one shape for the checker's loops). */
  reference(ref: Reference): Reference {
    return reference(ref.name, this.position(ref), ref.from, ref.fromIndex);
  }
  range(r: Range): Range {
    return this.keeps(r.start) && this.keeps(r.end) ? r : { start: this.position(r.start), end: this.position(r.end) };
  }
}

function withSuppressions(suppressions: Suppression[]): { suppressions?: Suppression[] } {
  return suppressions.length > 0 ? { suppressions } : {};
}

/** The file's conditional directives after a body edit: the body's own redone, the later ones moved. */
function withConditionals(
  previous: ConditionalDirective[] | undefined,
  bodyFirstLine: number,
  bodyLastLine: number,
  lineShift: number,
  inBody: ConditionalDirective[],
): { conditionals?: ConditionalDirective[] } {
  if (!previous && inBody.length === 0) return {};
  // Nothing in the body, nothing moved: the same array, so what was worked out from it still holds.
  if (previous && inBody.length === 0 && lineShift === 0 && !previous.some((d) => d.line >= bodyFirstLine && d.line <= bodyLastLine))
    return { conditionals: previous };
  const conditionals = [
    ...(previous ?? []).filter((directive) => directive.line < bodyFirstLine),
    ...inBody,
    ...(previous ?? [])
      .filter((directive) => directive.line > bodyLastLine)
      .map((directive) => ({ ...directive, line: directive.line + lineShift })),
  ];
  return conditionals.length > 0 ? { conditionals } : {};
}

/**
 * `items` with `change` applied to each: the same array when it changes none (the checks keep what
 * they worked out from a file's symbols, macro uses and conditionals while those are the same arrays).
 */
function mapKeeping<T>(items: T[], change: (item: T) => T): T[] {
  let changed: T[] | undefined;
  for (let i = 0; i < items.length; i++) {
    const item = change(items[i]);
    if (item !== items[i]) (changed ??= items.slice(0, i)).push(item);
    else changed?.push(item);
  }
  return changed ?? items;
}

/**
 * The facts of `text`, derived from `previous` when the only change lies inside one body that the
 * parser did not see and stays a balanced body; undefined when the file must be analyzed in full.
 * `change`: where `text` differs from `previous.text`, when the caller knows.
 */
export function editWithinBody(previous: EditableFacts, text: string, options: ExtractOptions, change?: Span): EditableFacts | undefined {
  if (previous.facts.unanalyzable || checkInput(previous.facts.uri, text)) return undefined;
  if (previous.text === text) return previous;
  change ??= changedSpan(previous.text, text);
  // Typing a directive (`#include`, `#define __init`) inside a body changes facts of the whole file.
  if (touchesDirective(previous.text, change.start, change.oldEnd) || touchesDirective(text, change.start, change.newEnd)) return undefined;
  const index = lastAtOrBefore(previous.bodies, change.start - 1, (body) => body.start);
  const body = previous.bodies[index];
  // Strictly inside the braces: the `{` and the `}` themselves are untouched.
  if (!body || change.oldEnd > body.end - 1 || body.end - body.start > MAX_BODY_REDONE_HERE) return undefined;
  const cut = lastAtOrBefore(previous.cuts, body.start + 1, (region) => region[0]);
  if (cut < 0 || previous.cuts[cut][0] !== body.start + 1 || previous.cuts[cut][1] !== body.end - 1) return undefined;
  const delta = change.newEnd - change.oldEnd;
  const newBody = text.slice(body.start, body.end + delta);
  const pre = prepass(newBody);
  // The new body must still be one balanced body, closed by its own `}`, with its own directives.
  if (!isOneBody(pre.text)) return undefined;
  const oldBody = previous.text.slice(body.start, body.end);
  let oldPre: ReturnType<typeof prepass> | undefined;
  const previousPre = () => (oldPre ??= prepass(oldBody));
  // A directive line elsewhere in the body can change too (a comment or `#if 0` opened or closed above it).
  if ((oldBody.includes('#') || newBody.includes('#')) && !sameDirectives(previousPre().text, pre.text)) return undefined;
  // An initializer's annotations (found anywhere in its declaration) decide its section.
  const from = previous.facts.symbols[body.fromIndex];
  if (from?.kind !== 'function' && (pre.macros.length > 0 || previousPre().macros.length > 0)) return undefined;
  // Static locals with an initializer are symbols of their own, made by the full analysis.
  if (previous.facts.symbols.some((symbol) => symbol.localTo === body.fromIndex)) return undefined;

  // Both texts' line indexes, the new one made from the previous one.
  const previousLines = lineIndexOf(previous);
  const lines = LineIndex.edited(previousLines, text, change);
  const bodyStart = lines.positionAt(body.start);
  const local = new LineIndex(newBody);
  const at = (offset: number): Position => {
    const p = local.positionAt(offset);
    return p.line === 0
      ? { line: bodyStart.line, character: bodyStart.character + p.character }
      : { line: bodyStart.line + p.line, character: p.character };
  };
  const found: FoundReference[] = [];
  const locals: FoundLocal[] = [];
  scanBody(pre.text, { ...body, start: 0, end: newBody.length }, options.builtin, found, from.kind === 'function' ? locals : undefined);
  if (locals.length > 0) return undefined;
  const rescanned: Reference[] = found.map((ref) => reference(ref.name, at(ref.start), from.name, body.fromIndex));

  const bodyEnd = previousLines.positionAt(body.end);
  const shift = new Shift(bodyEnd, at(newBody.length));
  // The references are in document order: the body's lie between its start and its end.
  const previousRefs = previous.facts.references;
  const bodyFirst = firstNot(previousRefs, (ref) => before(ref, bodyStart));
  const bodyLast = firstNot(previousRefs, (ref) => before(ref, bodyEnd), bodyFirst);
  const removed = previousRefs.slice(bodyFirst, bodyLast);
  // Most edits add no line: what follows keeps its positions, and its objects (no garbage per key).
  const later = previousRefs.slice(bodyLast);
  const references = previousRefs
    .slice(0, bodyFirst)
    .concat(rescanned, shift.still ? later : later.map((ref) => (shift.keeps(ref) ? ref : shift.reference(ref))));

  const facts: FileFacts = {
    uri: previous.facts.uri,
    symbols: mapKeeping(previous.facts.symbols, (symbol) =>
      shift.keeps(symbol.fullRange.start) && shift.keeps(symbol.fullRange.end)
        ? symbol
        : {
            ...symbol,
            nameRange: shift.range(symbol.nameRange),
            fullRange: shift.range(symbol.fullRange),
            annotationRanges: symbol.annotationRanges.map((range) => shift.range(range)),
          },
    ),
    references,
    macroUses: mapKeeping(previous.facts.macroUses, (use) =>
      shift.keeps(use.range.start) && shift.keeps(use.argumentRange.end)
        ? use
        : { ...use, range: shift.range(use.range), argumentRange: shift.range(use.argumentRange) },
    ),
    ...(previous.facts.includes ? { includes: previous.facts.includes } : {}),
    ...(previous.facts.invocationArguments ? { invocationArguments: previous.facts.invocationArguments } : {}),
    ...withConditionals(
      previous.facts.conditionals,
      bodyStart.line,
      bodyEnd.line,
      shift.lines,
      pre.directives.map(({ offset, kind, condition }) => ({ line: at(offset).line, kind, condition })),
    ),
    ...(previous.facts.emptiedAnnotations ? { emptiedAnnotations: previous.facts.emptiedAnnotations } : {}),
    ...withSuppressions(
      suppressionsEdited(
        previous.facts.suppressions ?? [],
        previous.text,
        text,
        change,
        previousLines.positionAt(change.start).line,
        shift.lines,
      ),
    ),
  };
  const moved = (offset: number): number => (offset >= body.end ? offset + delta : offset);
  const edited: EditableFacts = {
    text,
    facts,
    bodies: previous.bodies.map((b) =>
      b === body ? { ...b, end: b.end + delta } : b.start >= body.end ? { ...b, start: b.start + delta, end: b.end + delta } : b,
    ),
    cuts: previous.cuts.map(([start, end], i) => (i === cut ? [start, end + delta] : [moved(start), moved(end)])),
  };
  lineIndexes.set(edited, lines);
  forgetHowMade(previous.facts);
  bodyEdits.set(facts, {
    previous: previous.facts,
    fromIndex: body.fromIndex,
    bodyStart,
    firstRemoved: bodyFirst,
    removed,
    added: rescanned,
    laterKept: shift.still,
    conditionalsInBody: pre.directives.length > 0,
  });
  return edited;
}

/** How a body edit made a file's facts from its previous ones, for what is worked out per file version. */
export interface BodyEdit {
  previous: FileFacts;
  /** The symbol whose body it is. */
  fromIndex: number;
  bodyStart: Position;
  /** Index in previous.references of the body's first reference (of `removed`). */
  firstRemoved: number;
  /** The body's references before and after the edit. */
  removed: readonly Reference[];
  added: readonly Reference[];
  /** Everything after the body is where it was: its references are the same objects. */
  laterKept: boolean;
  /** The body holds conditional directives (the same ones before and after the edit). */
  conditionalsInBody: boolean;
}

const bodyEdits = new WeakMap<FileFacts, BodyEdit>();

/** The body edit that made `facts`, if one did. */
export function bodyEditOf(facts: FileFacts): BodyEdit | undefined {
  return bodyEdits.get(facts);
}

/**
 * How the facts of a file-scope edit (the worker's answer of changes) begin: their first
 * `symbols` and `references` are the previous version's objects, before the edit.
 */
export interface KeptPrefix {
  previous: FileFacts;
  symbols: number;
  references: number;
}

/** Facts an open document's edit made from its previous ones (here, or as the worker's answer of changes), with what they kept. */
const editedFacts = new WeakMap<FileFacts, KeptPrefix | undefined>();

/** Marks `facts` as made by an edit of an open document (from `kept.previous`, whose first objects they share). */
export function markEdited(facts: FileFacts, kept?: KeptPrefix): FileFacts {
  if (kept) forgetHowMade(kept.previous);
  editedFacts.set(facts, kept);
  return facts;
}

/**
 * Lets go of what made `facts` from the version before them, once a newer version is made from
 * them: each version would otherwise keep the one before it, and a document typed in for an hour
 * every version it had. Only what is worked out for the newest versions reads it.
 */
function forgetHowMade(facts: FileFacts): void {
  bodyEdits.delete(facts);
  if (editedFacts.get(facts)) editedFacts.set(facts, undefined);
}

/** Whether an edit of an open document made `facts` (a key typed), not a file read or opened whole. */
export function madeByEdit(facts: FileFacts): boolean {
  return editedFacts.has(facts) || bodyEdits.has(facts);
}

/** What a file-scope edit that made `facts` kept of the previous version, if one did. */
export function keptPrefixOf(facts: FileFacts): KeptPrefix | undefined {
  return editedFacts.get(facts);
}

/** The line index of an analyzed text, once made. */
const lineIndexes = new WeakMap<EditableFacts, LineIndex>();

function lineIndexOf(editable: EditableFacts): LineIndex {
  let index = lineIndexes.get(editable);
  if (!index) lineIndexes.set(editable, (index = new LineIndex(editable.text, editable.lineStarts)));
  return index;
}
