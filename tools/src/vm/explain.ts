// Puts each crash the VM saw on its source line, in the gcc-like form the `$kmod-vm` problem matcher
// reads, and links the analyzer's finding that explains it (the seed: the exit function read
// __initdata, so rmmod oopsed).

import * as path from 'node:path';
import { analyzeModuleDir } from '../../../server/src/engine/project';
import type { Finding } from '../../../server/src/model/types';
import { filePathOf } from '../../../server/src/model/uris';
import type { VmTestResult } from './vmtest';

/** Findings whose referencing code is `fn`: the likely cause of a crash inside `fn`. */
export function findingsExplaining(fn: string, findings: readonly Finding[]): Finding[] {
  return findings.filter((f) => f.from?.symbol === fn && (f.code === 'section-mismatch' || f.code.startsWith('module-')));
}

/**
 * Where on the line the problem goes: the explaining finding's identifier when it is on the crash
 * line ("22:42-53", end exclusive, as clang's source ranges), else the whole line ("22", which
 * VS Code's problem matcher spans from the first column to the end).
 */
export function crashPosition(file: string, line: number, cause: Finding | undefined): string {
  const range = cause?.range;
  const causeFile = cause && filePathOf(cause.uri);
  const onLine =
    range !== undefined &&
    causeFile !== undefined &&
    path.resolve(causeFile) === path.resolve(file) &&
    range.start.line + 1 === line &&
    range.end.line === range.start.line &&
    range.end.character > range.start.character;
  return onLine ? `${line}:${range.start.character + 1}-${range.end.character + 1}` : `${line}`;
}

/**
 * The matcher lines of the located crashes. `kdir` is the build dir the VM's kernel comes from: its
 * version words the explanation as that kernel's modpost does (unless `kernelVersion` says otherwise).
 */
export async function crashLines(result: VmTestResult, moduleDir: string, kernelVersion?: string, kdir?: string): Promise<string[]> {
  const located = result.oops.filter((report) => report.rip?.source);
  if (located.length === 0) return [];
  let findings: Finding[] = [];
  try {
    findings = (await analyzeModuleDir(moduleDir, { kernelVersion, kdir, keepFacts: false })).findings;
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
      `${file}:${crashPosition(file, source.line, cause)}: ${severity}: ${report.kind} in ${rip.function}+0x${rip.offset.toString(16)} while testing in the VM${explanation} [vm]`,
    );
  }
  return lines;
}
