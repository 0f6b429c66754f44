// The parser only needs a file's skeleton: file-scope declarations and where each function body or
// initializer begins and ends. What is inside a body is read by the text scan (references.ts), so
// the inside of every file-scope `{ … }` is cut out of the text handed to tree-sitter, and offsets
// are mapped back (CutText). Blanking with spaces kept offsets but left tree-sitter lexing the
// spaces one by one: cutting made the parse 7× faster on kernel C, where bodies are three quarters
// of the bytes. A body that confuses tree-sitter can no longer spill its error recovery into the
// declarations after it either. File-scope comments (kernel-doc above every function) are cut too:
// nothing reads them from the tree, and they were four fifths of what was left of lpfc_sli.c.
//
// The braces are matched on text. A body's own `#if` groups count only their first branch (as if
// every condition were true), which matches where the body ends in that configuration; a
// conditional that crosses a body's edge (a function header written twice in `#ifdef`/`#else`) makes
// the braces unreliable, so cutting stops there and the rest of the file is parsed as it is.

import type { Span } from './changed-span';
import { logicalLineEnd, skipComment, skipLiteral } from './prepass';
import { lastAtOrBefore } from './sorted';

const NEWLINE = 10,
  HASH = 35,
  SLASH = 47,
  STAR = 42,
  DQUOTE = 34,
  SQUOTE = 39;
const LBRACE = 123,
  RBRACE = 125,
  LPAREN = 40,
  RPAREN = 41,
  SEMICOLON = 59,
  EQUALS = 61,
  RBRACKET = 93;

const isIdentChar = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || (c >= 48 && c <= 57);
const isBlank = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11;

/** Whether the comment from `start` to `end` is a line comment or a closed block comment. */
const closes = (text: string, start: number, end: number): boolean =>
  text.charCodeAt(start + 1) === SLASH || (end >= start + 4 && text.charCodeAt(end - 1) === SLASH && text.charCodeAt(end - 2) === STAR);

/** A `{` after one of these opens a body worth cutting: `f(…) {`, `x = {`, `struct s {`, `a[] = {`. */
const opensBody = (previous: number): boolean =>
  previous === RPAREN || previous === EQUALS || previous === RBRACKET || isIdentChar(previous);

type Conditional = 'open' | 'close' | 'branch' | 'other';

/** What a directive does to conditional nesting (`#if…`, `#endif`, `#else`/`#elif…`). */
function conditionalOf(text: string, hash: number): Conditional {
  let i = hash + 1;
  while (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9) i++;
  let j = i;
  while (j < text.length && isIdentChar(text.charCodeAt(j))) j++;
  const word = text.slice(i, j);
  if (word === 'if' || word === 'ifdef' || word === 'ifndef') return 'open';
  if (word === 'endif') return 'close';
  if (word === 'else' || word.startsWith('elif')) return 'branch';
  return 'other';
}

/** The insides of the file-scope bodies of `text` (already pre-passed), its file-scope comments, and where trust ended. */
export function findBodies(text: string): { regions: [number, number][]; comments: [number, number][]; stoppedAt: number } {
  const { regions, comments, stoppedAt } = scanBodies(text, SEMICOLON);
  return { regions, comments, stoppedAt };
}

/** True when `text` (pre-passed) is one body: `{`, then code whose braces close at its last `}`. */
export function isOneBody(text: string): boolean {
  if (text.charCodeAt(0) !== LBRACE || text.charCodeAt(text.length - 1) !== RBRACE) return false;
  const { regions, stoppedAt } = scanBodies(text, RPAREN);
  if (stoppedAt >= 0) return false;
  return text.length === 2 ? regions.length === 0 : regions.length === 1 && regions[0][0] === 1 && regions[0][1] === text.length - 1;
}

/** A line start at file scope outside any conditional inside a body, with what the scan knew there. */
interface BodiesCheckpoint {
  offset: number;
  parens: number;
  previous: number;
}

/** An open document's bodies, with where a later edit's scan can start again. */
export interface BodiesState {
  regions: [number, number][];
  /** File-scope comments after a blank (or at the start): cut from the skeleton too. */
  comments: [number, number][];
  stoppedAt: number;
  checkpoints: BodiesCheckpoint[];
  /** Characters between checkpoints at least. */
  gap: number;
}

const CHECKPOINT_GAP = 2048;

