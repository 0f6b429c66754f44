// Findings the author silenced with a comment, like eslint's disable comments:
//
//   x = hello3_data; // kmod-ignore section-mismatch -- read before init memory is freed
//   // kmod-ignore-next-line section-mismatch, export-init-exit
//   /* kmod-ignore */
//
// `kmod-ignore` silences its own line, `kmod-ignore-next-line` the line below it. The codes are
// separated by commas or spaces; none means every code. Text after `--` is the reason, for people.

import type { Suppression } from '../model/types';

export const IGNORE_MARKER = 'kmod-ignore';

/** The comment opening, the marker, and what follows up to the end of the comment or the line. */
const DIRECTIVE = /\/([/*])[ \t]*kmod-ignore(-next-line)?(?![\w-])([^\n]*)/g;
const CODE = /^[a-z][a-z0-9-]*$/;

/** The silenced lines of `text` (0-based); cheap on text without the marker. */
export function suppressionsIn(text: string): Suppression[] {
  if (!text.includes(IGNORE_MARKER)) return [];
  const found: Suppression[] = [];
  let line = 0,
    counted = 0;
  for (const match of text.matchAll(DIRECTIVE)) {
    for (let i = text.indexOf('\n', counted); i >= 0 && i < match.index; i = text.indexOf('\n', i + 1)) line++;
    counted = match.index;
    let rest = match[3];
    if (match[1] === '*') {
      const close = rest.indexOf('*/');
      if (close >= 0) rest = rest.slice(0, close);
    }
    const reason = rest.indexOf('--');
    if (reason >= 0) rest = rest.slice(0, reason);
    const words = rest
      .replace(/^\s*:/, '')
      .split(/[\s,]+/)
      .filter(Boolean);
    // Anything that is not a code list (prose after the marker) silences nothing: a typo must not hide every finding.
    if (!words.every((word) => CODE.test(word))) continue;
    found.push({ line: match[2] ? line + 1 : line, ...(words.length > 0 ? { codes: words } : {}) });
  }
  return found;
}

/** Whether a finding with `code` starting on `line` is silenced. */
export function isSuppressed(suppressions: readonly Suppression[] | undefined, line: number, code: string): boolean {
  return !!suppressions?.some((s) => s.line === line && (!s.codes || s.codes.includes(code)));
}

/**
 * The silenced lines of `text`, which `change` made of `previousText` (silenced as `previous`
 * says; the change starts on line `firstLine` and adds `addedLines` line breaks, fewer when
 * negative). A suppression lives on one line: unless the changed lines hold the marker before or
 * after the edit, the others only move with the lines added or removed, and the text is not
 * searched again (on a 700 KB file that search was a good part of a keystroke's work).
 */
export function suppressionsEdited(
  previous: Suppression[],
  previousText: string,
  text: string,
  change: { start: number; oldEnd: number; newEnd: number },
  firstLine: number,
  addedLines: number,
): Suppression[] {
  const changedLines = (source: string, end: number): string => {
    const lineEnd = source.indexOf('\n', end);
    return source.slice(source.lastIndexOf('\n', change.start - 1) + 1, lineEnd < 0 ? source.length : lineEnd);
  };
  if (changedLines(previousText, change.oldEnd).includes(IGNORE_MARKER) || changedLines(text, change.newEnd).includes(IGNORE_MARKER))
    return suppressionsIn(text);
  return addedLines === 0 ? previous : previous.map((s) => (s.line <= firstLine ? s : { ...s, line: s.line + addedLines }));
}
