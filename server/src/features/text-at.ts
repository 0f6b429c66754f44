// The identifier under the cursor.

import type { Position, Range } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';

export interface WordAt {
  word: string;
  range: Range;
}

export function wordAt(document: TextDocument, position: Position): WordAt | undefined {
  const line = document.getText({ start: { line: position.line, character: 0 }, end: { line: position.line + 1, character: 0 } });
  const isWord = (c: string | undefined): boolean => c !== undefined && /\w/.test(c);
  let start = Math.min(position.character, line.length);
  let end = start;
  while (start > 0 && isWord(line[start - 1])) start--;
  while (isWord(line[end])) end++;
  if (start === end || /^\d/.test(line.slice(start, end))) return undefined;
  return {
    word: line.slice(start, end),
    range: { start: { line: position.line, character: start }, end: { line: position.line, character: end } },
  };
}
