// Length- and line-preserving blanking pre-pass. tree-sitter-c does not know kernel attribute
// macros (`static int __init f(void)` parses with `f` as a type), so each known macro occurrence
// in code is replaced by spaces and recorded; the extractor re-attaches them to declarations.
// `#if 0` regions are blanked too: dead code gets no findings. Every offset in the blanked text
// is the same offset in the user's buffer, so positions need no mapping.

import { FUNCTION_ANNOTATIONS, OBJECT_ANNOTATIONS } from '../knowledge/annotations';
import type { ConditionalKind } from '../model/types';
import { changedSpan, type Span } from './changed-span';
import { detachedName } from './detached';
import { lastAtOrBefore } from './sorted';

export interface BlankedMacro {
  name: string;
  start: number;
  end: number;
  /** Argument text of function-like macros, e.g. `".init.data"` for __section(".init.data"). */
  args?: string;
}

export interface PrepassResult {
  text: string;
  macros: BlankedMacro[];
  /** [start, end) offsets of blanked dead `#if 0` regions. */
  deadRanges: [number, number][];
  /** The conditional directives outside them (for deciding with a kernel configuration), by offset. */
  directives: { offset: number; kind: ConditionalKind; condition: string }[];
}

const SPACE = 32,
  NEWLINE = 10,
  CR = 13,
  TAB = 9,
  HASH = 35,
  SLASH = 47,
  STAR = 42,
  BACKSLASH = 92;
const DQUOTE = 34,
  SQUOTE = 39,
  LPAREN = 40,
  RPAREN = 41;

const isIdentStart = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
const isIdentChar = (c: number): boolean => isIdentStart(c) || (c >= 48 && c <= 57);

/** Replaces text[start, end) by spaces, keeping line breaks, into the output pieces (of text[from, …)). */
class Blanker {
  private readonly pieces: string[] = [];
  private copied: number;
  constructor(
    private readonly text: string,
    private readonly from = 0,
  ) {
    this.copied = from;
  }

  blank(start: number, end: number): void {
    this.pieces.push(this.text.slice(this.copied, start));
    const region = this.text.slice(start, end);
    this.pieces.push(/[\r\n]/.test(region) ? region.replace(/[^\r\n]/g, ' ') : ' '.repeat(end - start));
    this.copied = end;
  }

  replace(start: number, replacement: string): void {
    this.pieces.push(this.text.slice(this.copied, start), replacement);
    this.copied = start + replacement.length;
  }

  /** The output for text[from, to). */
  result(to: number): string {
    if (this.copied === this.from) return this.from === 0 && to === this.text.length ? this.text : this.text.slice(this.from, to);
    this.pieces.push(this.text.slice(this.copied, to));
    return this.pieces.join('');
  }
}

/** End offset of the logical line starting at `i` (backslash continuations joined), before the newline. */
export function logicalLineEnd(text: string, i: number): number {
  const n = text.length;
  for (;;) {
    const nl = text.indexOf('\n', i);
    if (nl < 0) return n;
    let j = nl - 1;
    if (j >= 0 && text.charCodeAt(j) === CR) j--;
    if (j >= 0 && text.charCodeAt(j) === BACKSLASH) {
      i = nl + 1;
      continue;
    }
    return nl;
  }
}

/** Skips a string or char literal starting at the quote at `i`; returns the offset after it. */
export function skipLiteral(text: string, i: number, quote: number): number {
  const n = text.length;
  for (i++; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === BACKSLASH) i++;
    else if (c === quote || c === NEWLINE) return i + 1;
  }
  return n;
}

/** Skips a comment at `i` (text[i] is '/'); returns the offset after it, or -1 if none starts here. */
export function skipComment(text: string, i: number): number {
  const next = text.charCodeAt(i + 1);
  if (next === STAR) {
    const end = text.indexOf('*/', i + 2);
    return end < 0 ? text.length : end + 2;
  }
  if (next === SLASH) return logicalLineEnd(text, i);
  return -1;
}