/** The bodies of `text` with checkpoints at least `gap` characters apart (tests make them denser). */
export function bodiesState(text: string, gap = CHECKPOINT_GAP): BodiesState {
  return { ...scanBodies(text, SEMICOLON, undefined, gap, () => false), gap };
}

/**
 * The bodies of `text` (pre-passed), which `span` made of the text `previous` was found in:
 * scanned from the checkpoint before the change until the scan is back in step (the same result
 * as findBodies(text)).
 */
export function bodiesEdited(previous: BodiesState, text: string, span: Span): BodiesState {
  const delta = span.newEnd - span.oldEnd;
  const old = previous.checkpoints;
  const first = lastAtOrBefore(old, span.start, (checkpoint) => checkpoint.offset);
  const from: BodiesCheckpoint = first < 0 ? { offset: 0, parens: 0, previous: SEMICOLON } : old[first];
  let next = first + 1;
  const resync = (offset: number, parens: number, previousCode: number): boolean => {
    if (offset < span.newEnd) return false;
    while (next < old.length && old[next].offset < offset - delta) next++;
    const there = old[next];
    return there !== undefined && there.offset === offset - delta && there.parens === parens && there.previous === previousCode;
  };
  const scanned = scanBodies(text, from.previous, from, previous.gap, resync);
  const cut = from.offset;
  // A comment is skipped whole, so none spans the line start a checkpoint is at.
  const regions = previous.regions.filter((region) => region[0] < cut);
  regions.push(...scanned.regions);
  const comments = previous.comments.filter((comment) => comment[0] < cut);
  comments.push(...scanned.comments);
  const checkpoints = old.slice(0, first + 1);
  checkpoints.push(...scanned.checkpoints);
  if (scanned.resumedAt === undefined) return { regions, comments, stoppedAt: scanned.stoppedAt, checkpoints, gap: previous.gap };
  const resumed = scanned.resumedAt - delta;
  for (const [start, end] of previous.regions) if (start >= resumed) regions.push([start + delta, end + delta]);
  for (const [start, end] of previous.comments) if (start >= resumed) comments.push([start + delta, end + delta]);
  for (const checkpoint of old) if (checkpoint.offset >= resumed) checkpoints.push({ ...checkpoint, offset: checkpoint.offset + delta });
  return { regions, comments, stoppedAt: previous.stoppedAt < 0 ? -1 : previous.stoppedAt + delta, checkpoints, gap: previous.gap };
}

/** Conditional groups opened inside the current body: true once past their first branch, and how many are. */
interface ConditionalGroups {
  open: boolean[];
  skipped: number;
}

/**
 * A directive line inside a body (at `hash`): only the first branch of a group the body opens
 * counts. False when it ends or switches a group opened outside the body: its branches disagree on
 * where the body starts. Out of the scan's loop: most bodies have no directive.
 */
function bodyDirective(text: string, hash: number, groups: ConditionalGroups): boolean {
  const kind = conditionalOf(text, hash);
  if (kind === 'open') groups.open.push(false);
  else if (kind === 'branch' || kind === 'close') {
    if (groups.open.length === 0) return false;
    if (kind === 'close') {
      if (groups.open.pop()) groups.skipped--;
    } else if (!groups.open[groups.open.length - 1]) {
      groups.open[groups.open.length - 1] = true;
      groups.skipped++;
    }
  }
  return true;
}

