// The modpost problems of one build, placed on source lines, as the kbuild wrapper hands them to
// the extension: a JSON file the extension turns into diagnostics it owns, so it can drop them
// when the source changes (a problem matcher's diagnostics stay until the next build).

import * as fs from 'node:fs';
import * as path from 'node:path';

export interface BuildProblem {
  /** Absolute path of the source file. */
  file: string;
  /** 0-based line; UTF-16 columns on that line. */
  line: number;
  character: number;
  endCharacter: number;
  severity: 'error' | 'warning';
  message: string;
  /** What kind of modpost check it is (`section-mismatch`, `undefined-symbol`, …). */
  code: string;
}

export interface BuildReport {
  moduleDir: string;
  problems: BuildProblem[];
}

const isProblem = (value: unknown): value is BuildProblem => {
  if (typeof value !== 'object' || value === null) return false;
  const p = value as Record<string, unknown>;
  return (
    typeof p.file === 'string' &&
    path.isAbsolute(p.file) &&
    [p.line, p.character, p.endCharacter].every((n) => Number.isInteger(n) && (n as number) >= 0) &&
    (p.severity === 'error' || p.severity === 'warning') &&
    typeof p.message === 'string' &&
    typeof p.code === 'string'
  );
};

/** The report in `text`, or undefined when it is not one (a bad file is ignored, never trusted). */
export function parseBuildReport(text: string): BuildReport | undefined {
  try {
    const value = JSON.parse(text) as Partial<BuildReport>;
    if (typeof value.moduleDir !== 'string' || !Array.isArray(value.problems)) return undefined;
    return { moduleDir: value.moduleDir, problems: value.problems.filter(isProblem) };
  } catch {
    return undefined;
  }
}

/** Writes the report atomically: a reader never sees half a file. */
export function writeBuildReport(file: string, report: BuildReport): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const partial = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(partial, `${JSON.stringify(report)}\n`);
  fs.renameSync(partial, file);
}
