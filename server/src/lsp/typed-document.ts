// The server's open documents. vscode-languageserver-textdocument applies each change to the text at
// once: `head + key + tail` and a look at the characters around it, which copies the whole text on
// every key (700 KB per key on a large driver file, and the garbage a full GC then walks). Here a run
// of changes inside one region (typing, backspacing what was just typed) stays one pending edit of
// the last text, applied when the text is asked for: once per analysis, not once per key. So do the
// line offsets after the change: a key adds to one pending shift of them instead of rewriting the
// thousands of lines that follow. Positions and line offsets behave exactly as the library's.

import type { TextDocumentContentChangeEvent } from 'vscode-languageserver';
import type { Position, Range, TextDocument } from 'vscode-languageserver-textdocument';

const LF = 10,
  CR = 13;
const isEOL = (c: number): boolean => c === CR || c === LF;

/** Offsets of the line starts in `text` (the first at `textOffset` when `atLineStart`). */
function lineOffsetsOf(text: string, atLineStart: boolean, textOffset = 0): number[] {
  const result = atLineStart ? [textOffset] : [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isEOL(c)) {
      if (c === CR && i + 1 < text.length && text.charCodeAt(i + 1) === LF) i++;
      result.push(textOffset + i + 1);
    }
  }
  return result;
}

function wellFormed(range: Range): Range {
  const { start, end } = range;
  return start.line > end.line || (start.line === end.line && start.character > end.character) ? { start: end, end: start } : range;
}

export class TypedDocument implements TextDocument {
  /** The text as last applied. */
  private base: string;
  /** A change not applied yet: base[start, end) is `text` now. */
  private pending: { start: number; end: number; text: string } | undefined;
  private length: number;
  private lineOffsets: number[] | undefined;
  /** lineOffsets from this line on are `shiftBy` short: a shift not applied yet. */
  private shiftFrom = Number.POSITIVE_INFINITY;
  private shiftBy = 0;

  constructor(
    readonly uri: string,
    readonly languageId: string,
    public version: number,
    content: string,
  ) {
    this.base = content;
    this.length = content.length;
  }

  static create(uri: string, languageId: string, version: number, content: string): TypedDocument {
    return new TypedDocument(uri, languageId, version, content);
  }

  static update(document: TypedDocument, changes: readonly TextDocumentContentChangeEvent[], version: number): TypedDocument {
    document.update(changes, version);
    return document;
  }

  getText(range?: Range): string {
    const text = this.applied();
    return range ? text.substring(this.offsetAt(range.start), this.offsetAt(range.end)) : text;
  }

  /** The text's length, without putting the text together. */
  get textLength(): number {
    return this.length;
  }

  get lineCount(): number {
    return this.offsets().length;
  }

  update(changes: readonly TextDocumentContentChangeEvent[], version: number): void {
    for (const change of changes) {
      if (!('range' in change)) {
        this.base = change.text;
        this.pending = undefined;
        this.length = change.text.length;
        this.forgetLines();
        continue;
      }
      const range = wellFormed(change.range);
      const start = this.offsetAt(range.start);
      const end = this.offsetAt(range.end);
      this.replace(start, end, change.text);
      const insertedEnd = start + change.text.length;
      // A CRLF pair across an edit boundary is not in the inserted text's line offsets.
      const crlfAtStart = this.charCodeAt(start - 1) === CR && this.charCodeAt(start) === LF;
      const crlfAtEnd = this.charCodeAt(insertedEnd - 1) === CR && this.charCodeAt(insertedEnd) === LF;
      if (crlfAtStart || crlfAtEnd || !this.lineOffsets) {
        this.forgetLines();
        continue;
      }
      const startLine = Math.max(range.start.line, 0);
      const endLine = Math.max(range.end.line, 0);
      const added = lineOffsetsOf(change.text, false, start);
      const diff = change.text.length - (end - start);
      const shiftFrom = startLine + 1 + added.length;
      // Typing on one line: the lines after it move again by what this key added.
      if (added.length === 0 && endLine === startLine && shiftFrom === this.shiftFrom) {
        this.shiftBy += diff;
        continue;
      }
      let offsets = this.shifted();
      if (endLine - startLine === added.length) {
        for (let i = 0; i < added.length; i++) offsets[i + startLine + 1] = added[i];
      } else if (added.length < 10_000) {
        offsets.splice(startLine + 1, endLine - startLine, ...added);
      } else {
        // Too many arguments for one splice.
        offsets = this.lineOffsets = offsets.slice(0, startLine + 1).concat(added, offsets.slice(endLine + 1));
      }
      if (diff !== 0) {
        this.shiftFrom = shiftFrom;
        this.shiftBy = diff;
      }
    }
    this.version = version;
  }