/** Every return has the same fields: one object shape where the callers read them. */
function scanBodies(
  text: string,
  previousAtStart: number,
  start?: BodiesCheckpoint,
  gap = CHECKPOINT_GAP,
  /** Whether the scan is in step with an earlier one at this line start; none: no checkpoints wanted. */
  resync?: (offset: number, parens: number, previous: number) => boolean,
): Omit<BodiesState, 'gap'> & { resumedAt?: number } {
  const regions: [number, number][] = [];
  const comments: [number, number][] = [];
  const checkpoints: BodiesCheckpoint[] = [];
  const to = text.length;
  let depth = 0,
    parens = start?.parens ?? 0,
    previous = previousAtStart,
    open = -1,
    cuttable = false;
  const conditionalGroups: ConditionalGroups = { open: [], skipped: 0 };
  let lineStart = true;
  const from = start?.offset ?? 0;
  let lastCheckpoint = from;
  for (let i = from; i < to;) {
    const c = text.charCodeAt(i);
    if (c === NEWLINE) {
      lineStart = true;
      i++;
      if (depth > 0 || !resync) continue;
      if (resync(i, parens, previous)) return { regions, comments, stoppedAt: -1, checkpoints, resumedAt: i };
      if (i - lastCheckpoint >= gap) {
        checkpoints.push({ offset: i, parens, previous });
        lastCheckpoint = i;
      }
      continue;
    }
    if (isBlank(c)) {
      i++;
      continue;
    }
    if (c === HASH && lineStart) {
      if (depth > 0 && !bodyDirective(text, i, conditionalGroups))
        return { regions, comments, stoppedAt: i, checkpoints, resumedAt: undefined };
      i = logicalLineEnd(text, i);
      continue;
    }
    lineStart = false;
    if (c === SLASH) {
      const after = skipComment(text, i);
      if (after > 0) {
        // The blank before it keeps the tokens around it apart once it is cut; a comment left open
        // is the parser's to report.
        if (depth === 0 && (i === 0 || isBlank(text.charCodeAt(i - 1))) && closes(text, i, after)) comments.push([i, after]);
        i = after;
        continue;
      }
    }
    if (c === DQUOTE || c === SQUOTE) {
      i = skipLiteral(text, i, c);
      previous = c;
      continue;
    }
    i++;
    if (conditionalGroups.skipped > 0) continue;
    if (c === LBRACE) {
      if (depth++ === 0) {
        open = i;
        cuttable = parens === 0 && opensBody(previous);
      }
    } else if (c === RBRACE) {
      if (depth === 0) return { regions, comments, stoppedAt: i - 1, checkpoints, resumedAt: undefined };
      if (--depth === 0) {
        // A group still open here began inside the body and ends outside it: not a body we understand.
        if (conditionalGroups.open.length > 0) return { regions, comments, stoppedAt: open - 1, checkpoints, resumedAt: undefined };
        if (cuttable && i - 1 > open) regions.push([open, i - 1]);
        parens = 0;
      }
    } else if (depth === 0) {
      if (c === LPAREN) parens++;
      else if (c === RPAREN) parens = Math.max(0, parens - 1);
      else if (c === SEMICOLON) parens = 0;
    }
    if (depth === 0) previous = c;
  }
  return { regions, comments, stoppedAt: depth > 0 ? open - 1 : -1, checkpoints, resumedAt: undefined };
}

/**
 * The text without the regions, and the way back: an offset in the short text maps to the same
 * character in the full one (an offset where a region was cut maps to the character after it).
 */
export class CutText {
  readonly text: string;
  /** Short-text offsets where each region was cut, ascending. */
  private readonly cuts: number[] = [];
  /** Characters removed up to and including each cut. */
  private readonly removed: number[] = [];

  constructor(full: string, regions: readonly [number, number][]) {
    if (regions.length === 0) {
      this.text = full;
      return;
    }
    const pieces: string[] = [];
    let copied = 0,
      total = 0;
    for (const [start, end] of regions) {
      pieces.push(full.slice(copied, start));
      this.cuts.push(start - total);
      total += end - start;
      this.removed.push(total);
      copied = end;
    }
    pieces.push(full.slice(copied));
    this.text = pieces.join('');
  }

  toFull(offset: number): number {
    let low = 0,
      high = this.cuts.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (this.cuts[mid] <= offset) low = mid + 1;
      else high = mid;
    }
    return low === 0 ? offset : offset + this.removed[low - 1];
  }
}

export type Skeleton = CutText & { stoppedAt: number; regions: [number, number][] };

/**
 * The pre-passed text with the inside of every file-scope body and its file-scope comments cut out,
 * for the parser (`bodies`: found already). `regions` are the bodies' insides alone.
 */
export function skeleton(
  prepassed: string,
  bodies: Pick<BodiesState, 'regions' | 'comments' | 'stoppedAt'> = findBodies(prepassed),
): Skeleton {
  const { regions, comments, stoppedAt } = bodies;
  return Object.assign(new CutText(prepassed, mergeSorted(regions, comments)), { stoppedAt, regions });
}

/** Two ascending lists of disjoint regions as one. */
function mergeSorted(a: readonly [number, number][], b: readonly [number, number][]): readonly [number, number][] {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  const merged: [number, number][] = [];
  let i = 0,
    j = 0;
  while (i < a.length || j < b.length) merged.push(j >= b.length || (i < a.length && a[i][0] < b[j][0]) ? a[i++] : b[j++]);
  return merged;
}
