// Test support shared by the modpost and kbuild-client tests: the captured build logs, temp
// copies of their module sources, and the installed kernel headers. Not used by the product.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { testKernel } from './kernels';
import { REPO_ROOT } from './paths';

export { REPO_ROOT };
export const BUILD_LOGS = path.join(REPO_ROOT, 'test/fixtures/build-logs');

/** A captured log with @MODDIR@ replaced by `moduleDir`. */
export function fixtureLog(version: string, name: string, moduleDir = '/tmp/module'): string {
  return fs.readFileSync(path.join(BUILD_LOGS, version, `${name}.log`), 'utf8').replaceAll('@MODDIR@', moduleDir);
}

export function fixtureLogNames(version: string): string[] {
  return fs
    .readdirSync(path.join(BUILD_LOGS, version))
    .filter((f) => f.endsWith('.log'))
    .map((f) => f.slice(0, -4))
    .sort();
}

const temps: string[] = [];

/** A fresh temp copy of test/fixtures/build-logs/sources/<name> (hello-3: the bundled example), or of a directory given by path. */
export function copySources(nameOrDir: string): string {
  const from = path.isAbsolute(nameOrDir)
    ? nameOrDir
    : nameOrDir === 'hello-3'
      ? path.join(REPO_ROOT, 'examples', 'hello-3')
      : path.join(BUILD_LOGS, 'sources', nameOrDir);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kmod-test-'));
  fs.cpSync(from, dir, { recursive: true });
  temps.push(dir);
  return dir;
}

export function removeTempCopies(): void {
  for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** Debian bookworm's 6.1 headers, which these tests' expectations (6.1's modpost wording) assume. */
export function installedKdir(): string {
  return testKernel('6.1').kdir;
}