  positionAt(offset: number): Position {
    offset = Math.max(Math.min(offset, this.length), 0);
    let low = 0,
      high = this.offsets().length;
    if (high === 0) return { line: 0, character: offset };
    while (low < high) {
      const mid = Math.floor((low + high) / 2);
      if (this.lineStart(mid) > offset) high = mid;
      else low = mid + 1;
    }
    const line = low - 1;
    const lineOffset = this.lineStart(line);
    offset = this.beforeEOL(offset, lineOffset);
    return { line, character: offset - lineOffset };
  }

  offsetAt(position: Position): number {
    const lines = this.offsets().length;
    if (position.line >= lines) return this.length;
    if (position.line < 0) return 0;
    const lineOffset = this.lineStart(position.line);
    if (position.character <= 0) return lineOffset;
    const nextLineOffset = position.line + 1 < lines ? this.lineStart(position.line + 1) : this.length;
    return this.beforeEOL(Math.min(lineOffset + position.character, nextLineOffset), lineOffset);
  }

  getLineRange(line: number): Range {
    const lines = this.offsets().length;
    if (line >= lines) {
      const last = lines - 1;
      return { start: { line: last, character: 0 }, end: { line: last, character: this.length - this.lineStart(last) } };
    }
    if (line < 0) return { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
    const startOffset = this.lineStart(line);
    const nextLineOffset = line + 1 < lines ? this.lineStart(line + 1) : this.length;
    const endOffset = this.beforeEOL(nextLineOffset, startOffset);
    return { start: { line, character: 0 }, end: { line, character: endOffset - startOffset } };
  }

  getEOLCharacters(line: number): string {
    const lines = this.offsets().length;
    if (line >= lines || line < 0) return '';
    const nextLineOffset = line + 1 < lines ? this.lineStart(line + 1) : this.length;
    const eol = this.beforeEOL(nextLineOffset, this.lineStart(line));
    return this.applied().substring(eol, nextLineOffset);
  }

  /** Replaces [start, end) of the current text: folded into the pending change when it falls inside what that one inserted. */
  private replace(start: number, end: number, text: string): void {
    const pending = this.pending;
    if (pending && start >= pending.start && end <= pending.start + pending.text.length) {
      pending.text = pending.text.slice(0, start - pending.start) + text + pending.text.slice(end - pending.start);
    } else {
      this.applied();
      this.pending = { start, end, text };
    }
    this.length += text.length - (end - start);
  }

  private applied(): string {
    const pending = this.pending;
    if (pending) {
      this.base = this.base.slice(0, pending.start) + pending.text + this.base.slice(pending.end);
      this.pending = undefined;
    }
    return this.base;
  }

  /** A character of the current text (NaN outside it), without applying the pending change. */
  private charCodeAt(offset: number): number {
    const pending = this.pending;
    if (!pending || offset < pending.start) return this.base.charCodeAt(offset);
    const inserted = offset - pending.start;
    if (inserted < pending.text.length) return pending.text.charCodeAt(inserted);
    return this.base.charCodeAt(pending.end + inserted - pending.text.length);
  }

  /** The line offsets, the pending shift not applied (see lineStart). */
  private offsets(): number[] {
    return (this.lineOffsets ??= lineOffsetsOf(this.applied(), true));
  }

  /** Where `line` starts now. */
  private lineStart(line: number): number {
    const offsets = this.offsets();
    return line >= this.shiftFrom ? offsets[line] + this.shiftBy : offsets[line];
  }

  /** The line offsets with the pending shift applied. */
  private shifted(): number[] {
    const offsets = this.offsets();
    for (let i = this.shiftFrom; i < offsets.length; i++) offsets[i] += this.shiftBy;
    this.shiftFrom = Number.POSITIVE_INFINITY;
    this.shiftBy = 0;
    return offsets;
  }

  private forgetLines(): void {
    this.lineOffsets = undefined;
    this.shiftFrom = Number.POSITIVE_INFINITY;
    this.shiftBy = 0;
  }

  private beforeEOL(offset: number, lineOffset: number): number {
    while (offset > lineOffset && isEOL(this.charCodeAt(offset - 1))) offset--;
    return offset;
  }
}
