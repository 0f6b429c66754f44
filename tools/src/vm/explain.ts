// Puts each crash the VM saw on its source line, in the gcc form the `$kmod-vm` problem matcher
// reads, and links the analyzer's finding that explains it (the seed: the exit function read
// __initdata, so rmmod oopsed).

import * as path from 'node:path';
import { analyzeModuleDir } from '../../../server/src/engine/project';
import type { Finding } from '../../../server/src/model/types';
import type { VmTestResult } from './vmtest';

/** Findings whose referencing code is `fn`: the likely cause of a crash inside `fn`. */
export function findingsExplaining(fn: string, findings: readonly Finding[]): Finding[] {
  return findings.filter((f) => f.from?.symbol === fn && (f.code === 'section-mismatch' || f.code.startsWith('module-')));
}

export async function crashLines(result: VmTestResult, moduleDir: string, kernelVersion?: string): Promise<string[]> {
  const located = result.oops.filter((report) => report.rip?.source);
  if (located.length === 0) return [];
  let findings: Finding[] = [];
  try {
    findings = (await analyzeModuleDir(moduleDir, { kernelVersion, keepFacts: false })).findings;
  } catch {
    /* no explanation then; the crash line still stands */
  }
  const lines: string[] = [];
  for (const report of located) {
    const rip = report.rip!;
    const source = rip.source!;
    const file = path.resolve(moduleDir, source.file);
    const cause = findingsExplaining(rip.function, findings)[0];
    const explanation = cause
      ? ` — explained by ${path.basename(new URL(cause.uri).pathname)}:${cause.range.start.line + 1}: ${cause.message}`
      : '';
    const severity = /WARNING/.test(report.kind) ? 'warning' : 'error';
    lines.push(
      `${file}:${source.line}:1: ${severity}: ${report.kind} in ${rip.function}+0x${rip.offset.toString(16)} while testing in the VM${explanation} [vm]`,
    );
  }
  return lines;
}
