// Shared by the VM/oops tests (not product code): repo paths, the kernel build dir, scratch copies.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { testKernel } from './kernels';
import { REPO_ROOT } from './paths';

export { REPO_ROOT };
export const FIXTURES = path.join(REPO_ROOT, 'test', 'vm-fixtures');

/** Debian bookworm's 6.1 headers (the VM boots the matching kernel); fails naming the setup when missing. */
export function testKernelBuildDir(): string {
  return testKernel('6.1').kdir;
}

/** Copies a module source directory into a fresh temp dir so build outputs never land in the repo. */
export function scratchCopy(sourceDir: string, label: string): string {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), `kmod-${label}-`)), path.basename(sourceDir));
  fs.cpSync(sourceDir, dir, { recursive: true });
  return dir;
}

/** 1-based line numbers of the lines of `file` that contain `text`. */
export function linesContaining(file: string, text: string): number[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .flatMap((line, i) => (line.includes(text) ? [i + 1] : []));
}

/** First and last line of the C function whose definition line contains `header` (brace matching). */
export function functionLineRange(file: string, header: string): { first: number; last: number } {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const first = lines.findIndex((line) => line.includes(header));
  if (first < 0) throw new Error(`${header} not found in ${file}`);
  let depth = 0;
  for (let i = first; i < lines.length; i++) {
    for (const char of lines[i]) {
      if (char === '{') depth++;
      if (char === '}' && --depth === 0) return { first: first + 1, last: i + 1 };
    }
  }
  throw new Error(`unbalanced braces after ${header} in ${file}`);
}