/** Offset after the `)` that balances the `(` at `open`, skipping literals; -1 if unbalanced. */
function balancedEnd(text: string, open: number): number {
  const n = text.length;
  let depth = 0;
  for (let i = open; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === LPAREN) depth++;
    else if (c === RPAREN) {
      if (--depth === 0) return i + 1;
    } else if (c === DQUOTE || c === SQUOTE) i = skipLiteral(text, i, c) - 1;
    else if (c === SLASH) {
      const after = skipComment(text, i);
      if (after > 0) i = after - 1;
    } else if (c === HASH && depth > 0 && i > 0 && text.charCodeAt(i - 1) === NEWLINE) return -1;
  }
  return -1;
}

/** Iteration macros used as a loop header: `for_each_*`, `list_for_each_entry`, `idr_for_each_entry_ul`, … */
const LOOP_MACRO = /^[a-z0-9_]*for_each[a-z0-9_]*$/;

function nextNonBlank(text: string, i: number): number {
  while (i < text.length && (text.charCodeAt(i) === SPACE || text.charCodeAt(i) === TAB)) i++;
  return text.charCodeAt(i);
}

/** True when `start` begins a statement: after `;`, `{`, `}`, `)` (an if/for header), `:` or `else`. */
function atStatementStart(text: string, start: number): boolean {
  let j = start - 1;
  while (j >= 0 && /\s/.test(text[j])) j--;
  if (j < 0) return false;
  const c = text[j];
  if (c === ';' || c === '{' || c === '}' || c === ')' || c === ':') return true;
  return j >= 3 && text.slice(j - 3, j + 1) === 'else' && !isIdentChar(text.charCodeAt(j - 4));
}

type Directive = ConditionalKind | 'other';

