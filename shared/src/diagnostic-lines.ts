// The lines the kbuild wrapper adds to the build output, in gcc's "file:line:col: severity: message"
// form so the problem matchers in package.json ($kbuild-gcc, $kbuild-modpost) place them.

import * as path from 'node:path';

/** Marks a line the wrapper derived from a modpost diagnostic. */
export const MODPOST_TAG = '[modpost]';

export interface GccDiagnostic {
  file: string;
  /** 1-based, as gcc prints them. */
  line: number;
  column: number;
  severity: 'error' | 'warning';
  message: string;
}

/** gcc/clang diagnostics as kbuild prints them: absolute paths (M=/abs, ≤6.12) or relative to the module dir (7.x). */
const GCC_LINE = /^(?<file>[^\s:][^:]*):(?<line>\d+):(?<column>\d+): (?<severity>(?:fatal )?error|warning): (?<message>.*)$/;

export function parseGccLine(line: string): GccDiagnostic | undefined {
  const match = GCC_LINE.exec(line.replace(/\r$/, ''));
  if (!match?.groups) return undefined;
  const g = match.groups;
  return {
    file: g.file,
    line: Number(g.line),
    column: Number(g.column),
    severity: g.severity === 'warning' ? 'warning' : 'error',
    message: g.message,
  };
}

export interface ExtraLine {
  file: string;
  /** 0-based line and column (converted to gcc's 1-based numbers on output). */
  line: number;
  character: number;
  severity: 'error' | 'warning';
  message: string;
}

/** A modpost diagnostic placed at a source line: "<abs file>:<line>:<col>: warning: <message> [modpost]". */
export function formatModpostLine(extra: ExtraLine): string {
  return `${extra.file}:${extra.line + 1}:${extra.character + 1}: ${extra.severity}: ${extra.message} ${MODPOST_TAG}`;
}

/**
 * The absolute-path copy of a gcc diagnostic with a relative path (kbuild 7.x compiles external
 * modules inside the module directory); undefined when the path is already absolute.
 */
export function absoluteGccLine(diagnostic: GccDiagnostic, moduleDir: string): string | undefined {
  if (path.isAbsolute(diagnostic.file)) return undefined;
  const file = path.resolve(moduleDir, diagnostic.file);
  return `${file}:${diagnostic.line}:${diagnostic.column}: ${diagnostic.severity}: ${diagnostic.message}`;
}
