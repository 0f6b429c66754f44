// Test helper: writes real module sources (and an optional Kbuild) into a temp dir and analyzes them
// with the real engine.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyzePaths, type AnalysisOptions, type ProjectAnalysis } from '../../server/src/engine/project';
import type { Finding } from '../../server/src/model/types';

export function writeModule(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kmod-test-'));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

export async function analyzeSources(
  files: Record<string, string>,
  options: AnalysisOptions = {},
): Promise<ProjectAnalysis & { dir: string }> {
  const dir = writeModule(files);
  try {
    return { ...(await analyzePaths([dir], options)), dir };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** "code from->to @line" summaries (1-based lines) for compact assertions. */
export function summarize(findings: readonly Finding[]): string[] {
  return findings.map(
    (f) =>
      `${f.code} ${f.from?.symbol ?? '-'}->${f.to?.symbol ?? '-'} @${path.basename(new URL(f.uri).pathname)}:${f.range.start.line + 1}`,
  );
}