function directiveOf(line: string): { kind: Directive; condition: string } {
  const m = /^\s*#\s*([a-z]+)(.*)$/s.exec(line);
  if (!m) return { kind: 'other', condition: '' };
  const kind = (['if', 'ifdef', 'ifndef', 'elif', 'else', 'endif'] as const).find((k) => k === m[1]) ?? 'other';
  const condition = detachedName(
    m[2]
      .replace(/\/\*.*?\*\//gs, ' ')
      .replace(/\/\/.*$/s, '')
      .trim(),
  );
  return { kind, condition };
}

/** What to do with the lines of an open conditional group. */
interface Conditional {
  /** `#if 1`: the `#else` branch is dead. */
  elseIsDead: boolean;
  /** The group's `#if` line was blanked, so its `#endif` must be blanked too. */
  blankEndif: boolean;
}

export function prepass(text: string): PrepassResult {
  const { macros, deadRanges, directives, ...scanned } = scan(text, 0, [], Number.POSITIVE_INFINITY);
  return { text: scanned.text, macros, deadRanges, directives };
}

/**
 * A place the scan can start again: a line start outside dead code, comments and literals, with
 * the conditional groups open there. The scan's state anywhere else is not worth keeping.
 */
interface Checkpoint {
  offset: number;
  conditionals: readonly Conditional[];
}

/** An open document's pre-pass, with where a later edit's pre-pass can start again. */
export interface PrepassState {
  result: PrepassResult;
  checkpoints: Checkpoint[];
  /** Characters between checkpoints at least. */
  gap: number;
}

/** Checkpoints are kept at most this often: a few hundred in a large file. */
const CHECKPOINT_GAP = 2048;

/** The pre-pass of `text` with checkpoints at least `gap` characters apart (tests make them denser). */
export function prepassState(text: string, gap = CHECKPOINT_GAP): PrepassState {
  const scanned = scan(text, 0, [], gap);
  const { macros, deadRanges, directives, checkpoints } = scanned;
  return { result: { text: scanned.text, macros, deadRanges, directives }, checkpoints, gap };
}

/** An edited text's pre-pass, and where its text differs from the previous one's. */
export interface EditedPrepass {
  state: PrepassState;
  /** The one span that turns the previous pre-passed text into this one. */
  changed: Span;
}

/**
 * The pre-pass of `text`, which `span` made of the text `previous` is the pre-pass of, scanning
 * only from the checkpoint before the change until the scan is back in step with the previous one
 * (the same state at a checkpoint, on text that did not change): the same result as prepass(text).
 */
export function prepassEdited(previous: PrepassState, text: string, span: Span): EditedPrepass {
  const delta = span.newEnd - span.oldEnd;
  const old = previous.checkpoints;
  const first = lastAtOrBefore(old, span.start, (checkpoint) => checkpoint.offset);
  const from = first < 0 ? { offset: 0, conditionals: [] } : old[first];
  // In step again at a line start past the change where the previous scan was in the same state. A
  // loop macro's test reads back to the last word before it (`else`): that must be past the change too.
  const resync = (offset: number, conditionals: readonly Conditional[]): boolean => {
    if (offset < span.newEnd) return false;
    let j = offset - 1;
    while (j >= 0 && isBlankCode(text.charCodeAt(j))) j--;
    if (j < span.newEnd + 5) return false;
    const index = lastAtOrBefore(old, offset - delta, (checkpoint) => checkpoint.offset);
    const there = index < 0 ? undefined : old[index];
    return there !== undefined && there.offset === offset - delta && sameConditionals(there.conditionals, conditionals);
  };
  const scanned = scan(
    text,
    from.offset,
    from.conditionals.map((group) => ({ ...group })),
    previous.gap,
    resync,
  );
  const before = previous.result;
  const cut = from.offset;
  // Stopped before the end: the rest is the previous scan's, moved by the change's length.
  const inStep = scanned.end < text.length;
  const resumed = scanned.end - delta;
  const keep = <T>(items: readonly T[], fresh: readonly T[], at: (item: T) => number, moved: (item: T) => T): T[] => {
    const result = items.filter((item) => at(item) < cut);
    result.push(...fresh);
    if (inStep) for (const item of items) if (at(item) >= resumed) result.push(moved(item));
    return result;
  };
  // Only what the scan redid can differ: the span is looked for there, not in the whole text.
  const redone = changedSpan(before.text.slice(cut, inStep ? resumed : before.text.length), scanned.text);
  // The same pre-passed text (an edit inside a blanked region), said as changedSpan says it.
  const same = redone.start === redone.oldEnd && redone.oldEnd === redone.newEnd;
  const changed = same
    ? { start: text.length, oldEnd: text.length, newEnd: text.length }
    : { start: cut + redone.start, oldEnd: cut + redone.oldEnd, newEnd: cut + redone.newEnd };
  const state: PrepassState = {
    result: {
      text: before.text.slice(0, cut) + scanned.text + (inStep ? before.text.slice(resumed) : ''),
      macros: keep(
        before.macros,
        scanned.macros,
        (m) => m.start,
        (m) => ({ ...m, start: m.start + delta, end: m.end + delta }),
      ),
      deadRanges: keep(
        before.deadRanges,
        scanned.deadRanges,
        (r) => r[0],
        (r): [number, number] => [r[0] + delta, r[1] + delta],
      ),
      directives: keep(
        before.directives,
        scanned.directives,
        (d) => d.offset,
        (d) => ({ ...d, offset: d.offset + delta }),
      ),
    },
    // The checkpoint the scan started from stays.
    checkpoints: keep(
      old,
      scanned.checkpoints,
      (c) => (c.offset <= cut ? -1 : c.offset),
      (c) => ({ ...c, offset: c.offset + delta }),
    ),
    gap: previous.gap,
  };
  return { state, changed };
}

const isBlankCode = (c: number): boolean => c === SPACE || c === TAB || c === NEWLINE || c === CR || c === 12 || c === 11;

function sameConditionals(a: readonly Conditional[], b: readonly Conditional[]): boolean {
  return a.length === b.length && a.every((group, i) => group.elseIsDead === b[i].elseIsDead && group.blankEndif === b[i].blankEndif);
}

/** What a scan builds, and the state its out-of-line steps share with its loop. */
interface Scan {
  readonly text: string;
  readonly out: Blanker;
  readonly macros: BlankedMacro[];
  readonly deadRanges: [number, number][];
  readonly directives: PrepassResult['directives'];
  readonly conditionals: Conditional[];
  /** Set while blanking an `#if 0` branch (or the `#else` of `#if 1`). */
  dead: { start: number; nesting: number; onElse: 'revive' | 'stay' } | undefined;
  /** How far an unbalanced attribute's search for its `)` read: no checkpoint before that. */
  horizon: number;
}

/**
 * Pre-passes text[from, …) from the state at a checkpoint, until the end or a line start where
 * `resync` says the scan is in step with an earlier one (`end`: where it stopped). The loop reads
 * characters and little else: directives and names are handled by functions of their own, so the
 * optimizing compiler compiles a small loop, and a rare branch seen late (the first `#elif` of a
 * tree) makes it compile only that branch's function again.
 */
function scan(
  text: string,
  from: number,
  conditionals: Conditional[],
  gap = CHECKPOINT_GAP,
  resync?: (offset: number, conditionals: readonly Conditional[]) => boolean,
): Omit<PrepassResult, 'text'> & { text: string; checkpoints: Checkpoint[]; end: number } {
  const state: Scan = {
    text,
    out: new Blanker(text, from),
    macros: [],
    deadRanges: [],
    directives: [],
    conditionals,
    dead: undefined,
    horizon: -1,
  };
  const checkpoints: Checkpoint[] = [];
  const n = text.length;
  let lineStart = true;
  let lastCheckpoint = from;

  for (let i = from; i < n;) {
    const c = text.charCodeAt(i);
    if (c === NEWLINE) {
      lineStart = true;
      i++;
      if (state.dead || state.horizon >= i) continue;
      if (resync?.(i, conditionals)) return scanned(state, i, checkpoints);
      if (i - lastCheckpoint >= gap) {
        checkpoints.push({ offset: i, conditionals: conditionals.map((group) => ({ ...group })) });
        lastCheckpoint = i;
      }
      continue;
    }
    if (c === SPACE || c === TAB || c === CR || c === 12 || c === 11) {
      i++;
      continue;
    }
    if (lineStart && c === HASH) {
      i = directiveLine(state, i);
      continue;
    }
    lineStart = false;
    if (state.dead) i = logicalLineEnd(text, i);
    else if (c === SLASH) {
      const after = skipComment(text, i);
      i = after > 0 ? after : i + 1;
    } else if (c === DQUOTE || c === SQUOTE) i = skipLiteral(text, i, c);
    else if (isIdentStart(c)) i = word(state, i);
    else i++;
  }
  if (state.dead) {
    state.out.blank(state.dead.start, n);
    state.deadRanges.push([state.dead.start, n]);
  }
  return scanned(state, n, checkpoints);
}

function scanned(
  state: Scan,
  end: number,
  checkpoints: Checkpoint[],
): Omit<PrepassResult, 'text'> & { text: string; checkpoints: Checkpoint[]; end: number } {
  const { macros, deadRanges, directives } = state;
  return { text: state.out.result(end), macros, deadRanges, directives, checkpoints, end };
}

/** The directive line at `hash` (a line's first non-blank character): returns its end. */
function directiveLine(state: Scan, hash: number): number {
  const end = logicalLineEnd(state.text, hash);
  const { kind, condition } = directiveOf(state.text.slice(hash, end));
  if (state.dead) deadDirective(state, state.dead, hash, end, kind, condition);
  else liveDirective(state, hash, end, kind, condition);
  return end;
}

/** A directive in code that is compiled: it may open a dead branch (`#if 0`, the `#else` of `#if 1`). */
function liveDirective(state: Scan, hash: number, end: number, kind: Directive, condition: string): void {
  const { conditionals, directives } = state;
  if (kind === 'if' || kind === 'ifdef' || kind === 'ifndef') {
    const isZero = kind === 'if' && /^(0|\(0\))$/.test(condition);
    conditionals.push({ elseIsDead: kind === 'if' && /^(1|\(1\))$/.test(condition), blankEndif: false });
    if (isZero) state.dead = { start: hash, nesting: 0, onElse: 'revive' };
    else directives.push({ offset: hash, kind, condition });
  } else if ((kind === 'else' || kind === 'elif') && conditionals[conditionals.length - 1]?.elseIsDead) {
    state.dead = { start: hash, nesting: 0, onElse: 'stay' };
  } else if (kind === 'endif') {
    const group = conditionals.pop();
    if (group?.blankEndif) state.out.blank(hash, end);
    else directives.push({ offset: hash, kind, condition });
  } else if (kind === 'else' || kind === 'elif') {
    directives.push({ offset: hash, kind, condition });
  }
}

/** A directive inside a dead branch: nesting, or the branch's end. */
function deadDirective(state: Scan, dead: NonNullable<Scan['dead']>, hash: number, end: number, kind: Directive, condition: string): void {
  const { conditionals, directives, deadRanges, out } = state;
  if (kind === 'if' || kind === 'ifdef' || kind === 'ifndef') dead.nesting++;
  else if (kind === 'endif' && dead.nesting > 0) dead.nesting--;
  else if (dead.nesting === 0 && kind === 'endif') {
    // The dead branch runs to the group's end. `#if 0` groups lose their #endif too;
    // the dead #else of `#if 1` keeps it, closing the live `#if 1`.
    const deadEnd = dead.onElse === 'revive' ? end : hash;
    out.blank(dead.start, deadEnd);
    deadRanges.push([dead.start, deadEnd]);
    if (dead.onElse === 'stay') directives.push({ offset: hash, kind, condition });
    conditionals.pop();
    state.dead = undefined;
  } else if (dead.nesting === 0 && (kind === 'else' || kind === 'elif') && dead.onElse === 'revive') {
    const group = conditionals[conditionals.length - 1];
    if (kind === 'else') {
      out.blank(dead.start, end); // the `#if 0 … #else` part, directives included
      deadRanges.push([dead.start, end]);
      group.blankEndif = true;
    } else {
      // `#if 0 … #elif X` becomes `#if X` of the same length: `#elif` -> `#if  `.
      const hashAt = state.text.indexOf('#', hash);
      out.blank(dead.start, hash);
      deadRanges.push([dead.start, hash]);
      const elifAt = state.text.indexOf('elif', hashAt);
      out.replace(elifAt, 'if  ');
      directives.push({ offset: hash, kind: 'if', condition });
    }
    state.dead = undefined;
  }
}

/** The name starting at `start` in live code: a loop macro or an annotation is rewritten. Returns where to go on. */
function word(state: Scan, start: number): number {
  const text = state.text;
  const n = text.length;
  let i = start + 1;
  while (i < n && isIdentChar(text.charCodeAt(i))) i++;
  const name = text.slice(start, i);
  if (LOOP_MACRO.test(name)) return loopMacro(state, start, i, name);
  if (Object.prototype.hasOwnProperty.call(OBJECT_ANNOTATIONS, name)) {
    state.out.blank(start, i);
    state.macros.push({ name, start, end: i });
  } else if (Object.prototype.hasOwnProperty.call(FUNCTION_ANNOTATIONS, name)) return functionAnnotation(state, start, i, name);
  return i;
}

/**
 * `list_for_each_entry(p, &l, node) stmt` is not C; `if (p, &l, node) stmt` of the same length
 * is, and keeps every argument a reference inside the statement's body.
 */
function loopMacro(state: Scan, start: number, end: number, name: string): number {
  if (atStatementStart(state.text, start) && nextNonBlank(state.text, end) === LPAREN)
    state.out.replace(start, 'if' + ' '.repeat(name.length - 2));
  return end;
}

/** An attribute macro with arguments (`__section(".x")`): blanked with them. */
function functionAnnotation(state: Scan, start: number, end: number, name: string): number {
  const text = state.text;
  let j = end;
  while (j < text.length && (text.charCodeAt(j) === SPACE || text.charCodeAt(j) === TAB)) j++;
  if (text.charCodeAt(j) !== LPAREN) return end;
  const close = balancedEnd(text, j);
  if (close < 0) {
    state.horizon = Number.POSITIVE_INFINITY;
    return end;
  }
  state.out.blank(start, close);
  state.macros.push({ name, start, end: close, args: text.slice(j + 1, close - 1) });
  return close;
}

/** The section named by a recorded `__section("x")` or `__attribute__((section("x")))`. */
export function explicitSection(macro: BlankedMacro): string | undefined {
  if (!macro.args || !FUNCTION_ANNOTATIONS[macro.name]?.sectionArgument) return undefined;
  const m =
    macro.name === '__section' ? /^\s*"([^"]*)"\s*$/.exec(macro.args) : /\b_{0,2}section_{0,2}\s*\(\s*"([^"]*)"\s*\)/.exec(macro.args);
  return m?.[1];
}
