import type { Position, Range } from '../model/types';

/** Converts UTF-16 offsets of one text to 0-based line/character positions and back. */
export class LineIndex {
  /** Offsets of the line starts, in a typed array: an edited text's is copied from the previous one (no array to grow and collect per key). */
  private readonly lineStarts: Uint32Array;

  constructor(
    private readonly text: string,
    lineStarts?: Uint32Array,
  ) {
    if (lineStarts) {
      this.lineStarts = lineStarts;
      return;
    }
    this.lineStarts = new Uint32Array(1 + countLineBreaks(text, 0, text.length));
    let line = 1;
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.lineStarts[line++] = i + 1;
  }

  /**
   * The index of `text`, which `change` made of the text `previous` indexes: its line starts
   * before and after the change carried over, only the changed part searched (a 700 KB text's
   * lines are a millisecond to count).
   */
  static edited(previous: LineIndex, text: string, change: { start: number; oldEnd: number; newEnd: number }): LineIndex {
    const before = previous.lineStarts;
    const delta = change.newEnd - change.oldEnd;
    // Kept: the starts up to the change's start; dropped: those inside the old span; moved: those after it.
    const kept = upperBound(before, change.start);
    const moved = upperBound(before, change.oldEnd);
    const starts = new Uint32Array(kept + countLineBreaks(text, change.start, change.newEnd) + before.length - moved);
    starts.set(before.subarray(0, kept));
    let line = kept;
    for (let at = text.indexOf('\n', change.start); at >= 0 && at < change.newEnd; at = text.indexOf('\n', at + 1)) starts[line++] = at + 1;
    for (let i = moved; i < before.length; i++) starts[line++] = before[i] + delta;
    return new LineIndex(text, starts);
  }

  get lineCount(): number {
    return this.lineStarts.length;
  }

  /** The line starts, copied (for another thread: the index keeps its own). */
  copyOfStarts(): Uint32Array {
    return this.lineStarts.slice();
  }

  positionAt(offset: number): Position {
    const starts = this.lineStarts;
    let low = 0,
      high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (starts[mid] <= offset) low = mid;
      else high = mid - 1;
    }
    return { line: low, character: offset - starts[low] };
  }

  rangeOf(start: number, end: number): Range {
    return { start: this.positionAt(start), end: this.positionAt(end) };
  }

  offsetAt(position: Position): number {
    const line = Math.min(Math.max(position.line, 0), this.lineStarts.length - 1);
    const lineEnd = line + 1 < this.lineStarts.length ? this.lineStarts[line + 1] : this.text.length;
    return Math.min(this.lineStarts[line] + Math.max(position.character, 0), lineEnd);
  }
}

/** The position of `offset` in `text`, by counting line breaks: for one lookup, without an index. */
export function positionOf(text: string, offset: number): Position {
  let line = 0,
    lineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, character: offset - lineStart };
}

/** Line breaks in text[from, to). */
function countLineBreaks(text: string, from: number, to: number): number {
  let count = 0;
  for (let i = text.indexOf('\n', from); i >= 0 && i < to; i = text.indexOf('\n', i + 1)) count++;
  return count;
}

/** The number of entries of the ascending `starts` that are at most `offset`. */
function upperBound(starts: Uint32Array, offset: number): number {
  let low = 0,
    high = starts.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (starts[mid] <= offset) low = mid + 1;
    else high = mid;
  }
  return low;
}
